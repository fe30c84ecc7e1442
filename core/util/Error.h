#pragma once

#include <stdexcept>
#include <string>

namespace hwb {

// Every error the engine reports to a person: the message names the thing (file, tensor, field)
// and, where there is one, the fix. Callers add context by catching and rethrowing with a prefix.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace hwb

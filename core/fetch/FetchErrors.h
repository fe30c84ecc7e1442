#pragma once

#include <string>

#include "core/fetch/HttpClient.h"
#include "core/util/Error.h"

namespace hwb {

// A server answered, but not with the content: 401, 404, 500 ... Callers that know what the URL
// stands for (a Hub repo, a GLUE file) catch it to say so.
class HttpStatusError : public Error {
 public:
  HttpStatusError(const std::string& message, long status) : Error(message), status_(status) {}
  long status() const { return status_; }

 private:
  long status_;
};

// "404 Not Found".
std::string http_status_text(long status);

// Throws hwb::Error for a transfer that got no complete answer (response.failure is not kNone and
// not kStopped): offline, broken off, TLS, other. `what` names the thing being fetched ("the file
// list of google-t5/t5-small"); `kept` says what stays on disk, and how the next fetch uses it.
[[noreturn]] void throw_transfer_failure(const HttpResponse& response, const std::string& url,
                                         const std::string& what, const std::string& kept);

// Throws HttpStatusError for an answer whose status is not a success, with the server's own
// explanation when it gave one (the Hub's X-Error-Message header or a short body).
[[noreturn]] void throw_status_error(const HttpResponse& response, const std::string& url,
                                     const std::string& what, const std::string& body);

}  // namespace hwb

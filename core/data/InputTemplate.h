#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hwb {

// A task's input template, parsed once: literal text and {field} placeholders ("{{" and "}}" stand
// for literal braces). render() is called once per example, so it only concatenates.
class InputTemplate {
 public:
  // Throws hwb::Error for an unknown placeholder, an empty one or an unbalanced brace.
  InputTemplate(std::string_view text, std::span<const std::string> field_names);

  // `values[i]` is the text of field_names[i].
  std::string render(std::span<const std::string_view> values) const;
  void render_to(std::span<const std::string_view> values, std::string& out) const;

  // Indices (into field_names) of the placeholders, in order of appearance.
  std::vector<std::size_t> placeholders() const;

 private:
  struct Piece {
    std::string literal;  // appended first
    std::size_t field;    // then this field, unless kNoField
  };
  static constexpr std::size_t kNoField = static_cast<std::size_t>(-1);
  std::vector<Piece> pieces_;
  std::size_t literal_bytes_ = 0;
};

}  // namespace hwb

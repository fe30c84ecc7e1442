#include "core/data/InputTemplate.h"

#include "core/util/Error.h"

namespace hwb {

InputTemplate::InputTemplate(std::string_view text, std::span<const std::string> field_names) {
  std::string literal;
  std::size_t i = 0;
  const auto fail = [&](const std::string& what) {
    throw Error("input template \"" + std::string(text) + "\": " + what);
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      i += 2;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      literal += '}';
      i += 2;
    } else if (c == '}') {
      fail("unmatched '}' at offset " + std::to_string(i) + " (write \"}}\" for a literal brace)");
    } else if (c == '{') {
      const std::size_t close = text.find('}', i + 1);
      if (close == std::string_view::npos) {
        fail("unclosed '{' at offset " + std::to_string(i) + " (write \"{{\" for a literal brace)");
      }
      const std::string_view name = text.substr(i + 1, close - i - 1);
      if (name.empty()) fail("empty placeholder {} at offset " + std::to_string(i));
      std::size_t field = kNoField;
      for (std::size_t f = 0; f < field_names.size(); ++f) {
        if (field_names[f] == name) field = f;
      }
      if (field == kNoField) {
        std::string known;
        for (const std::string& n : field_names) known += (known.empty() ? "" : ", ") + n;
        fail("unknown field {" + std::string(name) + "} (fields: " + known + ")");
      }
      literal_bytes_ += literal.size();
      pieces_.push_back({std::move(literal), field});
      literal.clear();
      i = close + 1;
    } else {
      literal += c;
      ++i;
    }
  }
  if (!literal.empty()) {
    literal_bytes_ += literal.size();
    pieces_.push_back({std::move(literal), kNoField});
  }
}

void InputTemplate::render_to(std::span<const std::string_view> values, std::string& out) const {
  std::size_t bytes = literal_bytes_;
  for (const Piece& piece : pieces_) {
    if (piece.field != kNoField) bytes += values[piece.field].size();
  }
  out.clear();
  out.reserve(bytes);
  for (const Piece& piece : pieces_) {
    out += piece.literal;
    if (piece.field != kNoField) out += values[piece.field];
  }
}

std::string InputTemplate::render(std::span<const std::string_view> values) const {
  std::string out;
  render_to(values, out);
  return out;
}

std::vector<std::size_t> InputTemplate::placeholders() const {
  std::vector<std::size_t> fields;
  for (const Piece& piece : pieces_) {
    if (piece.field != kNoField) fields.push_back(piece.field);
  }
  return fields;
}

}  // namespace hwb

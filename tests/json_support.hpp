#pragma once

// A strict reader for the flat JSON objects logcatch writes (every value a
// string), so tests can tell a valid line from an invalid one without a JSON
// library.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace logcatch::test {

namespace json_detail {

inline void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Length of the valid UTF-8 sequence at text[i] (1..4), 0 if invalid.
inline std::size_t utf8_length(const std::string& text, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = at(i);
  if (c < 0x80)
    return 1;
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (i + len > text.size() || at(i + 1) < lo || at(i + 1) > hi)
    return 0;
  for (std::size_t k = 2; k < len; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xBF)
      return 0;
  return len;
}

class reader {
public:
  explicit reader(const std::string& text) : text_(text) {}

  std::optional<std::map<std::string, std::string>> object() {
    std::map<std::string, std::string> fields;
    skip_space();
    if (!take('{'))
      return std::nullopt;
    skip_space();
    if (!take('}')) {
      for (;;) {
        skip_space();
        auto key = string();
        skip_space();
        if (!key || !take(':'))
          return std::nullopt;
        skip_space();
        auto value = string();
        if (!value || !fields.emplace(*key, *value).second)
          return std::nullopt;
        skip_space();
        if (take('}'))
          break;
        if (!take(','))
          return std::nullopt;
      }
    }
    skip_space();
    if (pos_ != text_.size())
      return std::nullopt;
    return fields;
  }

private:
  bool take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  std::optional<uint32_t> hex4() {
    if (pos_ + 4 > text_.size())
      return std::nullopt;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return std::nullopt;
    }
    return v;
  }

  /// A string's bytes; a lone \uDC80..\uDCFF gives back the raw byte it
  /// stands for (logcatch's escape for invalid UTF-8).
  std::optional<std::string> string() {
    if (!take('"'))
      return std::nullopt;
    std::string out;
    while (pos_ < text_.size()) {
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20)
        return std::nullopt; // control characters must be escaped
      if (c != '\\') {
        auto len = utf8_length(text_, pos_);
        if (len == 0)
          return std::nullopt; // JSON text is UTF-8
        out.append(text_, pos_, len);
        pos_ += len;
        continue;
      }
      ++pos_;
      if (pos_ >= text_.size())
        return std::nullopt;
      char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          auto cp = hex4();
          if (!cp)
            return std::nullopt;
          if (*cp >= 0xD800 && *cp <= 0xDBFF && text_.compare(pos_, 2, "\\u") == 0) {
            auto save = pos_;
            pos_ += 2;
            auto low = hex4();
            if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
              append_utf8(out, 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00));
              break;
            }
            pos_ = save;
          }
          if (*cp >= 0xDC80 && *cp <= 0xDCFF)
            out += static_cast<char>(*cp - 0xDC00);
          else
            append_utf8(out, *cp);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt; // unterminated
  }

  const std::string& text_;
  std::size_t pos_ = 0;
};

} // namespace json_detail

/// The fields of a one-line JSON object whose values are all strings, or
/// nothing if `line` is not exactly that (invalid JSON included).
inline std::optional<std::map<std::string, std::string>> parse_flat_json(const std::string& line) {
  return json_detail::reader(line).object();
}

} // namespace logcatch::test

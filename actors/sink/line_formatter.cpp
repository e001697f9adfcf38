#include "actors/sink/line_formatter.hpp"

#include <cstdint>

namespace logcatch {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned code) {
  out += "\\u";
  out += hex_digits[(code >> 12) & 0xF];
  out += hex_digits[(code >> 8) & 0xF];
  out += hex_digits[(code >> 4) & 0xF];
  out += hex_digits[code & 0xF];
}

/// Length of the valid UTF-8 sequence starting at p (2..4), or 0 if invalid.
std::size_t utf8_sequence_length(const unsigned char* p, std::size_t avail) {
  unsigned char c = p[0];
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0; // no overlong forms
    else if (c == 0xED)
      hi = 0x9F; // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F; // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (avail < len || p[1] < lo || p[1] > hi)
    return 0;
  for (std::size_t i = 2; i < len; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return len;
}

} // namespace

void append_json_string(std::string& out, const char* data, std::size_t n) {
  auto* p = reinterpret_cast<const unsigned char*>(data);
  auto* end = p + n;
  out += '"';
  const unsigned char* run = p; // bytes copied through unchanged, in one append
  auto flush_run = [&](const unsigned char* upto) {
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(upto - run));
  };
  while (p < end) {
    unsigned char c = *p;
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      if (auto len = utf8_sequence_length(p, static_cast<std::size_t>(end - p))) {
        p += len;
        continue;
      }
    }
    flush_run(p);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        append_u_escape(out, c < 0x80 ? c : 0xDC00u + c);
    }
    ++p;
    run = p;
  }
  flush_run(p);
  out += '"';
}

void format_batch(const line_batch& batch, std::size_t first_line, output_format format,
                  std::string& out) {
  if (first_line >= batch.ends.size())
    return;
  uint32_t begin = first_line == 0 ? 0 : batch.ends[first_line - 1];
  if (format == output_format::plain) {
    out.append(batch.data, begin, batch.data.size() - begin);
    return;
  }
  auto offsets = batch.line_offsets();
  std::string prefix = "{";
  if (!batch.node.empty()) { // at an aggregator: which collector sent the line
    prefix += "\"node\":";
    append_json_string(prefix, batch.node.data(), batch.node.size());
    prefix += ",";
  }
  prefix += "\"key\":";
  append_json_string(prefix, batch.key.data(), batch.key.size());
  prefix += ",\"file\":";
  append_json_string(prefix, batch.path.data(), batch.path.size());
  prefix += ",\"offset\":";
  out.reserve(out.size() + (batch.data.size() - begin) * 2);
  auto adjust = batch.size_adjust.begin();
  begin = 0;
  for (std::size_t i = 0; i < batch.ends.size(); ++i) {
    uint32_t end = batch.ends[i];
    bool cut = false;
    while (adjust != batch.size_adjust.end() && adjust->line < i)
      ++adjust;
    if (adjust != batch.size_adjust.end() && adjust->line == i)
      cut = adjust->delta > 0;
    if (i >= first_line) {
      out += prefix;
      out += std::to_string(offsets[i]);
      out += ",\"line\":";
      append_json_string(out, batch.data.data() + begin, end - begin - 1); // without '\n'
      if (cut)
        out += ",\"cut\":true";
      out += "}\n";
    }
    begin = end;
  }
}

} // namespace logcatch

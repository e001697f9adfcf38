#include "actors/sink/postgresql_copy_rows.hpp"

#include <charconv>
#include <ctime>

namespace logcatch {

const std::vector<postgresql_column> postgresql_line_columns = {
  {"time", "timestamp with time zone"},
  {"node", "text"},
  {"key", "text"},
  {"file", "text"},
  {"inode", "bigint"},
  {"offset", "bigint"},
  {"line", "text"},
  {"cut", "boolean"},
  {"raw", "bytea"},
};

const std::vector<postgresql_column> postgresql_position_columns = {
  {"node", "text"},        {"key", "text"},          {"ordinal", "integer"},
  {"device", "bigint"},    {"inode", "bigint"},      {"prefix_len", "bigint"},
  {"prefix_hash", "bigint"}, {"offset", "bigint"},   {"path", "bytea"},
  {"reading", "bigint"},   {"updated", "timestamp with time zone"},
};

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

/// Length of the valid UTF-8 sequence starting at p (1..4), or 0 if invalid
/// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_length(const unsigned char* p, std::size_t avail) {
  unsigned char c = p[0];
  if (c < 0x80)
    return 1;
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0;
    else if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F;
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

void append_number(std::string& out, uint64_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void append_signed(std::string& out, int64_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

/// Unsigned 64-bit ids and hashes as bigint, bit for bit (two's complement).
int64_t as_bigint(uint64_t value) {
  return static_cast<int64_t>(value);
}

} // namespace

bool exact_postgresql_text(std::string_view text) {
  auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    if (p[i] >= 0x01 && p[i] < 0x80) { // the common case
      ++i;
      continue;
    }
    if (p[i] == 0)
      return false;
    auto len = utf8_length(p + i, n - i);
    if (len == 0)
      return false;
    i += len;
  }
  return true;
}

std::string readable_utf8(std::string_view text) {
  static constexpr char replacement[] = "\xEF\xBF\xBD"; // U+FFFD
  std::string out;
  out.reserve(text.size() + 8);
  auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    auto len = p[i] == 0 ? 0 : utf8_length(p + i, n - i);
    if (len == 0) {
      out += replacement;
      ++i;
    } else {
      out.append(text.data() + i, len);
      i += len;
    }
  }
  return out;
}

void append_copy_text(std::string& out, std::string_view text) {
  std::size_t run = 0; // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    const char* escape = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : nullptr;
    if (escape == nullptr)
      continue;
    out.append(text.data() + run, i - run);
    out += escape;
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

void append_copy_bytea(std::string& out, std::string_view bytes) {
  out += "\\\\x"; // bytea's input "\x...", its backslash escaped for COPY
  for (unsigned char c : bytes) {
    out += hex_digits[c >> 4];
    out += hex_digits[c & 15];
  }
}

std::string postgresql_timestamp(int64_t unix_us) {
  int64_t seconds = unix_us / 1000000;
  int64_t micros = unix_us % 1000000;
  if (micros < 0) {
    micros += 1000000;
    --seconds;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros));
  return text;
}

namespace {

/// Each line of the batch from `first_line` on, with its byte offset and
/// whether it was cut (over max_line_bytes): what both COPY encodings write.
template <class Fn>
void for_each_row(const line_batch& batch, std::size_t first_line, Fn&& fn) {
  auto offsets = batch.line_offsets();
  auto adjust = batch.size_adjust.begin();
  std::size_t i = first_line;
  batch.for_each_line(first_line, [&](const char* data, std::size_t length) {
    while (adjust != batch.size_adjust.end() && adjust->line < i)
      ++adjust;
    bool cut = adjust != batch.size_adjust.end() && adjust->line == i && adjust->delta > 0;
    fn(std::string_view(data, length), offsets[i], cut);
    ++i;
  });
}

} // namespace

void append_line_rows(std::string& out, const line_batch& batch, std::size_t first_line,
                      int64_t collected_us) {
  if (first_line >= batch.line_count())
    return;
  // What every row of the batch starts with: time, node, key, file, inode.
  std::string prefix = postgresql_timestamp(collected_us);
  prefix += '\t';
  append_copy_text(prefix, exact_postgresql_text(batch.node) ? batch.node : readable_utf8(batch.node));
  prefix += '\t';
  append_copy_text(prefix, exact_postgresql_text(batch.key) ? batch.key : readable_utf8(batch.key));
  prefix += '\t';
  append_copy_text(prefix, exact_postgresql_text(batch.path) ? batch.path : readable_utf8(batch.path));
  prefix += '\t';
  append_signed(prefix, as_bigint(batch.file.inode));
  prefix += '\t';
  for_each_row(batch, first_line, [&](std::string_view line, uint64_t offset, bool cut) {
    out += prefix;
    append_number(out, offset);
    out += '\t';
    if (exact_postgresql_text(line)) {
      append_copy_text(out, line);
      out += cut ? "\tt\t\\N\n" : "\tf\t\\N\n";
    } else {
      append_copy_text(out, readable_utf8(line));
      out += cut ? "\tt\t" : "\tf\t";
      append_copy_bytea(out, line);
      out += '\n';
    }
  });
}

namespace {

void put_be(std::string& out, uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
    out += static_cast<char>((value >> shift) & 0xFF);
}

void put_field(std::string& out, std::string_view bytes) {
  put_be(out, static_cast<uint32_t>(bytes.size()), 4);
  out.append(bytes.data(), bytes.size());
}

void put_int8_field(std::string& out, int64_t value) {
  put_be(out, 8, 4);
  put_be(out, static_cast<uint64_t>(value), 8);
}

/// PostgreSQL's epoch for timestamps: 2000-01-01 00:00:00 UTC.
constexpr int64_t postgres_epoch_us = 946684800LL * 1000000LL;

} // namespace

void append_binary_copy_header(std::string& out) {
  static constexpr char signature[] = "PGCOPY\n\377\r\n"; // plus its final NUL
  out.append(signature, sizeof signature); // 11 bytes, the NUL included
  put_be(out, 0, 4);                       // flags: no OIDs
  put_be(out, 0, 4);                       // no header extension
}

void append_binary_copy_trailer(std::string& out) {
  put_be(out, 0xFFFF, 2); // a field count of -1
}

void append_line_rows_binary(std::string& out, const line_batch& batch, std::size_t first_line,
                             int64_t collected_us) {
  if (first_line >= batch.line_count())
    return;
  // What every row of the batch starts with: field count, time, node, key, file, inode.
  std::string prefix;
  put_be(prefix, static_cast<uint16_t>(postgresql_line_columns.size()), 2);
  put_int8_field(prefix, collected_us - postgres_epoch_us);
  for (auto* text : {&batch.node, &batch.key, &batch.path}) {
    if (exact_postgresql_text(*text))
      put_field(prefix, *text);
    else
      put_field(prefix, readable_utf8(*text));
  }
  put_int8_field(prefix, as_bigint(batch.file.inode));
  for_each_row(batch, first_line, [&](std::string_view line, uint64_t offset, bool cut) {
    out += prefix;
    put_int8_field(out, static_cast<int64_t>(offset));
    bool exact = exact_postgresql_text(line);
    if (exact)
      put_field(out, line);
    else
      put_field(out, readable_utf8(line));
    put_be(out, 1, 4);
    out += cut ? '\1' : '\0';
    if (exact)
      put_be(out, 0xFFFFFFFF, 4); // raw NULL
    else
      put_field(out, line);
  });
}

node_and_key split_position_key(const std::string& position_key) {
  auto slash = position_key.find('/');
  if (slash == std::string::npos)
    return {{}, position_key};
  return {position_key.substr(0, slash), position_key.substr(slash + 1)};
}

std::string join_position_key(const std::string& node, const std::string& key) {
  return node.empty() ? key : node + "/" + key;
}

void append_position_rows(std::string& out, const std::string& position_key,
                          const std::vector<delivered_position>& positions) {
  auto names = split_position_key(position_key);
  std::string prefix;
  append_copy_text(prefix, names.node);
  prefix += '\t';
  append_copy_text(prefix, names.key);
  prefix += '\t';
  uint64_t ordinal = 0;
  for (const auto& pos : positions) {
    out += prefix;
    append_number(out, ordinal++);
    out += '\t';
    append_signed(out, as_bigint(pos.file.device));
    out += '\t';
    append_signed(out, as_bigint(pos.file.inode));
    out += '\t';
    append_number(out, pos.file.prefix_len);
    out += '\t';
    append_signed(out, as_bigint(pos.file.prefix_hash));
    out += '\t';
    append_signed(out, as_bigint(pos.offset));
    out += '\t';
    append_copy_bytea(out, pos.path); // a path's exact bytes, UTF-8 or not
    out += '\t';
    append_signed(out, as_bigint(pos.reading));
    out += '\t';
    out += postgresql_timestamp(pos.updated_ms * 1000);
    out += '\n';
  }
}

std::string sql_string_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += '\'';
    out += c;
  }
  return out + "'";
}

void append_position_values(std::string& out, const node_and_key& names, int64_t ordinal,
                            const delivered_position& pos) {
  out += '(';
  out += sql_string_literal(names.node);
  out += ',';
  out += sql_string_literal(names.key);
  out += ',';
  append_signed(out, ordinal);
  for (int64_t v : {as_bigint(pos.file.device), as_bigint(pos.file.inode),
                    static_cast<int64_t>(pos.file.prefix_len), as_bigint(pos.file.prefix_hash),
                    as_bigint(pos.offset)}) {
    out += ',';
    append_signed(out, v);
  }
  out += ",'\\x"; // bytea's hex input form: a path's exact bytes
  for (unsigned char c : pos.path) {
    out += hex_digits[c >> 4];
    out += hex_digits[c & 15];
  }
  out += "'::bytea,";
  append_signed(out, as_bigint(pos.reading));
  out += ",'";
  out += postgresql_timestamp(pos.updated_ms * 1000);
  out += "'::timestamptz)";
}

bool decode_bytea_hex(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0)
    return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  out.reserve((text.size() - 2) / 2);
  for (std::size_t i = 2; i < text.size(); i += 2) {
    int hi = nibble(text[i]);
    int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

} // namespace logcatch

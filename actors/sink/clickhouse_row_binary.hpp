#pragma once

// ClickHouse's RowBinary format, both ways: the rows the ClickHouse
// destination inserts, and the answers to its queries (exact bytes, no
// text escaping to undo). Little-endian integers, strings as a LEB128
// length and the bytes.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace logcatch {

/// Appends values to a RowBinary body.
class row_binary_writer {
public:
  explicit row_binary_writer(std::string& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  void i64(int64_t v) { fixed(static_cast<uint64_t>(v), 8); }
  void string(const char* data, std::size_t n);
  void string(const std::string& s) { string(s.data(), s.size()); }

private:
  void fixed(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::string& out_;
};

/// Reads values from a RowBinary answer; throws std::runtime_error when the
/// answer ends inside a value (a truncated or foreign answer).
class row_binary_reader {
public:
  explicit row_binary_reader(const std::string& in) : in_(in) {}
  bool done() const { return at_ == in_.size(); }
  uint8_t u8() { return static_cast<uint8_t>(fixed(1)); }
  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  int64_t i64() { return static_cast<int64_t>(fixed(8)); }
  std::string string();

private:
  uint64_t fixed(int bytes);
  const std::string& in_;
  std::size_t at_ = 0;
};

} // namespace logcatch

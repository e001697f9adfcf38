#include "actors/sink/clickhouse_row_binary.hpp"

namespace logcatch {

void row_binary_writer::string(const char* data, std::size_t n) {
  uint64_t len = n;
  do {
    auto byte = static_cast<uint8_t>(len & 0x7F);
    len >>= 7;
    out_.push_back(static_cast<char>(len != 0 ? byte | 0x80 : byte));
  } while (len != 0);
  out_.append(data, n);
}

uint64_t row_binary_reader::fixed(int bytes) {
  if (in_.size() - at_ < static_cast<std::size_t>(bytes))
    throw std::runtime_error("RowBinary answer ends inside a number");
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in_[at_ + i])) << (8 * i);
  at_ += static_cast<std::size_t>(bytes);
  return v;
}

std::string row_binary_reader::string() {
  uint64_t len = 0;
  for (int shift = 0;; shift += 7) {
    if (at_ == in_.size() || shift > 63)
      throw std::runtime_error("RowBinary answer ends inside a string length");
    auto byte = static_cast<unsigned char>(in_[at_++]);
    len |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0)
      break;
  }
  if (in_.size() - at_ < len)
    throw std::runtime_error("RowBinary answer ends inside a string");
  std::string s = in_.substr(at_, len);
  at_ += len;
  return s;
}

} // namespace logcatch

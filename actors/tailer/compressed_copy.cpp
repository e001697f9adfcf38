#include "actors/tailer/compressed_copy.hpp"

#include <algorithm>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

namespace logcatch {

std::unique_ptr<compressed_copy> compressed_copy::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return nullptr;
  auto st = stat_fd(fd);
  gzFile gz = ::gzdopen(fd, "rb");
  if (gz == nullptr) {
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<compressed_copy> c{new compressed_copy()};
  c->path_ = path;
  c->file_ = file_identity{st.id.device, st.id.inode, 0, 0};
  c->gz_ = gz;
  return c;
}

compressed_copy::~compressed_copy() {
  if (gz_ != nullptr)
    ::gzclose(static_cast<gzFile>(gz_));
}

std::string compressed_copy::head(std::size_t n) {
  if (head_.size() < n) {
    auto gz = static_cast<gzFile>(gz_);
    ::gzrewind(gz);
    std::string buf(n, '\0');
    auto got = ::gzread(gz, buf.data(), static_cast<unsigned>(n));
    buf.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    head_ = std::move(buf);
    ::gzrewind(gz);
    offset_ = 0;
  }
  return head_.substr(0, std::min(n, head_.size()));
}

file_identity compressed_copy::identity_at(uint64_t offset, uint32_t fingerprint) {
  auto len = static_cast<uint32_t>(std::min<uint64_t>(offset, fingerprint));
  auto bytes = head(len);
  auto id = file_;
  if (len > 0 && bytes.size() == len) {
    id.prefix_len = len;
    id.prefix_hash = hash_bytes(bytes.data(), bytes.size());
  }
  return id;
}

bool compressed_copy::seek(uint64_t offset) {
  auto gz = static_cast<gzFile>(gz_);
  if (offset < offset_) {
    ::gzrewind(gz);
    offset_ = 0;
  }
  std::vector<char> skip(64 * 1024);
  while (offset_ < offset) {
    auto want = static_cast<unsigned>(std::min<uint64_t>(skip.size(), offset - offset_));
    auto got = ::gzread(gz, skip.data(), want);
    if (got <= 0)
      return false;
    offset_ += static_cast<uint64_t>(got);
  }
  return true;
}

std::optional<gzip_trailer> compressed_copy::trailer_of(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  unsigned char tail[8];
  auto size = stat_fd(fd).size;
  bool ok = size >= 18 && ::pread(fd, tail, 8, static_cast<off_t>(size - 8)) == 8;
  ::close(fd);
  if (!ok)
    return std::nullopt;
  auto le32 = [](const unsigned char* b) {
    return static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 |
           static_cast<uint32_t>(b[2]) << 16 | static_cast<uint32_t>(b[3]) << 24;
  };
  return gzip_trailer{le32(tail), le32(tail + 4)};
}

long compressed_copy::read(char* buf, std::size_t n) {
  auto got = ::gzread(static_cast<gzFile>(gz_), buf, static_cast<unsigned>(n));
  if (got < 0)
    return -1;
  offset_ += static_cast<uint64_t>(got);
  return got;
}

} // namespace logcatch

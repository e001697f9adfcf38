#include "bench/driver/sink_tail.hpp"

#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "bench/driver/report.hpp"
#include "bench/workload/delivery_verifier.hpp"

namespace logcatch::bench {

sink_tail::sink_tail(std::string path, line_fn on_line)
  : path_(std::move(path)), on_line_(std::move(on_line)), buffer_(1 << 20, '\0') {
}

sink_tail::~sink_tail() {
  if (fd_ >= 0)
    ::close(fd_);
}

uint64_t sink_tail::poll() {
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      return 0; // not created yet
  }
  uint64_t completed = 0;
  for (;;) {
    ssize_t n = ::pread(fd_, buffer_.data(), buffer_.size(), static_cast<off_t>(offset_));
    if (n <= 0)
      return completed;
    offset_ += static_cast<uint64_t>(n);
    const char* data = buffer_.data();
    const char* end = data + n;
    while (data < end) {
      auto* nl = static_cast<const char*>(std::memchr(data, '\n', static_cast<std::size_t>(end - data)));
      if (nl == nullptr) {
        partial_.append(data, end);
        break;
      }
      ++completed;
      ++lines_;
      if (on_line_) {
        if (partial_.empty()) {
          on_line_(std::string_view(data, static_cast<std::size_t>(nl - data)));
        } else {
          partial_.append(data, nl);
          on_line_(partial_);
          partial_.clear();
        }
      } else {
        partial_.clear();
      }
      data = nl + 1;
    }
  }
}

void verify_sink(const std::string& path, const std::map<std::string, uint64_t>& written,
                 uint64_t segment_lines, scenario_result& r) {
  delivery_verifier v{segment_lines};
  sink_tail check{path, [&](std::string_view line) {
                    auto payload = payload_of(line);
                    v.on_line(payload.data(), payload.size());
                  }};
  check.poll();
  r.verified = true;
  for (auto& s : v.report(written)) {
    r.lost += s.lost;
    r.duplicated += s.duplicated + s.out_of_order;
  }
  r.duplicated += v.malformed();
}

std::string_view payload_of(std::string_view line) {
  if (line.empty() || line.front() != '{')
    return line;
  static constexpr std::string_view mark = "\"line\":\"";
  auto at = line.find(mark);
  if (at == std::string_view::npos)
    return line;
  auto start = at + mark.size();
  auto stop = line.find('"', start);
  return line.substr(start, stop == std::string_view::npos ? std::string_view::npos : stop - start);
}

} // namespace logcatch::bench

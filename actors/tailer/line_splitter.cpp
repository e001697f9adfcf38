#include "actors/tailer/line_splitter.hpp"

#include <algorithm>
#include <cstring>

namespace logcatch {

line_splitter::line_splitter(std::size_t max_line_bytes)
  : max_line_bytes_(std::max<std::size_t>(1, max_line_bytes)) {
}

void line_splitter::feed(const char* data, std::size_t n, line_batch& out) {
  const char* pos = data;
  const char* end = data + n;
  // Lines that lie whole inside this chunk are copied as one run, so a batch
  // of short lines costs one append instead of one per line.
  const char* run = nullptr;
  auto close_run = [&](const char* upto) {
    if (run != nullptr) {
      out.data.append(run, static_cast<std::size_t>(upto - run));
      run = nullptr;
    }
  };
  while (pos < end) {
    auto* nl = static_cast<const char*>(std::memchr(pos, '\n', static_cast<std::size_t>(end - pos)));
    if (nl == nullptr) {
      close_run(pos);
      hold(pos, static_cast<std::size_t>(end - pos));
      return;
    }
    auto len = static_cast<std::size_t>(nl - pos);
    if (held_file_bytes_ == 0 && len <= max_line_bytes_) {
      if (run == nullptr)
        run = pos;
      out.ends.push_back(static_cast<uint32_t>(out.data.size() + static_cast<std::size_t>(nl + 1 - run)));
    } else {
      close_run(pos);
      hold(pos, len);
      emit_held(out, true);
    }
    pos = nl + 1;
  }
  close_run(pos);
}

void line_splitter::flush(line_batch& out) {
  if (held_file_bytes_ > 0)
    emit_held(out, false);
}

void line_splitter::reset() {
  held_.clear();
  held_file_bytes_ = 0;
}

void line_splitter::hold(const char* data, std::size_t n) {
  held_file_bytes_ += n;
  if (held_.size() < max_line_bytes_)
    held_.append(data, std::min(n, max_line_bytes_ - held_.size()));
}

void line_splitter::emit_held(line_batch& out, bool terminated) {
  // held_file_bytes_ counts the content only; the newline (if any) is one more.
  uint64_t file_bytes = held_file_bytes_ + (terminated ? 1 : 0);
  uint64_t data_bytes = held_.size() + 1;
  if (held_file_bytes_ > max_line_bytes_)
    ++out.cut_lines;
  if (file_bytes != data_bytes)
    out.size_adjust.push_back(size_adjustment{static_cast<uint32_t>(out.ends.size()),
                                              static_cast<int64_t>(file_bytes) -
                                                static_cast<int64_t>(data_bytes)});
  out.data.append(held_);
  out.data.push_back('\n');
  out.ends.push_back(static_cast<uint32_t>(out.data.size()));
  reset();
}

} // namespace logcatch

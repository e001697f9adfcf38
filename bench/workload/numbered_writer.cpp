#include "bench/workload/numbered_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace logcatch {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

} // namespace

numbered_writer::numbered_writer(options opts) : opts_(std::move(opts)) {
  if (opts_.max_length < opts_.min_length)
    opts_.max_length = opts_.min_length;
}

numbered_writer::~numbered_writer() {
  stop();
  if (fd_ >= 0)
    ::close(fd_);
}

std::string numbered_writer::line(uint64_t seq) const {
  std::string text;
  append_line(seq, 0, text);
  text.pop_back();
  return text;
}

void numbered_writer::append_line(uint64_t seq, uint64_t now_ns, std::string& out) const {
  auto begin = out.size();
  out += opts_.stream;
  out += ' ';
  out += std::to_string(seq);
  out += ' ';
  if (opts_.timestamps) {
    out += '@';
    out += std::to_string(now_ns);
    out += ' ';
  }
  // Length varies with seq (a cheap hash), so lines are of mixed sizes.
  uint64_t h = seq * 0x9E3779B97F4A7C15ull;
  auto span = opts_.max_length - opts_.min_length + 1;
  auto length = opts_.min_length + static_cast<std::size_t>((h >> 33) % span);
  while (out.size() - begin < length)
    out.push_back(static_cast<char>('a' + (out.size() - begin + seq) % 26));
  out += '\n';
}

uint64_t numbered_writer::monotonic_ns() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void numbered_writer::open_file() {
  fd_ = ::open(opts_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    fail("cannot open", opts_.path);
}

void numbered_writer::write_chunk(uint64_t n) {
  if (fd_ < 0)
    open_file();
  // One write per chunk, as a program with a buffered logger does.
  std::string text;
  auto now = opts_.timestamps ? monotonic_ns() : 0;
  auto first = written_.load();
  for (uint64_t i = 0; i < n; ++i)
    append_line(first + i, now, text);
  std::size_t done = 0;
  while (done < text.size()) {
    auto w = ::write(fd_, text.data() + done, text.size() - done);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      fail("write failed", opts_.path);
    }
    done += static_cast<std::size_t>(w);
  }
  in_file_ += n;
  written_ += n;
}

void numbered_writer::write_lines(uint64_t n) {
  std::lock_guard<std::mutex> guard{mtx_};
  while (n > 0) {
    if (opts_.rotate_every > 0 && in_file_ >= opts_.rotate_every)
      rotate();
    uint64_t chunk = std::min<uint64_t>(n, 4096);
    if (opts_.rotate_every > 0)
      chunk = std::min(chunk, opts_.rotate_every - in_file_);
    write_chunk(chunk);
    n -= chunk;
  }
}

void numbered_writer::rotate() {
  auto target = opts_.path + "." + std::to_string(rotations_.load() + 1);
  if (opts_.mode == rotation_mode::rename) {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (::rename(opts_.path.c_str(), target.c_str()) != 0 && errno != ENOENT)
      fail("cannot rename to " + target, opts_.path);
  } else {
    std::error_code ec;
    std::filesystem::copy_file(opts_.path, target, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec)
      throw std::runtime_error(opts_.path + ": cannot copy to " + target + ": " + ec.message());
    if (::truncate(opts_.path.c_str(), 0) != 0)
      fail("cannot truncate", opts_.path);
  }
  in_file_ = 0;
  ++rotations_;
}

void numbered_writer::start() {
  if (running_.exchange(true))
    return;
  thread_ = std::thread([this] {
    using clock = std::chrono::steady_clock;
    auto begin = clock::now();
    uint64_t done = 0;
    try {
    while (running_.load()) {
      if (opts_.lines_per_second <= 0) {
        write_lines(64);
        continue;
      }
      // Paced by elapsed time, so a slow moment is caught up afterwards.
      auto elapsed = std::chrono::duration<double>(clock::now() - begin).count();
      auto due = static_cast<uint64_t>(elapsed * opts_.lines_per_second);
      if (due > done) {
        write_lines(due - done);
        done = due;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> guard{mtx_};
      error_ = e.what();
    }
  });
}

std::string numbered_writer::error() {
  std::lock_guard<std::mutex> guard{mtx_};
  return error_;
}

void numbered_writer::stop() {
  if (!running_.exchange(false))
    return;
  if (thread_.joinable())
    thread_.join();
}

} // namespace logcatch

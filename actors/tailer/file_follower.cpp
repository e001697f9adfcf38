#include "actors/tailer/file_follower.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

#include "actors/tailer/rotation_detector.hpp"

namespace logcatch {

namespace {

std::string folder_of(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

ssize_t read_some(int fd, char* buf, std::size_t n) {
  for (;;) {
    auto r = ::read(fd, buf, n);
    if (r >= 0 || errno != EINTR)
      return r;
  }
}

} // namespace

file_follower::file_follower(options opts, std::optional<resume_position> resume)
  : opts_(std::move(opts)),
    resume_(std::move(resume)),
    splitter_(opts_.max_line_bytes),
    buffer_(new char[opts_.read_block]) {
  // A key that has delivered lines before is past its start: read_from no
  // longer applies, and every file opened from now on is read from its start.
  if (resume_)
    first_open_ = false;
}

file_follower::~file_follower() {
  close_file();
}

std::vector<follower_notice> file_follower::take_notices() {
  std::vector<follower_notice> result;
  result.swap(notices_);
  return result;
}

void file_follower::notice(bool warning, std::string text) {
  notices_.push_back(follower_notice{warning, std::move(text)});
}

void file_follower::problem(const std::string& text) {
  if (text != problem_) {
    problem_ = text;
    notice(true, opts_.path + ": " + text + " (retrying)");
  }
}

void file_follower::close_file() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

void file_follower::begin_batch(line_batch& out) {
  out.file = id_;
  out.path = open_path_;
  out.restart = pending_restart_;
  pending_restart_ = false;
  out.start_offset = offset_ - splitter_.held_bytes();
  out.end_offset = out.start_offset;
}

follow_status file_follower::step(line_batch& out, std::size_t budget) {
  if (fd_ < 0 && !open_next())
    return follow_status::no_file;
  begin_batch(out);
  auto want = std::max<std::size_t>(1, std::min(opts_.read_block, budget));
  auto n = read_some(fd_, buffer_.get(), want);
  if (n < 0) {
    problem(std::string("read failed: ") + std::strerror(errno));
    close_file();
    return follow_status::no_file;
  }
  if (n > 0) {
    splitter_.feed(buffer_.get(), static_cast<std::size_t>(n), out);
    offset_ += static_cast<uint64_t>(n);
    out.end_offset = offset_ - splitter_.held_bytes();
    return follow_status::progress;
  }
  auto change = classify_file_change(stat_fd(fd_), offset_, stat_path(opts_.path));
  switch (change) {
    case file_change::none:
      return follow_status::at_end;
    case file_change::truncated:
      ++truncations_;
      notice(true, open_path_ + ": truncated at offset " + std::to_string(offset_) +
                     "; reading it again from 0");
      ::lseek(fd_, 0, SEEK_SET);
      offset_ = 0;
      splitter_.reset();
      pending_restart_ = true;
      return follow_status::progress;
    case file_change::rotated:
    case file_change::deleted:
      break;
  }
  // A writer may have appended between our last read and the stat above:
  // read the old file to its real end before leaving it.
  n = read_some(fd_, buffer_.get(), want);
  if (n > 0) {
    splitter_.feed(buffer_.get(), static_cast<std::size_t>(n), out);
    offset_ += static_cast<uint64_t>(n);
    out.end_offset = offset_ - splitter_.held_bytes();
    return follow_status::progress;
  }
  if (change == file_change::rotated && !resumed_ && on_rotation)
    on_rotation();
  // The old file will not grow any more: its unterminated last line is a line.
  splitter_.flush(out);
  out.end_offset = offset_;
  if (change == file_change::rotated) {
    ++rotations_;
    notice(false, open_path_ + " rotated after " + std::to_string(offset_) +
                    " bytes; following " + opts_.path + " anew");
  } else {
    notice(true, opts_.path + " was removed; read its last " + std::to_string(offset_) +
                   " bytes, waiting for it to come back");
  }
  close_file();
  return follow_status::progress;
}

bool file_follower::open_next() {
  if (resume_) {
    auto at = std::move(*resume_);
    resume_.reset();
    if (open_resumed(at))
      return true;
    notice(true, "cannot find " + at.path + " (" + at.file.to_string() + ") to resume at offset " +
                   std::to_string(at.offset) + "; continuing with " + opts_.path +
                   " from the start");
  }
  return open_path_now();
}

bool file_follower::open_resumed(const resume_position& at) {
  std::string candidate;
  auto here = stat_path(opts_.path);
  if (here.exists && here.id == at.file) {
    candidate = opts_.path;
  } else if (auto found = find_by_identity(folder_of(opts_.path), at.file)) {
    candidate = *found;
  } else {
    auto hint = stat_path(at.path);
    if (!hint.exists || hint.id != at.file)
      return false;
    candidate = at.path;
  }
  int fd = ::open(candidate.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  auto st = stat_fd(fd);
  if (st.id != at.file) { // renamed again between stat and open
    ::close(fd);
    return false;
  }
  fd_ = fd;
  id_ = at.file;
  open_path_ = candidate;
  resumed_ = true;
  pending_restart_ = true;
  if (st.size < at.offset) {
    ++truncations_;
    notice(true, candidate + " is shorter (" + std::to_string(st.size) +
                   " bytes) than the delivered offset " + std::to_string(at.offset) +
                   ": truncated meanwhile, reading it from 0");
    offset_ = 0;
  } else {
    offset_ = at.offset;
  }
  ::lseek(fd_, static_cast<off_t>(offset_), SEEK_SET);
  notice(false, "resumed " + candidate + " at offset " + std::to_string(offset_));
  return true;
}

bool file_follower::open_path_now() {
  auto st = stat_path(opts_.path);
  if (!st.exists) {
    // read_from: tail means "skip what is there now"; a file that appears
    // later is new, and all of it is read.
    first_open_ = false;
    if (st.error != 0)
      problem(std::strerror(st.error));
    return false;
  }
  if (!st.regular) {
    problem("not a regular file");
    return false;
  }
  int fd = ::open(opts_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    problem(std::string("cannot open: ") + std::strerror(errno));
    return false;
  }
  auto opened = stat_fd(fd);
  fd_ = fd;
  id_ = opened.id;
  open_path_ = opts_.path;
  resumed_ = false;
  pending_restart_ = true;
  offset_ = (first_open_ && opts_.start == read_from::tail) ? opened.size : 0;
  first_open_ = false;
  ::lseek(fd_, static_cast<off_t>(offset_), SEEK_SET);
  problem_.clear();
  notice(false, "following " + opts_.path + " from offset " + std::to_string(offset_));
  return true;
}

} // namespace logcatch

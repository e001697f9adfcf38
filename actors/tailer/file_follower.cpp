#include "actors/tailer/file_follower.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <dirent.h>
#include <filesystem>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include "actors/tailer/file_age.hpp"
#include "actors/tailer/rotation_detector.hpp"

namespace logcatch {

namespace {

/// A random non-zero id: unique among a file's readings in practice, across
/// restarts of the process too (so it is not a counter).
uint64_t new_reading_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t id = 0;
  while (id == 0)
    id = rng();
  return id;
}

std::string folder_of(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

/// The open file was last modified before `ms` (unix time in ms).
bool modified_before(int fd, int64_t ms) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return false;
  auto mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  return mtime_ms < ms;
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
    read_hint_(opts_.read_block) {
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
  if (fd_ < 0)
    return;
  // A file truncated under us holds other bytes now: what was read is
  // known by the hash taken while reading it, never by a hash of the new
  // content (which would let the new content resume at the old offset).
  if (opts_.registry != nullptr)
    opts_.registry->release(this, content_replaced_ ? content_check() : identity_at(offset_),
                            offset_ - splitter_.held_bytes());
  content_replaced_ = false;
  ::close(fd_);
  fd_ = -1;
  if (holds_slot_ && opts_.budget != nullptr)
    opts_.budget->give_back();
  holds_slot_ = false;
  ++open_generation_;
}

void file_follower::give_back_unread() {
  // Not release(): nothing was read, and no position of it is known.
  if (opts_.registry != nullptr)
    opts_.registry->unclaim(this, id_);
  ::close(fd_);
  fd_ = -1;
  if (holds_slot_ && opts_.budget != nullptr)
    opts_.budget->give_back();
  holds_slot_ = false;
  claimed_empty_ = false;
  ++open_generation_;
}

bool file_follower::recheck_empty_claim() {
  if (stat_fd(fd_).size == 0)
    return true; // nothing to compare yet
  // Claimed while empty, nothing compared: it may be a copytruncate copy
  // that was still being written, of a file another follower has opened
  // and read since. The claim compares it now, and the file stays open (a
  // file at the path that was rotated or deleted meanwhile is still read
  // to its end, here); else both would read the same lines.
  claimed_empty_ = false;
  if (!opts_.registry->claim(fd_, id_, this)) {
    notice(false, open_path_ + " starts like a file another follower reads (a copy being "
                               "made): left to it");
    give_back_unread();
    return false;
  }
  // A follower that went on in it may have read it meanwhile: from there.
  if (auto at = opts_.registry->known_offset(fd_, id_);
      at && at->offset > 0 && at->offset <= stat_fd(fd_).size) {
    offset_ = at->offset;
    continue_reading_ = at->reading;
    pending_restart_ = true;
    splitter_.reset();
  }
  ::lseek(fd_, static_cast<off_t>(offset_), SEEK_SET); // a dropped read moved it
  return true;
}

bool file_follower::take_slot() {
  if (opts_.budget == nullptr || opts_.budget->try_take())
    return true;
  wants_slot_ = true;
  return false;
}

bool file_follower::close_idle() {
  // Not a file truncated under us (it is not idle: a copy waits to be read
  // on, or it is read again from 0), and its position must name what was
  // read, never a hash of new content.
  if (fd_ < 0 || prefix_changed())
    return false;
  struct stat st {};
  if (::fstat(fd_, &st) != 0)
    return false;
  // The size as read, not as it is now: bytes written since the last read
  // (the file looked idle, but grew meanwhile) make the path look changed.
  idle_ = idle_file{id_, offset_, st.st_mtim};
  close_file();
  // A held partial line is read again from where lines were handed out.
  offset_ -= splitter_.held_bytes();
  splitter_.reset();
  return true;
}

file_identity file_follower::identity_at(uint64_t offset) {
  auto len = static_cast<uint32_t>(std::min<uint64_t>(offset, opts_.fingerprint_bytes));
  if (len != hashed_len_ && fd_ >= 0) {
    if (auto hash = hash_head(len, false)) {
      hashed_len_ = len;
      hashed_hash_ = *hash;
    }
  }
  file_identity id = id_;
  id.prefix_len = hashed_len_;
  id.prefix_hash = hashed_hash_;
  return id;
}

bool file_follower::prefix_changed() {
  // Checked over what was read, not only over what was handed out: a held
  // partial line read from the old content must not be finished with bytes
  // of the new.
  auto len = std::max(hashed_len_, read_check_len_);
  if (len == 0)
    return false;
  // The bytes kept when the longer of the two was hashed: a compare, not a
  // hash of up to 1 KiB at every read.
  auto now = read_head(fd_, len);
  return now.size() < len || head_.size() < len || now.compare(0, len, head_, 0, len) != 0;
}

std::optional<uint64_t> file_follower::hash_head(uint32_t len, bool read_check) {
  auto head = read_head(fd_, len);
  if (head.size() < len)
    return std::nullopt;
  auto hash = hash_bytes(head.data(), len);
  // Kept: the longer hashing's bytes, the read check's at equal length
  // (prefix_changed compared against read_check_hash_ then).
  if (len > head_.size() || (read_check && len == head_.size()))
    head_ = std::move(head);
  return hash;
}

bool file_follower::adopt(int fd, const std::string& path, const file_identity& id) {
  close_file();
  fd_ = fd;
  holds_slot_ = false; // the caller that took a slot for `fd` says so
  claimed_empty_ = false;
  ++open_generation_;
  id_ = file_identity{id.device, id.inode, 0, 0};
  open_path_ = path;
  hashed_len_ = 0;
  hashed_hash_ = 0;
  read_check_len_ = 0;
  read_check_hash_ = 0;
  head_.clear();
  return true;
}

copy_search file_follower::copies() const {
  return copy_search{folder_of(opts_.path),
                     std::filesystem::path(opts_.path).filename().string(), opts_.never_read};
}

bool file_follower::switch_to_copy() {
  // The copy must start with the bytes we read (a held partial line
  // included) and hold at least as many.
  auto check_len = std::max(hashed_len_, read_check_len_);
  auto check_hash = check_len == read_check_len_ ? read_check_hash_ : hashed_hash_;
  if (check_len == 0)
    return false;
  auto copy = find_by_content(copies(), check_len, check_hash, offset_, id_);
  if (!copy)
    return false;
  // The truncated file's slot goes over to the copy (for a moment both are
  // open: the budget's reserve covers that); without one, take one.
  bool own_slot = holds_slot_;
  if (!own_slot && !take_slot()) {
    copy_waits_for_slot_ = true; // read on there once the key made room
    return false;
  }
  auto give_back = [&] {
    if (!own_slot && opts_.budget != nullptr)
      opts_.budget->give_back();
  };
  int fd = ::open(copy->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    give_back();
    return false;
  }
  auto hash = prefix_hash_of(fd, check_len);
  auto copy_id = stat_fd(fd).id;
  if (!hash || *hash != check_hash) { // replaced between the search and the open
    give_back();
    ::close(fd);
    return false;
  }
  auto len = hashed_len_;
  auto old_fd = fd_;
  fd_ = -1; // hand the truncated file back only after the copy is claimed
  bool claimed = opts_.registry == nullptr || opts_.registry->claim(fd, copy_id, this, true);
  fd_ = old_fd;
  if (!claimed) {
    give_back();
    ::close(fd);
    return false;
  }
  content_replaced_ = true; // the truncated file goes back to the registry
  auto emitted_hash = hashed_hash_;
  auto head = std::move(head_);
  holds_slot_ = false; // kept for the copy, not given back with the truncated file
  adopt(fd, *copy, copy_id);
  holds_slot_ = opts_.budget != nullptr;
  // The copy starts with the same bytes: what was hashed stays hashed.
  hashed_len_ = len;
  hashed_hash_ = emitted_hash;
  read_check_len_ = check_len;
  read_check_hash_ = check_hash;
  head_ = std::move(head);
  resumed_ = true;
  ::lseek(fd_, static_cast<off_t>(offset_), SEEK_SET);
  return true;
}

void file_follower::begin_batch(line_batch& out) {
  out.path = open_path_;
  if (pending_restart_ || reading_ == 0)
    reading_ = continue_reading_ != 0 ? continue_reading_ : new_reading_id();
  continue_reading_ = 0;
  out.reading = reading_;
  out.restart = pending_restart_;
  pending_restart_ = false;
  out.start_offset = offset_ - splitter_.held_bytes();
  out.end_offset = out.start_offset;
  out.file = identity_at(out.start_offset);
}

ssize_t file_follower::read_into(line_batch& out, std::size_t want) {
  constexpr std::size_t min_read = 4096;
  auto first = std::min(want, std::max(min_read, read_hint_));
  if (before_read)
    before_read();
  auto n = read_some(fd_, splitter_.prepare(out, first), first);
  int read_errno = errno;
  // The first bytes were checked before the read, but a copytruncate can
  // truncate and refill the file past our offset in between: the bytes just
  // read would then be the middle of other content (a torn line, and the
  // new content's start skipped). Checked again after the read: unchanged,
  // the read was of our content; changed, it is dropped and the truncation
  // handled (the copy holds our content from this offset).
  // Bytes that came to a file claimed empty after the step checked its size
  // are not used either: another follower may have taken the file since
  // (holds_empty_claim()); the step gives it back and it is opened again.
  bool unchecked = n > 0 && claimed_empty_;
  read_torn_ = n > 0 && !unchecked && prefix_changed();
  splitter_.commit(out, n > 0 && !read_torn_ && !unchecked ? static_cast<std::size_t>(n) : 0);
  if (read_torn_ || unchecked)
    return 0;
  if (n > 0 && static_cast<std::size_t>(n) == first && first < want) {
    // The file has more: the rest of the block (an error here shows at the next read).
    auto more = read_some(fd_, splitter_.prepare(out, want - first), want - first);
    bool torn = more > 0 && prefix_changed();
    splitter_.commit(out, more > 0 && !torn ? static_cast<std::size_t>(more) : 0);
    if (more > 0 && !torn)
      n += more;
  }
  read_hint_ = n > 0 ? std::min(opts_.read_block, 2 * static_cast<std::size_t>(n)) : min_read;
  // A short read leaves most of the block unused: credit counts the bytes
  // sent, so the memory a batch holds must not be many times more.
  if (out.data.capacity() > 2 * out.data.size() + min_read)
    out.data.shrink_to_fit();
  errno = read_errno; // for the caller's report when n < 0
  return n;
}

follow_status file_follower::consume(std::size_t n, line_batch& out) {
  offset_ += n; // already split into `out` by read_into()
  auto check = static_cast<uint32_t>(std::min<uint64_t>(offset_, opts_.fingerprint_bytes));
  if (check > read_check_len_) {
    if (auto hash = hash_head(check, true)) {
      read_check_len_ = check;
      read_check_hash_ = *hash;
    }
  }
  out.end_offset = offset_ - splitter_.held_bytes();
  out.file = identity_at(out.end_offset);
  return follow_status::progress;
}

follow_status file_follower::step(line_batch& out, std::size_t budget) {
  if (fd_ < 0 && idle_) {
    // Closed while idle: open again only once the path shows a change.
    auto st = stat_path(opts_.path);
    struct stat now {};
    bool same = st.exists && st.id == idle_->id && st.size == idle_->size &&
                ::stat(opts_.path.c_str(), &now) == 0 &&
                now.st_mtim.tv_sec == idle_->mtime.tv_sec && now.st_mtim.tv_nsec == idle_->mtime.tv_nsec;
    if (same)
      return follow_status::at_end;
    idle_.reset();
  }
  if (fd_ < 0 && !open_next())
    return follow_status::no_file;
  if (claimed_empty_ && !recheck_empty_claim())
    return follow_status::no_file;
  if (pending_restart_ && offset_ > 0 && splitter_.held_bytes() == 0) {
    // Resumed at a known position: a marker alone, whose identity hashes
    // exactly the bytes that position hashed, so the sink finds it by
    // content even when this inode once held another file's position.
    begin_batch(out);
    return follow_status::progress;
  }
  // Truncated and written again past our offset since the last step (a
  // copytruncate while the writer goes on): a read would start mid-line in
  // other content. The first bytes tell; one pread per step.
  if (prefix_changed())
    return on_truncated();
  begin_batch(out);
  auto want = std::max<std::size_t>(1, std::min(opts_.read_block, budget));
  auto n = read_into(out, want);
  if (n < 0) {
    problem(std::string("read failed: ") + std::strerror(errno));
    close_file();
    return follow_status::no_file;
  }
  if (n > 0)
    return consume(static_cast<std::size_t>(n), out);
  if (read_torn_)
    return on_truncated();
  if (claimed_empty_ && stat_fd(fd_).size > 0) {
    recheck_empty_claim(); // bytes came after the check above: read at the next step
    return follow_status::progress;
  }
  auto change =
    classify_file_change(stat_fd(fd_), offset_, stat_path(opts_.path), prefix_changed());
  switch (change) {
    case file_change::none:
      return follow_status::at_end;
    case file_change::truncated:
      return on_truncated();
    case file_change::rotated:
    case file_change::deleted:
      break;
  }
  // A writer may have appended between our last read and the stat above:
  // read the old file to its real end before leaving it.
  n = read_into(out, want);
  if (n > 0)
    return consume(static_cast<std::size_t>(n), out);
  if (change == file_change::rotated) {
    ++rotations_; // counted before the fault hook may throw: the tailer reports it
    if (!resumed_ && on_rotation)
      on_rotation();
  }
  // The old file will not grow any more: its unterminated last line is a line.
  splitter_.flush(out);
  out.end_offset = offset_;
  out.file = identity_at(out.end_offset);
  // Only a deleted file is done for good: a plain path keeps its rotated
  // files' positions (a catch-up after a restart checks them), and in a glob
  // key another follower may go on with a renamed file.
  if (change == file_change::deleted)
    finished_ = out.file;
  if (change == file_change::rotated && resumed_ && opts_.registry == nullptr) {
    struct stat st {};
    if (::fstat(fd_, &st) == 0) {
      caught_up_.insert({id_.device, id_.inode});
      queue_rotated_after(st.st_mtim);
    }
  }
  if (change == file_change::rotated) {
    notice(false, open_path_ + " rotated after " + std::to_string(offset_) +
                    " bytes; following " + opts_.path + " anew");
  } else {
    notice(true, opts_.path + " was removed; read its last " + std::to_string(offset_) +
                   " bytes, waiting for it to come back");
  }
  close_file();
  return follow_status::progress;
}

follow_status file_follower::on_truncated() {
  auto was = open_path_;
  copy_waits_for_slot_ = false;
  bool switched = switch_to_copy();
  if (!switched && copy_waits_for_slot_)
    return follow_status::at_end; // looked at again at the next step
  ++truncations_;
  if (switched) {
    // Same content, same offset: the reading goes on in the copy (no
    // restart marker); the path is read from 0 once the copy is done.
    notice(true, was + ": truncated at offset " + std::to_string(offset_) +
                   " after being copied to " + open_path_ + "; reading the rest there");
    return follow_status::progress;
  }
  // The old content may be in a compressed copy (copytruncate + compress):
  // the key reads the rest of it there.
  if (opts_.registry != nullptr)
    opts_.registry->content_gone(
      resume_position{content_check(), emitted_offset(), open_path_, reading_});
  notice(true, open_path_ + ": truncated at offset " + std::to_string(offset_) +
                 "; reading it again from 0");
  ::lseek(fd_, 0, SEEK_SET);
  offset_ = 0;
  hashed_len_ = 0;
  hashed_hash_ = 0;
  read_check_len_ = 0;
  read_check_hash_ = 0;
  head_.clear();
  splitter_.reset();
  pending_restart_ = true;
  return follow_status::progress;
}

void file_follower::queue_rotated_after(const struct timespec& finished_mtime) {
  // Named like a rotated copy, modified after the file just finished, and
  // neither that file nor the one at the path: written after it, never read.
  auto where = copies();
  auto at_path = stat_path(opts_.path);
  struct rotated_candidate {
    file_age age;
    std::string path;
  };
  std::vector<rotated_candidate> found;
  std::unique_ptr<DIR, int (*)(DIR*)> dir{::opendir(where.folder.c_str()), ::closedir};
  if (!dir)
    return;
  while (auto* entry = ::readdir(dir.get())) {
    std::string name = entry->d_name;
    static const char* compressed[] = {".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4"};
    bool packed = false;
    for (auto* ext : compressed)
      packed = packed || (name.size() > std::strlen(ext) &&
                          name.compare(name.size() - std::strlen(ext), std::string::npos, ext) == 0);
    if (packed || name == where.name || !named_like_a_copy(where, name))
      continue;
    auto candidate = where.folder + "/" + name;
    struct stat st {};
    // Not earlier, rather than later: file times have clock-tick
    // granularity, and a burst of rotations gives several files one mtime.
    if (::stat(candidate.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        later(finished_mtime, st.st_mtim))
      continue;
    std::pair<uint64_t, uint64_t> inode{st.st_dev, st.st_ino};
    if (caught_up_.count(inode) > 0 ||
        (at_path.exists && at_path.id == file_identity{inode.first, inode.second}))
      continue;
    found.push_back(rotated_candidate{age_of(candidate, st), candidate});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return older(a.age, b.age); });
  catch_up_.clear();
  for (auto& f : found)
    catch_up_.push_back(f.path);
}

std::optional<uint64_t> file_follower::delivered_offset(int fd, const path_status& st) const {
  for (auto& known : opts_.delivered) {
    if (known.file.device == st.id.device && known.file.inode == st.id.inode &&
        known.offset <= st.size && starts_like(fd, known.file))
      return known.offset;
  }
  return std::nullopt;
}

bool file_follower::open_caught_up() {
  while (!catch_up_.empty()) {
    auto path = catch_up_.front();
    catch_up_.pop_front();
    if (!take_slot()) {
      catch_up_.push_front(path);
      return false;
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (opts_.budget != nullptr)
        opts_.budget->give_back();
      continue;
    }
    auto st = stat_fd(fd);
    caught_up_.insert({st.id.device, st.id.inode});
    // Files of the same clock tick as the finished one may be older ones
    // already delivered: their positions say so.
    uint64_t start = delivered_offset(fd, st).value_or(0);
    if (start > 0 && start >= st.size) {
      if (opts_.budget != nullptr)
        opts_.budget->give_back();
      ::close(fd); // read to its end before
      continue;
    }
    adopt(fd, path, st.id);
    holds_slot_ = opts_.budget != nullptr;
    resumed_ = true; // finishing it looks for the next one
    pending_restart_ = true;
    offset_ = start;
    if (start > 0)
      ::lseek(fd_, static_cast<off_t>(start), SEEK_SET);
    notice(true, path + " was rotated while this key was not being read: reading it first" +
                   (start > 0 ? " (from offset " + std::to_string(start) + ")" : std::string()));
    return true;
  }
  return false;
}

bool file_follower::open_next() {
  if (open_caught_up())
    return true;
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
  // By inode first (a rename keeps it), checking the content prefix so a
  // reused inode is not mistaken for the file; then by content: a file that
  // starts with the same bytes and holds at least the delivered offset (a
  // copy, e.g. made by copytruncate while we were down).
  auto try_open = [&](const std::string& candidate, bool by_inode) -> bool {
    if (!take_slot())
      return false;
    int fd = ::open(candidate.c_str(), O_RDONLY | O_CLOEXEC);
    auto st = fd < 0 ? path_status{} : stat_fd(fd);
    if (fd < 0 || (by_inode && st.id != at.file) || !starts_like(fd, at.file)) {
      if (opts_.budget != nullptr)
        opts_.budget->give_back();
      if (fd >= 0)
        ::close(fd);
      return false;
    }
    adopt(fd, candidate, st.id);
    holds_slot_ = opts_.budget != nullptr;
    return true;
  };
  bool found = false;
  auto here = stat_path(opts_.path);
  if (here.exists && here.id == at.file)
    found = try_open(opts_.path, true);
  if (!found)
    if (auto by_inode = find_by_identity(folder_of(opts_.path), at.file))
      found = try_open(*by_inode, true);
  if (!found && at.path != opts_.path) {
    auto hint = stat_path(at.path);
    if (hint.exists && hint.id == at.file)
      found = try_open(at.path, true);
  }
  if (!found && at.file.prefix_len > 0)
    if (auto by_content = find_by_content(copies(), at.file.prefix_len, at.file.prefix_hash,
                                          at.offset, file_identity{}))
      found = try_open(*by_content, false);
  if (!found)
    return false;
  resumed_ = true;
  pending_restart_ = true;
  continue_reading_ = at.reading;
  auto size = stat_fd(fd_).size;
  if (size < at.offset) {
    continue_reading_ = 0; // truncated meanwhile: a new reading from 0
    ++truncations_;
    notice(true, open_path_ + " is shorter (" + std::to_string(size) +
                   " bytes) than the delivered offset " + std::to_string(at.offset) +
                   ": truncated meanwhile, reading it from 0");
    offset_ = 0;
  } else {
    offset_ = at.offset;
  }
  ::lseek(fd_, static_cast<off_t>(offset_), SEEK_SET);
  notice(false, "resumed " + open_path_ + " at offset " + std::to_string(offset_));
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
  if (!take_slot())
    return false; // the key closes an idle file, and this one opens at a later step
  auto give_back = [this] {
    if (opts_.budget != nullptr)
      opts_.budget->give_back();
  };
  int fd = ::open(opts_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    give_back();
    problem(std::string("cannot open: ") + std::strerror(errno));
    return false;
  }
  auto opened = stat_fd(fd);
  std::optional<uint64_t> known;
  uint64_t known_reading = 0;
  if (opts_.registry != nullptr) {
    if (!opts_.registry->claim(fd, opened.id, this)) {
      give_back();
      ::close(fd); // another follower of this key is reading it: later
      return false;
    }
    if (auto at = opts_.registry->known_offset(fd, opened.id)) {
      known = at->offset;
      known_reading = at->reading;
    }
    if (known && *known > opened.size) {
      // Read before up to a point it has not reached again: a copy still
      // being written. Take it once it is complete.
      opts_.registry->unclaim(this, opened.id);
      give_back();
      ::close(fd);
      return false;
    }
  }
  // A plain path resumed at another file (positions moved in the same
  // millisecond sort either way) may come back to one it had delivered from.
  if (!known && opts_.registry == nullptr)
    known = delivered_offset(fd, opened);
  adopt(fd, opts_.path, opened.id);
  holds_slot_ = opts_.budget != nullptr;
  claimed_empty_ = opts_.registry != nullptr && opened.size == 0;
  splitter_.reset(); // a new reading: nothing held from another
  resumed_ = false;
  pending_restart_ = true;
  if (known) {
    offset_ = *known; // read before: go on there, with that reading
    continue_reading_ = known_reading;
  } else if (opts_.sibling) {
    offset_ = modified_before(fd_, opts_.history_before_ms) ? opened.size : 0;
  } else {
    offset_ = (first_open_ && opts_.start == read_from::tail) ? opened.size : 0;
  }
  first_open_ = false;
  ::lseek(fd_, static_cast<off_t>(offset_), SEEK_SET);
  problem_.clear();
  notice(false, "following " + opts_.path + " from offset " + std::to_string(offset_));
  return true;
}

} // namespace logcatch

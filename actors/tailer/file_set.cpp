#include "actors/tailer/file_set.hpp"

#include <algorithm>
#include <filesystem>
#include <fnmatch.h>
#include <glob.h>
#include <set>
#include <sys/stat.h>

namespace logcatch {

namespace {

std::pair<uint64_t, uint64_t> inode_key(const file_identity& id) {
  return {id.device, id.inode};
}

} // namespace

bool is_glob(const std::string& path) {
  return path.find_first_of("*?[") != std::string::npos;
}

file_set::file_set(options opts, std::vector<resume_position> known)
  : opts_(std::move(opts)), glob_(is_glob(opts_.pattern)), known_(std::move(known)) {
}

file_set::~file_set() {
  followers_.clear(); // their release() calls still find the registry intact
}

std::string file_set::watch_path() const {
  return opts_.pattern;
}

bool file_set::excluded(const std::string& path) const {
  auto name = std::filesystem::path(path).filename().string();
  for (auto& pattern : opts_.exclude) {
    bool on_path = pattern.find('/') != std::string::npos;
    if (::fnmatch(pattern.c_str(), on_path ? path.c_str() : name.c_str(),
                  on_path ? FNM_PATHNAME : 0) == 0)
      return true;
  }
  return false;
}

file_follower& file_set::add(const std::string& path, std::optional<resume_position> resume) {
  auto o = opts_.follower;
  o.path = path;
  if (!glob_)
    o.delivered = known_;
  if (glob_) {
    o.registry = this;
    // read_from applies to the files there at the first look only.
    o.start = first_scan_ ? opts_.follower.start : read_from::head;
  }
  auto& f = followers_[path];
  f = std::make_unique<file_follower>(o, std::move(resume));
  hinted_.insert(path); // a new file: open it at the next step
  without_file_.insert(path);
  if (rotation_hook_)
    f->on_rotation = rotation_hook_;
  return *f;
}

void file_set::scan() {
  if (!glob_) {
    if (followers_.empty())
      add(opts_.pattern, known_.empty() ? std::nullopt : std::optional<resume_position>(known_[0]));
    return;
  }
  std::set<std::string> matched;
  glob_t found{};
  if (::glob(opts_.pattern.c_str(), GLOB_NOSORT, nullptr, &found) == 0) {
    auto now = std::filesystem::file_time_type::clock::now();
    for (std::size_t i = 0; i < found.gl_pathc; ++i) {
      std::string path = found.gl_pathv[i];
      if (excluded(path))
        continue;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        continue;
      matched.insert(path);
      if (followers_.count(path) > 0)
        continue;
      if (opts_.ignore_older.count() > 0) {
        std::error_code ec;
        auto mtime = std::filesystem::last_write_time(path, ec);
        if (!ec && now - mtime > opts_.ignore_older)
          continue;
      }
      add(path, std::nullopt);
    }
  }
  ::globfree(&found);
  // A follower whose name matches no more keeps its file until it has read
  // it to the end (a rotated file may still grow), then goes.
  for (auto it = followers_.begin(); it != followers_.end();) {
    if (matched.count(it->first) == 0 && !it->second->has_file()) {
      without_file_.erase(it->first);
      it = followers_.erase(it);
    } else {
      ++it;
    }
  }
  first_scan_ = false;
}

void file_set::hint(const std::vector<std::string>& open_paths) {
  hinting_ = true;
  if (open_paths.empty())
    return;
  std::set<std::string> touched(open_paths.begin(), open_paths.end());
  for (auto& [path, f] : followers_)
    if (f->has_file() && touched.count(f->open_path()) > 0)
      hinted_.insert(path);
}

follow_status file_set::step(line_batch& out, std::size_t budget) {
  if (followers_.empty())
    return follow_status::no_file;
  if (!glob_ || !hinting_ || look_all_) {
    auto status = step_all(out, budget);
    if (status != follow_status::progress) {
      look_all_ = false;
      hinted_.clear();
    }
    return status;
  }
  // Followers without a file (waiting to claim a copy, for a file to come
  // back, for permission) have no watch to wake them: they always get a look.
  hinted_.insert(without_file_.begin(), without_file_.end());
  while (!hinted_.empty()) {
    auto it = followers_.find(*hinted_.begin());
    if (it != followers_.end()) {
      line_batch attempt;
      attempt.key = out.key;
      attempt.incarnation = out.incarnation;
      auto status = step_one(it->first, *it->second, attempt, budget);
      if (status == follow_status::progress || attempt.restart || !attempt.empty()) {
        out = std::move(attempt);
        return follow_status::progress; // stays hinted: there may be more
      }
    }
    hinted_.erase(hinted_.begin());
  }
  return without_file_.size() < followers_.size() ? follow_status::at_end
                                                  : follow_status::no_file;
}

follow_status file_set::step_one(const std::string& path, file_follower& f, line_batch& out,
                                 std::size_t budget) {
  auto rotations = f.rotations();
  auto truncations = f.truncations();
  auto generation = f.open_generation();
  auto status = f.step(out, budget);
  rotations_ += f.rotations() - rotations;
  truncations_ += f.truncations() - truncations;
  for (auto& n : f.take_notices())
    notices_.push_back(std::move(n));
  if (auto done = f.take_finished())
    finished_.push_back(*done);
  if (f.open_generation() != generation) {
    open_changed_ = true;
    if (f.has_file())
      without_file_.erase(path);
    else
      without_file_.insert(path);
  }
  return status;
}

follow_status file_set::step_all(line_batch& out, std::size_t budget) {
  bool any_file = false;
  auto n = followers_.size();
  // Round robin from next_, walking the map once (not advancing from its
  // start for every follower: quadratic with a thousand files).
  auto it = followers_.begin();
  std::advance(it, static_cast<long>(next_ % n));
  for (std::size_t i = 0; i < n; ++i, ++it) {
    if (it == followers_.end())
      it = followers_.begin();
    line_batch attempt;
    attempt.key = out.key;
    attempt.incarnation = out.incarnation;
    auto status = step_one(it->first, *it->second, attempt, budget);
    any_file = any_file || status != follow_status::no_file;
    if (status == follow_status::progress || attempt.restart || !attempt.empty()) {
      next_ = (next_ + i + 1) % n; // the others get their turn next
      out = std::move(attempt);
      return follow_status::progress;
    }
  }
  return any_file ? follow_status::at_end : follow_status::no_file;
}

const std::vector<open_file>& file_set::open_files() {
  // Asked before every wait: rebuilt only when a file was opened or closed
  // (a thousand strings per wait cost more than the wait itself).
  if (open_changed_) {
    open_changed_ = false;
    open_cache_.clear();
    for (auto& [path, f] : followers_)
      if (f->has_file())
        open_cache_.push_back(
          open_file{f->open_path(), f->open_identity().device, f->open_identity().inode});
  }
  return open_cache_;
}

uint64_t file_set::unread_bytes() const {
  uint64_t unread = 0;
  for (auto& [path, f] : followers_) {
    struct stat st {};
    if (f->has_file() && ::fstat(f->open_fd(), &st) == 0 &&
        static_cast<uint64_t>(st.st_size) > f->emitted_offset())
      unread += static_cast<uint64_t>(st.st_size) - f->emitted_offset();
  }
  return unread;
}

uint64_t file_set::rotations() const {
  return rotations_;
}

uint64_t file_set::truncations() const {
  return truncations_;
}

std::vector<follower_notice> file_set::take_notices() {
  std::vector<follower_notice> result;
  result.swap(notices_);
  return result;
}

std::vector<file_identity> file_set::take_finished() {
  std::vector<file_identity> result;
  result.swap(finished_);
  return result;
}

void file_set::on_rotation(std::function<void()> hook) {
  rotation_hook_ = std::move(hook);
  for (auto& [path, f] : followers_)
    f->on_rotation = rotation_hook_;
}

bool file_set::claim(int fd, const file_identity& id, const file_follower* owner) {
  auto size = stat_fd(fd).size;
  for (auto& [key, entry] : claims_) {
    if (entry.owner == owner)
      continue;
    if (key == inode_key(id))
      return false;
    // A copy of what another follower is reading (copytruncate: same first
    // bytes) waits: that follower reads on from the copy when it sees the
    // truncation, or gives it back. A full fingerprint decides even while
    // the copy is still being written; a shorter prefix only for a file at
    // least as long as what was read (a new file may share a few bytes).
    auto reading = entry.owner->read_identity();
    bool full = reading.prefix_len >= opts_.follower.fingerprint_bytes;
    if (reading.prefix_len > 0 && (full || size >= entry.owner->emitted_offset()) &&
        prefix_hash_of(fd, reading.prefix_len) == reading.prefix_hash)
      return false;
    // A copy still being written holds so far exactly the first bytes of the
    // file it copies (an empty file included): wait until it shows its own.
    auto len = static_cast<uint32_t>(std::min<uint64_t>(size, reading.prefix_len));
    if (reading.prefix_len > 0 && size < reading.prefix_len &&
        prefix_hash_of(fd, len) == prefix_hash_of(entry.owner->open_fd(), len))
      return false;
  }
  claims_[inode_key(id)] = claim_entry{owner};
  return true;
}

void file_set::unclaim(const file_follower* owner, const file_identity& id) {
  auto it = claims_.find(inode_key(id));
  if (it != claims_.end() && it->second.owner == owner)
    claims_.erase(it);
}

void file_set::release(const file_follower* owner, const file_identity& id, uint64_t offset) {
  unclaim(owner, id);
  // Most recent first; an older entry for the same file is replaced.
  known_.erase(std::remove_if(known_.begin(), known_.end(),
                              [&](const resume_position& k) { return same_file(k.file, id); }),
               known_.end());
  known_.insert(known_.begin(), resume_position{id, offset, {}});
}

std::optional<uint64_t> file_set::known_offset(int fd, const file_identity& id) {
  auto fp_len = opts_.follower.fingerprint_bytes;
  for (auto& k : known_) {
    auto same_inode = k.file.device == id.device && k.file.inode == id.inode;
    bool full = fp_len > 0 && k.file.prefix_len >= fp_len;
    if (!same_inode && !full)
      continue;
    // Same inode: its first bytes must still be those read (inode reuse,
    // rewrite). Other inode: a full fingerprint match is the same content
    // (a position without a fingerprint is never full: inode only).
    if (starts_like(fd, k.file))
      return k.offset;
  }
  return std::nullopt;
}

} // namespace logcatch

#include "actors/tailer/file_set.hpp"

#include <algorithm>
#include <random>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <filesystem>
#include <fnmatch.h>
#include <glob.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "actors/tailer/file_age.hpp"

namespace logcatch {

namespace {

std::pair<uint64_t, uint64_t> inode_key(const file_identity& id) {
  return {id.device, id.inode};
}

} // namespace

bool compressed_name(const std::string& path) {
  static const char* exts[] = {".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4"};
  for (auto* ext : exts) {
    auto len = std::strlen(ext);
    if (path.size() > len && path.compare(path.size() - len, len, ext) == 0)
      return true;
  }
  return false;
}

bool is_glob(const std::string& path) {
  return path.find_first_of("*?[") != std::string::npos;
}

file_set::file_set(options opts, std::vector<resume_position> known)
  : opts_(std::move(opts)), glob_(is_glob(opts_.pattern)), known_(opts_.follower.fingerprint_bytes) {
  bool has_baseline = false;
  for (auto& k : known) { // most recent first
    if (is_baseline(k.file)) {
      since_ms_ = static_cast<int64_t>(k.offset);
      has_baseline = true;
    } else {
      known_.put_oldest(k);
    }
  }
  if (!has_baseline) {
    // No baseline (a sink of an older version): what is rotated from now on
    // is the key's to read; what is there is history.
    using namespace std::chrono;
    since_ms_ = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
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

file_follower& file_set::add(const std::string& path, std::optional<resume_position> resume,
                             bool sibling) {
  auto o = opts_.follower;
  o.path = path;
  // Plain and glob keys alike: the registry knows where each file was left
  // (a file found under another name goes on there) and lets one follower
  // read a file at a time.
  o.registry = this;
  o.delivered.clear();
  // read_from applies to the files there at the first look only.
  o.start = first_scan_ ? opts_.follower.start : read_from::head;
  o.sibling = sibling;
  // File times come from the kernel's coarse clock (a few ms behind the
  // wall clock) and clocks get stepped: a copy modified shortly before the
  // baseline may still hold lines the key is to read. Reading a little
  // history is better than losing a line.
  constexpr int64_t file_time_slack_ms = 2000;
  o.history_before_ms = since_ms_ - file_time_slack_ms;
  auto& f = followers_[path];
  f = std::make_unique<file_follower>(o, std::move(resume));
  hinted_.insert(path); // a new file: open it at the next step
  without_file_.insert(path);
  if (rotation_hook_)
    f->on_rotation = rotation_hook_;
  return *f;
}

void file_set::scan() {
  std::set<std::string> matched;
  if (!glob_) {
    // The path's follower waits for its file when there is none.
    matched.insert(opts_.pattern);
    if (followers_.count(opts_.pattern) == 0)
      add(opts_.pattern, std::nullopt);
  }
  std::set<std::string> gz_matches;
  glob_t found{};
  if (glob_ && ::glob(opts_.pattern.c_str(), GLOB_NOSORT, nullptr, &found) == 0) {
    auto now = std::filesystem::file_time_type::clock::now();
    for (std::size_t i = 0; i < found.gl_pathc; ++i) {
      std::string path = found.gl_pathv[i];
      if (excluded(path))
        continue;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        continue;
      // Compressed files are never read as lines (a glob such as app.log*
      // matches logrotate's app.log.2.gz): a .gz is read through zlib, as
      // the rest of a file the key was reading (see scan_siblings).
      if (compressed_name(path)) {
        if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0)
          gz_matches.insert(path);
        continue;
      }
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
  if (glob_)
    ::globfree(&found);
  std::set<std::string> siblings, compressed;
  scan_siblings(matched, siblings, compressed);
  compressed.insert(gz_matches.begin(), gz_matches.end());
  for (auto& path : compressed)
    look_at_compressed(path);
  for (auto& path : siblings)
    if (followers_.count(path) == 0)
      add(path, std::nullopt, true);
  // Oldest first (file_age: last modified, then born).
  struct aged {
    file_age age;
    std::string path;
  };
  std::vector<aged> order;
  for (auto& path : siblings) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0)
      order.push_back(aged{age_of(path, st), path});
  }
  std::sort(order.begin(), order.end(), [](const aged& a, const aged& b) { return older(a.age, b.age); });
  sibling_order_.clear();
  for (auto& a : order)
    sibling_order_.push_back(a.path);
  // Followers of siblings gone from the folder still finish their file.
  for (auto& [path, f] : followers_)
    if (path != opts_.pattern && siblings.count(path) == 0 && matched.count(path) == 0)
      sibling_order_.insert(sibling_order_.begin(), path);
  // A follower whose name matches no more keeps its file until it has read
  // it to the end (a rotated file may still grow), then goes.
  for (auto it = followers_.begin(); it != followers_.end();) {
    if (matched.count(it->first) == 0 && siblings.count(it->first) == 0 &&
        !it->second->has_file()) {
      without_file_.erase(it->first);
      last_active_.erase(it->first);
      at_end_.erase(it->first);
      it = followers_.erase(it);
    } else {
      ++it;
    }
  }
  first_scan_ = false;
}

void file_set::scan_siblings(const std::set<std::string>& matched, std::set<std::string>& found,
                             std::set<std::string>& compressed) {
  // A rotated copy's base name need not exist any more (logrotate without
  // `create`, or a file deleted after its copy was made): a name is a copy
  // when a prefix of it, ended by '.', '-' or '_', is the followed name or
  // matches the pattern's name.
  std::map<std::string, std::set<std::string>> names_by_folder;
  std::filesystem::path pattern(opts_.pattern);
  auto pattern_folder = pattern.parent_path().string();
  auto pattern_name = pattern.filename().string();
  if (!is_glob(pattern_folder))
    names_by_folder[pattern_folder.empty() ? "." : pattern_folder];
  auto add_name = [&](const std::string& path) {
    std::filesystem::path p(path);
    auto folder = p.parent_path().string();
    names_by_folder[folder.empty() ? "." : folder].insert(p.filename().string());
  };
  for (auto& path : matched) {
    add_name(path);
    // A symlink (Kubernetes' containers/NAME.log -> pods/.../0.log): its
    // target is rotated in the target's own folder, under the target's name.
    std::error_code ec;
    if (std::filesystem::is_symlink(path, ec)) {
      auto target = std::filesystem::canonical(path, ec);
      if (!ec)
        add_name(target.string());
    }
  }
  // logrotate's olddir: the same names, in another folder.
  if (!opts_.olddir.empty()) {
    auto folders = names_by_folder;
    for (auto& [folder, names] : folders)
      for (auto& old : opts_.olddir) {
        auto where = std::filesystem::path(old).is_absolute()
                       ? std::filesystem::path(old)
                       : std::filesystem::path(folder) / old;
        auto& into = names_by_folder[where.lexically_normal().string()];
        into.insert(names.begin(), names.end());
      }
  }
  search_folders_.clear();
  for (auto& [folder, names] : names_by_folder)
    search_folders_.insert(folder);
  static const char* packed_exts[] = {".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4"};
  for (auto& [folder, names] : names_by_folder) {
    std::unique_ptr<DIR, int (*)(DIR*)> dir{::opendir(folder.c_str()), ::closedir};
    if (!dir)
      continue;
    while (auto* entry = ::readdir(dir.get())) {
      std::string name = entry->d_name;
      if (name == "." || name == ".." || names.count(name) > 0)
        continue;
      bool packed = false;
      for (auto* ext : packed_exts) {
        auto len = std::strlen(ext);
        packed = packed || (name.size() > len && name.compare(name.size() - len, len, ext) == 0);
      }
      bool gzip = name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
      if (packed && !gzip)
        continue;
      if (gzip)
        name.resize(name.size() - 3); // judged by the name it was compressed from
      // NAME followed by '.', '-' or '_' and a suffix, for a followed NAME.
      if (glob_ && folder == pattern_folder &&
          ::fnmatch(pattern_name.c_str(), name.c_str(), FNM_PERIOD) == 0)
        continue; // the pattern's own match, not a copy
      bool copy_of_followed = false;
      for (std::size_t i = 1; i < name.size() && !copy_of_followed; ++i) {
        if (std::strchr(".-_", name[i]) == nullptr)
          continue;
        auto base = name.substr(0, i);
        copy_of_followed = names.count(base) > 0 || base == pattern_name ||
                           (glob_ && ::fnmatch(pattern_name.c_str(), base.c_str(), FNM_PERIOD) == 0);
      }
      if (!copy_of_followed)
        continue;
      auto path = folder + "/" + name + (gzip ? ".gz" : "");
      auto& never = opts_.follower.never_read;
      if (excluded(path) || std::find(never.begin(), never.end(), path) != never.end())
        continue;
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
        (gzip ? compressed : found).insert(path);
    }
  }
}

file_set::sweep_result file_set::sweep(std::chrono::steady_clock::time_point now,
                                       std::chrono::milliseconds grace) {
  sweep_result result;
  auto known = known_.oldest_first();
  if (known.empty())
    return result;
  // Where the key's files may be: the pattern's folder, its followers' and
  // its positions' folders. One readdir each, one stat per entry.
  std::set<std::string> folders;
  auto folder_of = [](const std::string& path) {
    auto f = std::filesystem::path(path).parent_path().string();
    return f.empty() ? std::string(".") : f;
  };
  if (!is_glob(folder_of(opts_.pattern)))
    folders.insert(folder_of(opts_.pattern));
  for (auto& [path, f] : followers_)
    folders.insert(folder_of(path));
  for (auto& k : known)
    if (!k.path.empty())
      folders.insert(folder_of(k.path));
  folders.insert(search_folders_.begin(), search_folders_.end());
  std::set<std::pair<uint64_t, uint64_t>> present;
  bool unreadable = false;
  for (auto& folder : folders) {
    std::unique_ptr<DIR, int (*)(DIR*)> dir{::opendir(folder.c_str()), ::closedir};
    if (!dir) {
      unreadable = unreadable || errno != ENOENT;
      continue;
    }
    while (auto* entry = ::readdir(dir.get())) {
      struct stat st {};
      if (::fstatat(::dirfd(dir.get()), entry->d_name, &st, 0) == 0 && S_ISREG(st.st_mode))
        present.insert({st.st_dev, st.st_ino});
    }
  }
  if (unreadable)
    return result; // a folder that cannot be read proves nothing
  for (auto& [inode, entry] : claims_)
    present.insert(inode); // open, maybe deleted: its follower finishes it
  std::size_t kept = 0;
  for (auto& k : known) {
    auto id = std::make_tuple(k.file.device, k.file.inode, k.file.prefix_len, k.file.prefix_hash);
    if (present.count({k.file.device, k.file.inode}) > 0) {
      missing_since_.erase(id);
      ++kept;
      continue;
    }
    auto [it, added] = missing_since_.emplace(id, now);
    if (added || now - it->second < grace) {
      ++kept;
      continue;
    }
    // The inode is gone, but its content may live on in a copy (copytruncate,
    // then the original deleted) that is still to be read from there.
    if (k.file.prefix_len > 0 && !k.path.empty()) {
      std::filesystem::path p(k.path);
      auto folder = p.parent_path().string();
      copy_search where{folder.empty() ? "." : folder, p.filename().string(),
                        opts_.follower.never_read};
      if (find_by_content(where, k.file.prefix_len, k.file.prefix_hash, k.offset, k.file)) {
        it->second = now;
        ++kept;
        continue;
      }
    }
    missing_since_.erase(it);
    known_.erase(k.file);
    finished_.push_back(k.file);
    ++result.gone;
  }
  // Over the bound: the least recent go (known is least recent first).
  for (auto& k : known) {
    if (kept <= opts_.max_tracked_files)
      break;
    if (present.count({k.file.device, k.file.inode}) == 0)
      continue; // counted as missing above, goes after its grace
    known_.erase(k.file);
    finished_.push_back(k.file);
    --kept;
    ++result.over_bound;
  }
  return result;
}

void file_set::hint(const std::vector<std::string>& open_paths) {
  hinting_ = true;
  if (open_paths.empty())
    return;
  open_files(); // the index from open paths to followers is current
  for (auto& open_path : open_paths) // one open path may be two followers' (old and new file)
    for (auto [a, b] = follower_by_open_path_.equal_range(open_path); a != b; ++a)
      hinted_.insert(a->second);
}

void file_set::look_at_compressed(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return;
  std::pair<uint64_t, uint64_t> inode{st.st_dev, st.st_ino};
  // The trailer is read only where it decides: every scan looks at every
  // .gz of the folder, most of them history that is never seen.
  auto look_now = [&] {
    return compressed_look{static_cast<uint64_t>(st.st_size), compressed_copy::trailer_of(path)};
  };
  if (auto seen = compressed_seen_.find(inode); seen != compressed_seen_.end()) {
    if (seen->second.bytes == static_cast<uint64_t>(st.st_size) && seen->second == look_now())
      return; // read (or being read) by this tailer
    // Another .gz on the inode (the next rotation's): it may hold the rest
    // of another file. Looked at once the one before is read.
    for (auto& job : compressed_jobs_)
      if (inode_key(job.copy->file()) == inode)
        return;
  }
  auto copy = compressed_copy::open(path);
  if (!copy)
    return;
  // Only as the rest of a file the key was reading (a known position whose
  // content the copy starts with): a .gz of something never seen is history
  // or already read, and reading it would repeat it.
  auto head = copy->head(opts_.follower.fingerprint_bytes);
  auto from = known_.find_by_head(head.data(), head.size(), UINT64_MAX, copy->file());
  if (!from) {
    compressed_unmatched_.insert(path); // a truncation may still make it the rest of one
    return;
  }
  compressed_unmatched_.erase(path);
  auto look = look_now();
  compressed_seen_[inode] = look;
  // Read to its end before (its own position, at its size as gzip's trailer
  // has it): nothing to decompress.
  if (from->file.device == copy->file().device && from->file.inode == copy->file().inode &&
      look.trailer && static_cast<uint32_t>(from->offset) == look.trailer->size)
    return;
  compressed_job job;
  job.copy = std::move(copy);
  job.from = *from;
  job.splitter = std::make_unique<line_splitter>(opts_.follower.max_line_bytes);
  compressed_jobs_.push_back(std::move(job));
}

follow_status file_set::step_compressed(line_batch& out, std::size_t budget) {
  auto& job = compressed_jobs_.front();
  auto fp = opts_.follower.fingerprint_bytes;
  out.path = job.copy->path();
  if (!job.started) {
    job.started = true;
    if (!job.copy->seek(job.from.offset)) {
      notices_.push_back({true, job.copy->path() + ": shorter than the position " +
                                  std::to_string(job.from.offset) + " it would go on from; not read"});
      compressed_jobs_.pop_front();
      return follow_status::progress;
    }
    notices_.push_back({true, job.copy->path() + " is the only copy left of a file read up to " +
                                std::to_string(job.from.offset) +
                                " bytes: reading the rest of it there (decompressed)"});
    // The reading goes on (a resend of its batches meets the same position).
    job.reading = job.from.reading != 0 ? job.from.reading : (uint64_t{std::random_device{}()} << 32 | std::random_device{}()) | 1;
    out.restart = true;
    out.reading = job.reading;
    out.start_offset = out.end_offset = job.from.offset;
    out.file = job.copy->identity_at(job.from.offset, fp);
    return follow_status::progress;
  }
  out.reading = job.reading;
  out.start_offset = job.copy->offset() - job.splitter->held_bytes();
  std::vector<char> buf(std::max<std::size_t>(1, std::min(opts_.follower.read_block, budget)));
  auto n = job.copy->read(buf.data(), buf.size());
  if (n > 0) {
    job.splitter->feed(buf.data(), static_cast<std::size_t>(n), out);
    out.end_offset = job.copy->offset() - job.splitter->held_bytes();
    out.file = job.copy->identity_at(out.end_offset, fp);
    return follow_status::progress;
  }
  if (n < 0)
    notices_.push_back({true, job.copy->path() + ": corrupt compressed data after " +
                                std::to_string(job.copy->offset()) + " bytes"});
  job.splitter->flush(out); // a compressed file does not grow: its last line is a line
  out.end_offset = job.copy->offset();
  out.file = job.copy->identity_at(out.end_offset, fp);
  known_.put_compressed(resume_position{out.file, out.end_offset, job.copy->path(), job.reading});
  compressed_jobs_.pop_front();
  return follow_status::progress;
}

follow_status file_set::step(line_batch& out, std::size_t budget) {
  if (!compressed_jobs_.empty())
    return step_compressed(out, budget);
  // Another key (or this one) could not open a file: give up an idle one.
  auto* slots = opts_.follower.budget;
  if (slots != nullptr && slots->starved() && make_room(std::string()))
    slots->clear_starved();
  if (followers_.empty())
    return follow_status::no_file;
  if (!glob_)
    return step_in_order(out, budget);
  if (!hinting_) // no change waiter names files (yet): round robin over all
    return step_all(out, budget);
  // With hints, a look at all is one pass: every follower is stepped until
  // it is at its end, once. Walking them round robin until a walk found
  // nothing new never ended while a trickle kept some file of ten thousand
  // busy, and every visit of an idle file costs its content check (a pread).
  if (look_all_) {
    look_all_ = false;
    for (auto& [path, f] : followers_)
      hinted_.insert(hinted_.end(), path);
  }
  auto step_path = [&](const std::string& path) {
    auto it = followers_.find(path);
    bool any_file = false; // the status below comes from without_file_
    return it != followers_.end() && try_step(it->first, *it->second, out, budget, any_file);
  };
  while (!hinted_.empty()) {
    auto path = *hinted_.begin();
    if (step_path(path))
      return follow_status::progress; // stays hinted: there may be more
    hinted_.erase(path);
  }
  // Followers without a file (waiting to claim a copy, for a file to come
  // back, for permission) have no watch to wake them: each gets a look per
  // step that found the hinted ones done, round robin from where the last
  // look stopped. Merging them all into the hints at every step cost ten
  // thousand set lookups per step while a new glob opened its files.
  auto n = without_file_.size();
  auto it = without_file_.lower_bound(next_without_file_);
  for (std::size_t i = 0; i < n && !without_file_.empty(); ++i) {
    if (it == without_file_.end())
      it = without_file_.begin();
    auto path = *it;
    bool progress = step_path(path);
    it = without_file_.upper_bound(path); // the step may have taken it out
    if (progress) {
      next_without_file_ = it == without_file_.end() ? std::string() : *it;
      hinted_.insert(path); // read on from it at the next step
      return follow_status::progress;
    }
  }
  return without_file_.size() < followers_.size() ? follow_status::at_end
                                                  : follow_status::no_file;
}

follow_status file_set::step_one(const std::string& path, file_follower& f, line_batch& out,
                                 std::size_t budget) {
  auto rotations = f.rotations();
  auto truncations = f.truncations();
  auto generation = f.open_generation();
  follow_status status;
  try {
    status = f.step(out, budget);
  } catch (...) { // the fault hook: what the follower saw still counts
    rotations_ += f.rotations() - rotations;
    throw;
  }
  rotations_ += f.rotations() - rotations;
  truncations_ += f.truncations() - truncations;
  for (auto& n : f.take_notices())
    notices_.push_back(std::move(n));
  if (auto done = f.take_finished())
    finished_.push_back(*done);
  if (status == follow_status::progress || out.restart || !out.empty()) {
    last_active_[path] = std::chrono::steady_clock::now();
    at_end_.erase(path);
  } else if (status == follow_status::at_end) {
    at_end_.insert(path);
  }
  if (f.open_generation() != generation) {
    open_changed_ = true;
    // An idle-closed follower only stats its path: it needs no look on
    // every step, the safety round (and a look at all) finds its change.
    if (f.has_file() || f.idle_closed())
      without_file_.erase(path);
    else
      without_file_.insert(path);
  }
  if (f.take_wants_slot())
    make_room(path);
  return status;
}

bool file_set::make_room(const std::string& wanting) {
  // The followers holding a file read to its end, idle longest first.
  auto idle_since = std::chrono::steady_clock::now() - opts_.idle_close_after;
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> idle;
  for (auto& path : at_end_) {
    if (path == wanting)
      continue;
    auto it = followers_.find(path);
    if (it == followers_.end() || !it->second->has_file())
      continue;
    auto t = last_active_[path];
    if (t <= idle_since) // read from lately: closing it would only reopen it
      idle.emplace_back(t, path);
  }
  std::sort(idle.begin(), idle.end());
  for (auto& [t, path] : idle) {
    if (!followers_.at(path)->close_idle())
      continue;
    open_changed_ = true;
    without_file_.erase(path);
    at_end_.erase(path);
    ++idle_closes_;
    return true;
  }
  return false; // every open file is being read: the wanting one waits its turn
}

follow_status file_set::step_all(line_batch& out, std::size_t budget) {
  bool any_file = false;
  auto n = followers_.size();
  // Round robin from the path after the last one that read, found in
  // log(n): advancing an index from the map's start cost a walk of half
  // the map per step.
  auto it = followers_.lower_bound(next_path_);
  for (std::size_t i = 0; i < n; ++i, ++it) {
    if (it == followers_.end())
      it = followers_.begin();
    if (try_step(it->first, *it->second, out, budget, any_file)) {
      auto after = std::next(it); // the others get their turn next
      next_path_ = after == followers_.end() ? std::string() : after->first;
      return follow_status::progress;
    }
  }
  hinted_.clear(); // everything had its look
  return any_file ? follow_status::at_end : follow_status::no_file;
}

bool file_set::try_step(const std::string& path, file_follower& f, line_batch& out,
                        std::size_t budget, bool& any_file) {
  line_batch attempt;
  attempt.key = out.key;
  attempt.incarnation = out.incarnation;
  auto status = step_one(path, f, attempt, budget);
  any_file = any_file || status != follow_status::no_file;
  if (status != follow_status::progress && !attempt.restart && attempt.empty())
    return false;
  out = std::move(attempt);
  return true;
}

follow_status file_set::step_in_order(line_batch& out, std::size_t budget) {
  // A plain path keeps its lines in order across rotations: rotated files,
  // oldest first, are read to their end before the file at the path.
  bool any_file = false;
  auto try_one = [&](const std::string& path) {
    auto it = followers_.find(path);
    return it != followers_.end() && try_step(it->first, *it->second, out, budget, any_file);
  };
  for (auto& path : sibling_order_)
    if (try_one(path))
      return follow_status::progress;
  if (try_one(opts_.pattern))
    return follow_status::progress;
  return any_file ? follow_status::at_end : follow_status::no_file;
}

const std::vector<open_file>& file_set::open_files() {
  // Asked before every wait: rebuilt only when a file was opened or closed
  // (a thousand strings per wait cost more than the wait itself).
  if (open_changed_) {
    open_changed_ = false;
    open_cache_.clear();
    follower_by_open_path_.clear();
    for (auto& [path, f] : followers_)
      if (f->has_file()) {
        open_cache_.push_back(
          open_file{f->open_path(), f->open_identity().device, f->open_identity().inode});
        follower_by_open_path_.emplace(f->open_path(), path);
      }
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

bool file_set::claim(int fd, const file_identity& id, const file_follower* owner,
                     bool take_empty) {
  // Held by another follower: taken from it only by a follower going on in
  // its copy (take_empty), if it claimed the file empty and read nothing
  // since (a copytruncate copy opened as it was created); that one gives
  // it back at its next step.
  if (auto same = claims_.find(inode_key(id));
      same != claims_.end() && same->second.owner != owner &&
      !(take_empty && same->second.owner->holds_empty_claim()))
    return false;
  auto size = stat_fd(fd).size;
  // The candidate's first bytes, read once and extended on demand: compared
  // with ten thousand open files, a pread per comparison was most of the
  // time a glob took to open its files.
  std::string candidate;
  auto candidate_prefix = [&](uint32_t len) -> const std::string& {
    if (candidate.size() < len && candidate.size() < size)
      candidate = read_head(fd, std::max<std::size_t>(len, opts_.follower.fingerprint_bytes));
    return candidate;
  };
  for (auto& [key, entry] : claims_) {
    if (entry.owner == owner || key == inode_key(id))
      continue; // its own files, or this very file's unread empty claim
    // A copy of what another follower is reading (copytruncate: same first
    // bytes) waits: that follower reads on from the copy when it sees the
    // truncation, or gives it back. A full fingerprint decides even while
    // the copy is still being written; a shorter prefix only for a file at
    // least as long as what was read (a new file may share a few bytes).
    // Over every byte read, a held partial line included.
    auto reading = entry.owner->content_check();
    if (reading.prefix_len == 0) {
      // Its follower opened it but has read nothing yet: a file that starts
      // with the same bytes (a copytruncate copy made while both were being
      // opened, at a key's first look) waits until it has, and the checks
      // below decide. Otherwise both would read the same lines.
      auto other = read_head(entry.owner->open_fd(), opts_.follower.fingerprint_bytes);
      auto len = std::min<std::size_t>(other.size(), size);
      if (len > 0) {
        auto& head = candidate_prefix(static_cast<uint32_t>(len));
        if (head.size() >= len && std::memcmp(head.data(), other.data(), len) == 0)
          return false;
      }
      continue;
    }
    bool full = reading.prefix_len >= opts_.follower.fingerprint_bytes;
    if (full || size >= reading.prefix_len) {
      auto& head = candidate_prefix(reading.prefix_len);
      if (head.size() >= reading.prefix_len &&
          hash_bytes(head.data(), reading.prefix_len) == reading.prefix_hash)
        return false;
    }
    // A copy still being written holds so far exactly the first bytes of the
    // file it copies (an empty file included): wait until it shows its own.
    // The other file's first bytes are read again only when its follower
    // read on or started over since they were kept.
    if (size < reading.prefix_len) {
      if (entry.head_for_len != reading.prefix_len || entry.head_for_hash != reading.prefix_hash) {
        entry.head = read_head(entry.owner->open_fd(), reading.prefix_len);
        entry.head_for_len = reading.prefix_len;
        entry.head_for_hash = reading.prefix_hash;
      }
      auto len = static_cast<std::size_t>(size);
      auto& head = candidate_prefix(static_cast<uint32_t>(len));
      if (head.size() >= len && entry.head.size() >= len &&
          std::memcmp(head.data(), entry.head.data(), len) == 0)
        return false;
    }
  }
  claims_[inode_key(id)] = claim_entry{owner, {}, 0, 0};
  return true;
}

void file_set::unclaim(const file_follower* owner, const file_identity& id) {
  auto it = claims_.find(inode_key(id));
  if (it != claims_.end() && it->second.owner == owner)
    claims_.erase(it);
}

void file_set::release(const file_follower* owner, const file_identity& id, uint64_t offset) {
  unclaim(owner, id);
  known_.put(resume_position{id, offset, owner->open_path(), owner->reading_id()}, owner->open_fd());
}

void file_set::content_gone(const resume_position& at) {
  if (at.file.prefix_len == 0)
    return; // nothing read: nothing to look for
  known_.put(at);
  auto candidates = compressed_unmatched_;
  for (auto& path : candidates)
    look_at_compressed(path);
}

std::optional<resume_position> file_set::known_offset(int fd, const file_identity& id) {
  return known_.find(fd, id);
}

} // namespace logcatch

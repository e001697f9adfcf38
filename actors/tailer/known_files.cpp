#include "actors/tailer/known_files.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace logcatch {

void known_files::erase_same(const resume_position& pos, int fd) {
  auto& id = pos.file;
  std::vector<uint64_t> gone;
  auto range = by_inode_.equal_range({id.device, id.inode});
  for (auto it = range.first; it != range.second; ++it) {
    auto& old = entries_.at(it->second).pos;
    // An earlier offset of this reading: the open file still starts with
    // its bytes; without the file (truncated, its content gone) only the
    // reading tells. Not the inode alone: a copytruncate leaves it holding
    // other content, and its earlier content's position is what the copy is
    // found by.
    bool earlier = fd >= 0 ? starts_like(fd, old.file)
                           : old.reading != 0 && old.reading == pos.reading;
    bool same_content =
      old.file.prefix_len == id.prefix_len && old.file.prefix_hash == id.prefix_hash;
    if (same_content || old.file.prefix_len == 0 || earlier)
      gone.push_back(it->second);
  }
  if (id.prefix_len > 0) {
    auto c = by_content_.equal_range({id.prefix_len, id.prefix_hash});
    for (auto it = c.first; it != c.second; ++it)
      gone.push_back(it->second);
  }
  for (auto n : gone) {
    auto e = entries_.find(n);
    if (e == entries_.end())
      continue;
    auto& f = e->second.pos.file;
    for (auto [a, b] = by_inode_.equal_range({f.device, f.inode}); a != b; ++a)
      if (a->second == n) {
        by_inode_.erase(a);
        break;
      }
    for (auto [a, b] = by_content_.equal_range({f.prefix_len, f.prefix_hash}); a != b; ++a)
      if (a->second == n) {
        by_content_.erase(a);
        break;
      }
    entries_.erase(e);
  }
}

std::vector<resume_position> known_files::oldest_first() const {
  std::vector<const entry*> order;
  order.reserve(entries_.size());
  for (auto& [n, e] : entries_)
    order.push_back(&e);
  std::sort(order.begin(), order.end(),
            [](const entry* a, const entry* b) { return a->order < b->order; });
  std::vector<resume_position> result;
  result.reserve(order.size());
  for (auto* e : order)
    result.push_back(e->pos);
  return result;
}

void known_files::erase(const file_identity& id) {
  for (auto [a, b] = by_inode_.equal_range({id.device, id.inode}); a != b; ++a) {
    auto& f = entries_.at(a->second).pos.file;
    if (f.prefix_len != id.prefix_len || f.prefix_hash != id.prefix_hash)
      continue;
    auto n = a->second;
    by_inode_.erase(a);
    for (auto [c, d] = by_content_.equal_range({f.prefix_len, f.prefix_hash}); c != d; ++c)
      if (c->second == n) {
        by_content_.erase(c);
        break;
      }
    entries_.erase(n);
    return;
  }
}

void known_files::insert(const resume_position& pos, int64_t order) {
  auto n = next_id_++;
  entries_[n] = entry{pos, order};
  by_inode_.emplace(std::make_pair(pos.file.device, pos.file.inode), n);
  if (pos.file.prefix_len > 0)
    by_content_.emplace(std::make_pair(pos.file.prefix_len, pos.file.prefix_hash), n);
}

void known_files::put(const resume_position& pos, int fd) {
  erase_same(pos, fd);
  insert(pos, ++newest_);
}

void known_files::put_compressed(const resume_position& pos) {
  if (pos.file.prefix_len > 0) {
    std::vector<uint64_t> same;
    for (auto [a, b] = by_content_.equal_range({pos.file.prefix_len, pos.file.prefix_hash}); a != b; ++a)
      same.push_back(a->second);
    for (auto n : same) {
      auto& f = entries_.at(n).pos.file;
      for (auto [a, b] = by_inode_.equal_range({f.device, f.inode}); a != b; ++a)
        if (a->second == n) {
          by_inode_.erase(a);
          break;
        }
      entries_.erase(n);
    }
    auto range = by_content_.equal_range({pos.file.prefix_len, pos.file.prefix_hash});
    by_content_.erase(range.first, range.second);
  }
  insert(pos, ++newest_);
}

void known_files::put_oldest(const resume_position& pos) {
  insert(pos, --oldest_);
}

bool known_files::still_in_original(const resume_position& pos) {
  if (pos.path.empty())
    return false;
  int fd = ::open(pos.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  auto st = stat_fd(fd);
  bool same = st.id == pos.file && starts_like(fd, pos.file);
  ::close(fd);
  return same;
}

std::optional<resume_position> known_files::find(int fd, const file_identity& id) const {
  const entry* best = nullptr;
  auto better = [&](const entry& e) { return best == nullptr || e.order > best->order; };
  // The same inode, still starting with the bytes hashed then. A position
  // that hashed nothing (an empty file, or fingerprint_bytes 0) proves
  // nothing about the content: it is the last resort, after content.
  const entry* inode_only = nullptr;
  for (auto [a, b] = by_inode_.equal_range({id.device, id.inode}); a != b; ++a) {
    auto& e = entries_.at(a->second);
    if (e.pos.file.prefix_len == 0) {
      if (inode_only == nullptr || e.order > inode_only->order)
        inode_only = &e;
    } else if (better(e) && starts_like(fd, e.pos.file)) {
      best = &e;
    }
  }
  if (best != nullptr)
    return best->pos;
  auto by_content = find_by_content(fd, id);
  if (by_content)
    return by_content;
  if (inode_only != nullptr) {
    // The content was not compared: where it was left, yes; but not the
    // same reading (it may be other content on a reused or truncated inode).
    auto pos = inode_only->pos;
    pos.reading = 0;
    return pos;
  }
  return std::nullopt;
}

std::optional<resume_position> known_files::find_by_content(int fd, const file_identity& id) const {
  // By content: the hash of every prefix of the file's first bytes, from one read.
  auto size = stat_fd(fd).size;
  auto len = static_cast<std::size_t>(std::min<uint64_t>(size, fingerprint_bytes_));
  if (len == 0 || by_content_.empty())
    return std::nullopt;
  auto head = read_head(fd, len);
  return find_by_head(head.data(), head.size(), size, id);
}

std::optional<resume_position> known_files::find_by_head(const char* head, std::size_t got,
                                                          uint64_t size,
                                                          const file_identity& id) const {
  uint64_t h = hash_bytes(nullptr, 0);
  const entry* full = nullptr;
  std::vector<const entry*> short_matches;
  for (std::size_t i = 0; i < got; ++i) {
    h ^= static_cast<unsigned char>(head[i]);
    h *= 1099511628211ull;
    auto plen = static_cast<uint32_t>(i + 1);
    for (auto [a, b] = by_content_.equal_range({plen, h}); a != b; ++a) {
      auto& e = entries_.at(a->second);
      if (plen >= fingerprint_bytes_) {
        if (full == nullptr || e.order > full->order)
          full = &e;
      } else if (size >= e.pos.offset) {
        short_matches.push_back(&e);
      }
    }
  }
  if (full != nullptr)
    return full->pos;
  std::sort(short_matches.begin(), short_matches.end(),
            [](const entry* a, const entry* b) { return a->order > b->order; });
  for (auto* e : short_matches)
    if (e->pos.file == id) // its own position (a .gz read partly before)
      return e->pos;
  for (auto* e : short_matches)
    if (!still_in_original(e->pos))
      return e->pos;
  return std::nullopt;
}

} // namespace logcatch

#include "actors/sink/delivery_positions.hpp"

#include <algorithm>

namespace logcatch {

namespace {

uint64_t mix(uint64_t a, uint64_t b) {
  return a * 0x9E3779B97F4A7C15ull ^ (b + 0x7F4A7C159E3779B9ull + (a << 6) + (a >> 2));
}

uint64_t inode_hash(const file_identity& id) {
  return mix(id.device, id.inode);
}

uint64_t content_hash(const file_identity& id) {
  return mix(id.prefix_len, id.prefix_hash);
}

void erase_from(std::vector<uint64_t>& v, uint64_t s) {
  v.erase(std::remove(v.begin(), v.end(), s), v.end());
}

/// Same inode, but the position was of other content: its fingerprint is
/// longer than the batch's and so could not be compared (a truncated file
/// read again from 0, whose old content lives on in a copytruncate copy).
bool only_same_inode(const file_identity& pos, const file_identity& batch) {
  return pos.prefix_len > 0 && pos.prefix_len != batch.prefix_len;
}

} // namespace

void delivery_positions::add_index(key_index& k, slot s) {
  auto& pos = k.positions.at(s);
  if (pos.reading != 0)
    k.by_reading[pos.reading] = s;
  k.by_inode[inode_hash(pos.file)].push_back(s);
  if (pos.file.prefix_len > 0)
    k.by_content[content_hash(pos.file)].push_back(s);
}

void delivery_positions::remove_index(key_index& k, slot s) {
  auto& pos = k.positions.at(s);
  auto r = k.by_reading.find(pos.reading);
  if (r != k.by_reading.end() && r->second == s)
    k.by_reading.erase(r);
  auto drop = [s](auto& map, uint64_t h) {
    auto it = map.find(h);
    if (it == map.end())
      return;
    erase_from(it->second, s);
    if (it->second.empty())
      map.erase(it);
  };
  drop(k.by_inode, inode_hash(pos.file));
  if (pos.file.prefix_len > 0)
    drop(k.by_content, content_hash(pos.file));
}

delivery_positions::slot delivery_positions::insert(key_index& k, const delivered_position& pos) {
  auto s = k.next++;
  k.positions.emplace(s, pos);
  add_index(k, s);
  return s;
}

const delivered_position* delivery_positions::find(const key_index& k, const line_batch& batch,
                                                   slot* at) const {
  // A reading is one run through one content, whichever file holds it now
  // (a copytruncate copy goes on with the reading of the file it was copied
  // from): its position is the one to check against, even when the batch's
  // file identity no longer matches (an early batch hashed fewer bytes).
  if (batch.reading != 0) {
    auto r = k.by_reading.find(batch.reading);
    if (r != k.by_reading.end()) {
      *at = r->second;
      return &k.positions.at(r->second);
    }
  }
  // same_file(): equal content hashes over the same length (the earliest
  // recorded wins), or else the same inode. Among inode matches the most
  // recently moved wins: an inode can hold a position of content that is
  // gone (a deleted file whose inode was reused, a truncated file), and the
  // newest reading of the inode is the one a resumed tailer goes on with.
  const delivered_position* best = nullptr;
  if (batch.file.prefix_len > 0)
    if (auto it = k.by_content.find(content_hash(batch.file)); it != k.by_content.end())
      for (auto s : it->second) {
        auto& pos = k.positions.at(s);
        if ((best == nullptr || s < *at) && pos.file.prefix_len == batch.file.prefix_len &&
            pos.file.prefix_hash == batch.file.prefix_hash) {
          best = &pos;
          *at = s;
        }
      }
  if (best != nullptr)
    return best;
  if (auto it = k.by_inode.find(inode_hash(batch.file)); it != k.by_inode.end())
    for (auto s : it->second) {
      auto& pos = k.positions.at(s);
      bool newer = best == nullptr || pos.updated_ms > best->updated_ms ||
                   (pos.updated_ms == best->updated_ms && s > *at);
      if (newer && same_file(pos.file, batch.file)) {
        best = &pos;
        *at = s;
      }
    }
  return best;
}

batch_check delivery_positions::check(const line_batch& batch) const {
  batch_check result;
  const delivered_position* pos = nullptr;
  auto kit = by_key_.find(batch.position_key());
  slot at = 0;
  if (kit != by_key_.end())
    pos = find(kit->second, batch, &at);
  // A restart is taken as it comes only from offset 0 (a truncated file read
  // again): one that starts later resumes a reading, and one of the reading
  // that set the position was sent again; both must not repeat lines.
  bool overlap_possible = pos != nullptr && (batch.start_offset > 0 ||
                                             (batch.reading != 0 && pos->reading == batch.reading));
  if (batch.restart && !overlap_possible)
    return result;
  if (pos == nullptr || batch.start_offset == pos->offset)
    return result;
  if (batch.start_offset > pos->offset) {
    result.note = "gap of " + std::to_string(batch.start_offset - pos->offset) +
                  " bytes before offset " + std::to_string(batch.start_offset);
    return result;
  }
  auto offsets = batch.line_offsets();
  while (result.first_line < offsets.size() && offsets[result.first_line] < pos->offset)
    ++result.first_line;
  result.drop = result.first_line == offsets.size();
  result.note = "skipped " + std::to_string(result.first_line) + " lines already delivered";
  return result;
}

void delivery_positions::commit(const line_batch& batch, int64_t now_ms) {
  auto& k = by_key_[batch.position_key()];
  slot at = 0;
  auto* found = find(k, batch, &at);
  // A new reading of an inode whose position was of other content keeps that
  // position: the content went on in a copy whose batches may still come
  // (again, after a resend) and must find where they were delivered up to.
  // So does one of another reading that had hashed nothing yet (it held a
  // partial line when a copytruncate copied it): that reading goes on in the
  // copy from offset 0, and a stale position of the copy's reused inode must
  // not be taken for it.
  bool other_content = found != nullptr && batch.restart && batch.reading != found->reading &&
                       (only_same_inode(found->file, batch.file) ||
                        (found->file.prefix_len == 0 && found->reading != 0));
  if (found == nullptr || other_content) {
    insert(k, delivered_position{true, batch.file, batch.end_offset, batch.path, now_ms,
                                 batch.reading});
    return;
  }
  bool same_reading = batch.reading != 0 && batch.reading == found->reading;
  if ((!batch.restart || same_reading) && batch.end_offset <= found->offset) {
    // Never move back within one reading. But a reading that goes on in
    // another file at its position (a copytruncate copy, a file resumed under
    // its rotated name) now lives there: a forget of the old inode (deleted,
    // or read again as new content) must not take this position along.
    if (same_reading && batch.end_offset == found->offset && !(batch.file == found->file)) {
      remove_index(k, at);
      auto& pos = k.positions.at(at);
      pos.file = batch.file;
      pos.path = batch.path;
      add_index(k, at);
    }
    return;
  }
  remove_index(k, at);
  auto& pos = k.positions.at(at);
  pos.file = batch.file;
  pos.offset = batch.end_offset;
  pos.path = batch.path;
  pos.updated_ms = now_ms;
  pos.reading = batch.reading;
  add_index(k, at);
}

std::vector<delivered_position> delivery_positions::get(const std::string& key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end())
    return {};
  std::vector<std::pair<slot, const delivered_position*>> order;
  order.reserve(it->second.positions.size());
  for (auto& [s, pos] : it->second.positions)
    order.emplace_back(s, &pos);
  // Most recently moved first; of those that moved in the same millisecond,
  // the one recorded last (the newer file, e.g. the one a rotation just
  // opened) first.
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.second->updated_ms != b.second->updated_ms)
      return a.second->updated_ms > b.second->updated_ms;
    return a.first > b.first;
  });
  std::vector<delivered_position> result;
  result.reserve(order.size());
  for (auto& [s, pos] : order)
    result.push_back(*pos);
  return result;
}

void delivery_positions::restore(const std::string& key, const delivered_position& pos) {
  insert(by_key_[key], pos);
}

void delivery_positions::forget(const std::string& key, const file_identity& file) {
  auto it = by_key_.find(key);
  if (it == by_key_.end())
    return;
  auto& k = it->second;
  // Exactly that file and content: not a copy of it (another inode, the
  // same first bytes, where its reading may go on), and not new content in
  // its inode (reused after the delete, or written after a truncation),
  // which the forget may reach the sink after.
  std::vector<slot> gone;
  if (auto m = k.by_inode.find(inode_hash(file)); m != k.by_inode.end())
    for (auto s : m->second) {
      auto& f = k.positions.at(s).file;
      if (f == file && f.prefix_len == file.prefix_len && f.prefix_hash == file.prefix_hash)
        gone.push_back(s);
    }
  for (auto s : gone) {
    remove_index(k, s);
    k.positions.erase(s);
  }
  if (k.positions.empty())
    by_key_.erase(it);
}

std::vector<delivered_position> delivery_positions::recorded(const std::string& key) const {
  std::vector<delivered_position> result;
  auto it = by_key_.find(key);
  if (it == by_key_.end())
    return result;
  result.reserve(it->second.positions.size());
  for (auto& [s, pos] : it->second.positions)
    result.push_back(pos);
  return result;
}

bool delivery_positions::ensure_baseline(const std::string& key, int64_t now_ms) {
  auto& k = by_key_[key];
  if (auto it = k.by_inode.find(inode_hash(file_identity{})); it != k.by_inode.end())
    for (auto s : it->second)
      if (k.positions.at(s).file.device == 0 && k.positions.at(s).file.inode == 0)
        return false;
  insert(k, delivered_position{true, file_identity{}, static_cast<uint64_t>(now_ms), {}, now_ms, 0});
  return true;
}

std::size_t delivery_positions::total() const {
  std::size_t n = 0;
  for (auto& [key, k] : by_key_)
    n += k.positions.size();
  return n;
}

std::size_t delivery_positions::count(const std::string& key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? 0 : it->second.positions.size();
}

} // namespace logcatch

#include "actors/sink/delivery_positions.hpp"

#include <algorithm>

namespace logcatch {

const delivered_position* delivery_positions::find(const line_batch& batch) const {
  auto it = by_key_.find(batch.position_key());
  if (it == by_key_.end())
    return nullptr;
  // A reading is one run through one content, whichever file holds it now
  // (a copytruncate copy goes on with the reading of the file it was copied
  // from): its position is the one to check against, even when the batch's
  // file identity no longer matches (an early batch hashed fewer bytes).
  if (batch.reading != 0)
    for (auto& pos : it->second)
      if (pos.reading == batch.reading)
        return &pos;
  for (auto& pos : it->second)
    if (same_file(pos.file, batch.file))
      return &pos;
  return nullptr;
}

namespace {

/// Same inode, but the position was of other content: its fingerprint is
/// longer than the batch's and so could not be compared (a truncated file
/// read again from 0, whose old content lives on in a copytruncate copy).
bool only_same_inode(const file_identity& pos, const file_identity& batch) {
  return pos.prefix_len > 0 && pos.prefix_len != batch.prefix_len;
}

} // namespace

batch_check delivery_positions::check(const line_batch& batch) const {
  batch_check result;
  auto* pos = find(batch);
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
  auto& list = by_key_[batch.position_key()];
  auto* found = find(batch);
  auto it = found == nullptr ? list.end() : list.begin() + (found - list.data());
  // A new reading of an inode whose position was of other content keeps that
  // position: the content went on in a copy whose batches may still come
  // (again, after a resend) and must find where they were delivered up to.
  bool other_content = it != list.end() && batch.restart && batch.reading != it->reading &&
                       only_same_inode(it->file, batch.file);
  if (it == list.end() || other_content) {
    list.push_back(
      delivered_position{true, batch.file, batch.end_offset, batch.path, now_ms, batch.reading});
    if (list.size() > max_positions_per_key) { // the file that moved longest ago goes
      auto oldest = std::min_element(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return a.updated_ms < b.updated_ms;
      });
      list.erase(oldest);
    }
    return;
  }
  bool same_reading = batch.reading != 0 && batch.reading == it->reading;
  if ((!batch.restart || same_reading) && batch.end_offset <= it->offset)
    return; // never move back within one reading
  it->file = batch.file;
  it->offset = batch.end_offset;
  it->path = batch.path;
  it->updated_ms = now_ms;
  it->reading = batch.reading;
}

std::vector<delivered_position> delivery_positions::get(const std::string& key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end())
    return {};
  auto result = it->second;
  // Positions that moved in the same millisecond: the one recorded last (the
  // newer file, e.g. the one a rotation just opened) first.
  std::reverse(result.begin(), result.end());
  std::stable_sort(result.begin(), result.end(),
                   [](const auto& a, const auto& b) { return a.updated_ms > b.updated_ms; });
  return result;
}

void delivery_positions::restore(const std::string& key, const delivered_position& pos) {
  by_key_[key].push_back(pos);
}

void delivery_positions::forget(const std::string& key, const file_identity& file) {
  auto it = by_key_.find(key);
  if (it == by_key_.end())
    return;
  auto& list = it->second;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const delivered_position& p) { return same_file(p.file, file); }),
             list.end());
}

void delivery_positions::expire(int64_t cutoff_ms) {
  for (auto& [key, list] : by_key_) {
    if (list.size() < 2)
      continue;
    auto newest = std::max_element(list.begin(), list.end(), [](const auto& a, const auto& b) {
                    return a.updated_ms < b.updated_ms;
                  })->updated_ms;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const delivered_position& p) {
                                return p.updated_ms < cutoff_ms && p.updated_ms != newest;
                              }),
               list.end());
  }
}

} // namespace logcatch

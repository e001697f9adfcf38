#include "actors/sink/delivery_positions.hpp"

#include <algorithm>

namespace logcatch {

const delivered_position* delivery_positions::find(const std::string& key,
                                                   const file_identity& file) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end())
    return nullptr;
  for (auto& pos : it->second)
    if (same_file(pos.file, file))
      return &pos;
  return nullptr;
}

batch_check delivery_positions::check(const line_batch& batch) const {
  batch_check result;
  auto* pos = find(batch.position_key(), batch.file);
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
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const delivered_position& p) { return same_file(p.file, batch.file); });
  if (it == list.end()) {
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

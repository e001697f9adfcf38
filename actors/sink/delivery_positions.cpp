#include "actors/sink/delivery_positions.hpp"

namespace logcatch {

batch_check delivery_positions::check(const line_batch& batch) const {
  batch_check result;
  auto i = by_key_.find(batch.key);
  if (batch.restart || i == by_key_.end() || !i->second.known)
    return result;
  const auto& pos = i->second;
  if (!same_file(batch.file, pos.file)) {
    result.note = "file changed without a restart marker";
    return result;
  }
  if (batch.start_offset > pos.offset) {
    result.note = "gap of " + std::to_string(batch.start_offset - pos.offset) + " bytes before offset " +
                  std::to_string(batch.start_offset);
    return result;
  }
  if (batch.start_offset == pos.offset)
    return result;
  auto offsets = batch.line_offsets();
  while (result.first_line < offsets.size() && offsets[result.first_line] < pos.offset)
    ++result.first_line;
  result.drop = result.first_line == offsets.size();
  result.note = "skipped " + std::to_string(result.first_line) + " lines already delivered";
  return result;
}

void delivery_positions::commit(const line_batch& batch) {
  auto& pos = by_key_[batch.key];
  bool same_reading = !batch.restart && pos.known && same_file(pos.file, batch.file);
  if (same_reading && batch.end_offset <= pos.offset)
    return; // never move back within one reading
  pos.known = true;
  pos.file = batch.file;
  pos.offset = batch.end_offset;
  pos.path = batch.path;
}

void delivery_positions::restore(const std::string& key, const delivered_position& pos) {
  by_key_[key] = pos;
}

delivered_position delivery_positions::get(const std::string& key) const {
  auto i = by_key_.find(key);
  return i == by_key_.end() ? delivered_position{} : i->second;
}

} // namespace logcatch

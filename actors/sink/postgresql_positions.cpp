#include "actors/sink/postgresql_positions.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <unordered_set>

namespace logcatch {

namespace {

uint64_t mix(uint64_t a, uint64_t b) {
  return (a ^ (b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2))) * 0xBF58476D1CE4E5B9ull;
}

/// The same file or reading: a position that moved stays the same row.
uint64_t file_key(const delivered_position& p) {
  return mix(p.file.device, p.file.inode);
}

uint64_t value_key(const delivered_position& p) {
  uint64_t h = mix(file_key(p), p.file.prefix_len);
  h = mix(h, p.file.prefix_hash);
  h = mix(h, p.offset);
  h = mix(h, p.reading);
  h = mix(h, static_cast<uint64_t>(p.updated_ms));
  return mix(h, std::hash<std::string>{}(p.path));
}

using index = std::unordered_map<uint64_t, std::vector<std::size_t>>; // ascending positions

/// The first listed position at or after `from`, or SIZE_MAX.
std::size_t first_at_or_after(const index& idx, uint64_t key, std::size_t from) {
  auto it = idx.find(key);
  if (it == idx.end())
    return SIZE_MAX;
  auto at = std::lower_bound(it->second.begin(), it->second.end(), from);
  return at == it->second.end() ? SIZE_MAX : *at;
}

} // namespace

bool same_stored_position(const delivered_position& a, const delivered_position& b) {
  return a.file.device == b.file.device && a.file.inode == b.file.inode &&
         a.file.prefix_len == b.file.prefix_len && a.file.prefix_hash == b.file.prefix_hash &&
         a.offset == b.offset && a.path == b.path && a.reading == b.reading &&
         a.updated_ms == b.updated_ms;
}

position_rows_change change_positions(const std::vector<ordinal_position>& stored,
                                      const std::vector<delivered_position>& wanted,
                                      int64_t max_ordinal) {
  position_rows_change c;
  c.after.reserve(wanted.size());
  // Where each stored value and file is, to skip over dropped positions in
  // one step (a forget of many files at once must not shift every row after).
  index by_value, by_file, by_reading;
  for (std::size_t k = 0; k < stored.size(); ++k) {
    by_value[value_key(stored[k].pos)].push_back(k);
    by_file[file_key(stored[k].pos)].push_back(k);
    if (stored[k].pos.reading != 0)
      by_reading[stored[k].pos.reading].push_back(k);
  }
  std::size_t i = 0, j = 0;
  while (i < stored.size() && j < wanted.size()) {
    const auto& now = wanted[j];
    // The stored row this position is: the same value first, else the same
    // reading or file; the rows before it were dropped.
    std::size_t k = SIZE_MAX;
    for (auto at = first_at_or_after(by_value, value_key(now), i); at != SIZE_MAX;) {
      if (same_stored_position(stored[at].pos, now)) {
        k = at;
        break;
      }
      at = first_at_or_after(by_value, value_key(now), at + 1);
    }
    if (k == SIZE_MAX && now.reading != 0)
      k = first_at_or_after(by_reading, now.reading, i);
    if (k == SIZE_MAX)
      k = first_at_or_after(by_file, file_key(now), i);
    if (k == SIZE_MAX)
      k = i; // none: this row takes the new value (reading back gives the same list)
    for (; i < k; ++i)
      c.deleted.push_back(stored[i].ordinal);
    ordinal_position row{stored[i].ordinal, now};
    if (!same_stored_position(stored[i].pos, now))
      c.upserted.push_back(row);
    c.after.push_back(std::move(row));
    ++i;
    ++j;
  }
  for (; i < stored.size(); ++i)
    c.deleted.push_back(stored[i].ordinal);
  int64_t next = c.after.empty() ? 0 : c.after.back().ordinal + 1;
  if (j < wanted.size() && next + static_cast<int64_t>(wanted.size() - j) - 1 > max_ordinal) {
    // Out of ordinals: every row again, from 0.
    c = position_rows_change{};
    for (auto& row : stored)
      c.deleted.push_back(row.ordinal);
    next = 0;
    j = 0;
  }
  for (; j < wanted.size(); ++j) {
    ordinal_position row{next++, wanted[j]};
    c.upserted.push_back(row);
    c.after.push_back(std::move(row));
  }
  // An ordinal both dropped and appended (a new position where a dropped
  // one's row was) is only written.
  if (!c.deleted.empty() && !c.upserted.empty()) {
    std::unordered_set<int64_t> written;
    for (auto& row : c.upserted)
      written.insert(row.ordinal);
    c.deleted.erase(std::remove_if(c.deleted.begin(), c.deleted.end(),
                                   [&](int64_t o) { return written.count(o) != 0; }),
                    c.deleted.end());
  }
  return c;
}

} // namespace logcatch

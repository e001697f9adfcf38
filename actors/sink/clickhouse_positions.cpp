#include "actors/sink/clickhouse_positions.hpp"

#include <algorithm>
#include <map>

#include "actors/sink/clickhouse_row_binary.hpp"

namespace logcatch {

namespace {

bool same_identity(const file_identity& a, const file_identity& b) {
  return a.device == b.device && a.inode == b.inode && a.prefix_len == b.prefix_len &&
         a.prefix_hash == b.prefix_hash;
}

bool moved(const delivered_position& a, const delivered_position& b) {
  return a.offset != b.offset || a.reading != b.reading || a.path != b.path ||
         a.updated_ms != b.updated_ms;
}

std::map<std::string, uint64_t> latest_event_stamps(
  const std::vector<clickhouse_position_event>& events) {
  std::map<std::string, uint64_t> latest;
  for (auto& e : events) {
    auto& s = latest[e.position_key];
    s = std::max(s, e.stamp);
  }
  return latest;
}

} // namespace

std::vector<clickhouse_position_event>
clickhouse_position_events(const stored_positions& stored, const stored_positions& after,
                           uint64_t stamp) {
  static const std::vector<delivered_position> none;
  std::vector<clickhouse_position_event> events;
  for (auto& [key, list] : after) {
    auto at = stored.find(key);
    const auto& old = at == stored.end() ? none : at->second;
    bool same_files = old.size() == list.size();
    for (std::size_t i = 0; same_files && i < list.size(); ++i)
      same_files = same_identity(old[i].file, list[i].file);
    for (std::size_t i = 0; i < list.size(); ++i)
      if (!same_files || moved(old[i], list[i]))
        events.push_back({stamp, key, list[i], static_cast<uint32_t>(i), false});
    for (auto& o : old) {
      bool kept = std::any_of(list.begin(), list.end(),
                              [&](const delivered_position& p) { return same_identity(p.file, o.file); });
      if (!kept)
        events.push_back({stamp, key, o, 0, true});
    }
  }
  return events;
}

void encode_position_events(const std::vector<clickhouse_position_event>& events,
                            std::string& out) {
  row_binary_writer rb(out);
  for (auto& e : events) {
    rb.u64(e.stamp);
    rb.string(e.position_key);
    rb.u64(e.position.file.device);
    rb.u64(e.position.file.inode);
    rb.u32(e.position.file.prefix_len);
    rb.u64(e.position.file.prefix_hash);
    rb.u64(e.position.offset);
    rb.u64(e.position.reading);
    rb.string(e.position.path);
    rb.i64(e.position.updated_ms);
    rb.u32(e.rank);
    rb.u8(e.dropped ? 1 : 0);
  }
}

std::vector<clickhouse_position_event> decode_position_events(const std::string& answer) {
  std::vector<clickhouse_position_event> events;
  row_binary_reader rb(answer);
  while (!rb.done()) {
    clickhouse_position_event e;
    e.stamp = rb.u64();
    e.position_key = rb.string();
    e.position.known = true;
    e.position.file.device = rb.u64();
    e.position.file.inode = rb.u64();
    e.position.file.prefix_len = rb.u32();
    e.position.file.prefix_hash = rb.u64();
    e.position.offset = rb.u64();
    e.position.reading = rb.u64();
    e.position.path = rb.string();
    e.position.updated_ms = rb.i64();
    e.rank = rb.u32();
    e.dropped = rb.u8() != 0;
    events.push_back(std::move(e));
  }
  return events;
}

std::string clickhouse_row_position_columns() {
  return "node, key, device, inode, prefix_len, prefix_hash, reading, end_offset, file, "
         "toUInt64(time) * 1000000 + time_us AS stamp";
}

std::vector<clickhouse_row_position> decode_row_positions(const std::string& answer) {
  std::vector<clickhouse_row_position> rows;
  row_binary_reader rb(answer);
  while (!rb.done()) {
    clickhouse_row_position r;
    std::string node = rb.string();
    std::string key = rb.string();
    r.position_key = node.empty() ? key : node + "/" + key;
    r.position.known = true;
    r.position.file.device = rb.u64();
    r.position.file.inode = rb.u64();
    r.position.file.prefix_len = rb.u32();
    r.position.file.prefix_hash = rb.u64();
    r.position.reading = rb.u64();
    r.position.offset = rb.u64();
    r.position.path = rb.string();
    r.stamp = rb.u64();
    r.position.updated_ms = static_cast<int64_t>(r.stamp / 1000);
    rows.push_back(std::move(r));
  }
  return rows;
}

clickhouse_merged_positions clickhouse_merge_positions(
  const std::vector<clickhouse_position_event>& latest_events,
  const std::vector<clickhouse_row_position>& latest_rows) {
  clickhouse_merged_positions merged;
  auto latest = latest_event_stamps(latest_events);
  // The events' lists, in each key's recorded order.
  std::map<std::string, std::vector<const clickhouse_position_event*>> lists;
  for (auto& e : latest_events) {
    merged.last_stamp = std::max(merged.last_stamp, e.stamp);
    if (!e.dropped)
      lists[e.position_key].push_back(&e);
  }
  for (auto& [key, list] : lists) {
    std::stable_sort(list.begin(), list.end(), [](auto* a, auto* b) {
      return a->rank != b->rank ? a->rank < b->rank : a->stamp < b->stamp;
    });
    auto& out = merged.positions[key];
    for (auto* e : list)
      out.push_back(e->position);
  }
  // Rows the key's events do not cover yet (written, their events lost);
  // older rows first, so the list keeps the order they were written in.
  std::vector<const clickhouse_row_position*> newer;
  for (auto& r : latest_rows) {
    merged.last_stamp = std::max(merged.last_stamp, r.stamp);
    auto at = latest.find(r.position_key);
    if (at == latest.end() || r.stamp > at->second)
      newer.push_back(&r);
  }
  std::stable_sort(newer.begin(), newer.end(), [](auto* a, auto* b) { return a->stamp < b->stamp; });
  for (auto* r : newer) {
    auto& list = merged.positions[r->position_key];
    // It replaces the event of its identity, or of its reading of the same
    // inode (the identity's hashed prefix grows as the file does).
    auto same = std::find_if(list.begin(), list.end(), [&](const delivered_position& p) {
      return same_identity(p.file, r->position.file) ||
             (p.file == r->position.file && p.reading == r->position.reading);
    });
    if (same != list.end())
      *same = r->position;
    else
      list.push_back(r->position);
    merged.repaired.insert(r->position_key);
  }
  return merged;
}

bool clickhouse_rows_say(const stored_positions& stored,
                         const std::vector<clickhouse_row_position>& rows,
                         const stored_positions& after) {
  // The stored lists as events older than any row (stamp 0), in their order.
  std::vector<clickhouse_position_event> events;
  for (auto& [key, list] : stored)
    for (std::size_t i = 0; i < list.size(); ++i)
      events.push_back({0, key, list[i], static_cast<uint32_t>(i), false});
  auto merged = clickhouse_merge_positions(events, rows);
  auto same = [](const delivered_position& a, const delivered_position& b) {
    return a.known == b.known && a.file == b.file && a.offset == b.offset && a.path == b.path &&
           a.reading == b.reading;
  };
  for (auto& [key, want] : after) {
    auto at = merged.positions.find(key);
    static const std::vector<delivered_position> none;
    auto& got = at == merged.positions.end() ? none : at->second;
    if (!std::equal(got.begin(), got.end(), want.begin(), want.end(), same))
      return false;
  }
  return true;
}

uint64_t clickhouse_rows_needed_from(const std::vector<clickhouse_position_event>& latest_events) {
  auto latest = latest_event_stamps(latest_events);
  if (latest.empty())
    return 0;
  uint64_t lowest = UINT64_MAX;
  for (auto& [key, stamp] : latest)
    lowest = std::min(lowest, stamp);
  return lowest;
}

} // namespace logcatch

#include "actors/sink/clickhouse_rows.hpp"

#include <algorithm>

#include "actors/sink/clickhouse_row_binary.hpp"
#include "actors/sink/line_formatter.hpp"

namespace logcatch {

namespace {

constexpr uint64_t us_per_second = 1000000;

/// One row as the encoders see it.
struct row_view {
  const line_batch* batch;
  uint32_t time_us;
  const char* line;
  std::size_t length;
  uint64_t offset;
  uint64_t end_offset;
  bool cut;
};

/// Calls f(row_view) for every new line of the write's batches [from, to), in order.
template <class F>
std::size_t for_each_row_in(const destination_write& w, std::size_t from, std::size_t to,
                            uint64_t first_stamp, F&& f) {
  std::size_t rows = 0;
  for (std::size_t b = from; b < to && b < w.batches.size(); ++b) {
    const line_batch& batch = *w.batches[b].batch;
    auto time_us = static_cast<uint32_t>((first_stamp + b) % us_per_second);
    uint64_t offset = batch.start_offset;
    uint32_t begin = 0;
    auto adjust = batch.size_adjust.begin();
    for (std::size_t i = 0; i < batch.ends.size(); ++i) {
      int64_t delta = 0;
      while (adjust != batch.size_adjust.end() && adjust->line < i)
        ++adjust;
      if (adjust != batch.size_adjust.end() && adjust->line == i)
        delta = adjust->delta;
      uint32_t end = batch.ends[i];
      uint64_t next = offset + static_cast<uint64_t>(static_cast<int64_t>(end - begin) + delta);
      // The last row carries the batch's end: bytes consumed after its last
      // line (none usually) count as delivered with it.
      bool last = i + 1 == batch.ends.size();
      if (i >= w.batches[b].first_line) {
        f(row_view{&batch, time_us, batch.data.data() + begin, end - begin - 1, offset,
                   last ? std::max(next, batch.end_offset) : next, delta > 0});
        ++rows;
      }
      offset = next;
      begin = end;
    }
  }
  return rows;
}

/// Calls f(row_view) for every new line of the write, in order.
template <class F>
std::size_t for_each_row(const destination_write& w, uint64_t first_stamp, F&& f) {
  return for_each_row_in(w, 0, w.batches.size(), first_stamp, std::forward<F>(f));
}

std::size_t varuint_size(uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::size_t string_size(std::size_t n) {
  return varuint_size(n) + n;
}

} // namespace

uint64_t clickhouse_first_stamp(int64_t collected_us, uint64_t last, std::size_t batches) {
  uint64_t first = std::max<uint64_t>(collected_us > 0 ? static_cast<uint64_t>(collected_us) : 0,
                                      last + 1);
  uint64_t span = batches == 0 ? 0 : batches - 1;
  if (first % us_per_second + span >= us_per_second)
    first = (first / us_per_second + 1) * us_per_second;
  return first;
}

std::string clickhouse_rows_structure() {
  return "time_us UInt32, node String, key String, file String, offset UInt64, line String, "
         "cut UInt8, device UInt64, inode UInt64, prefix_len UInt32, prefix_hash UInt64, "
         "reading UInt64, end_offset UInt64";
}

namespace {

/// RowBinary rows of batches [from, to): with `time` first and `deadline`
/// last when `incoming`.
std::size_t encode_row_binary(const destination_write& w, std::size_t from, std::size_t to,
                              uint64_t first_stamp, bool incoming, uint32_t deadline,
                              std::string& out) {
  std::size_t bytes = 0;
  for (std::size_t b = from; b < to && b < w.batches.size(); ++b)
    bytes += w.batches[b].batch->data.size() + w.batches[b].batch->ends.size() * 88;
  out.reserve(out.size() + bytes);
  row_binary_writer rb(out);
  auto second = static_cast<uint32_t>(first_stamp / us_per_second);
  return for_each_row_in(w, from, to, first_stamp, [&](const row_view& r) {
    const line_batch& batch = *r.batch;
    if (incoming)
      rb.u32(second);
    rb.u32(r.time_us);
    rb.string(batch.node);
    rb.string(batch.key);
    rb.string(batch.path);
    rb.u64(r.offset);
    rb.string(r.line, r.length);
    rb.u8(r.cut ? 1 : 0);
    rb.u64(batch.file.device);
    rb.u64(batch.file.inode);
    rb.u32(batch.file.prefix_len);
    rb.u64(batch.file.prefix_hash);
    rb.u64(batch.reading);
    rb.u64(r.end_offset);
    if (incoming)
      rb.u32(deadline);
  });
}

} // namespace

std::size_t encode_rows_row_binary(const destination_write& w, uint64_t first_stamp,
                                   std::string& out) {
  return encode_row_binary(w, 0, w.batches.size(), first_stamp, false, 0, out);
}

std::size_t encode_incoming_row_binary(const destination_write& w, uint64_t first_stamp,
                                       uint32_t deadline, std::string& out) {
  return encode_row_binary(w, 0, w.batches.size(), first_stamp, true, deadline, out);
}

std::size_t encode_incoming_batch(const destination_write& w, std::size_t b,
                                  uint64_t first_stamp, uint32_t deadline, std::string& out) {
  return encode_row_binary(w, b, b + 1, first_stamp, true, deadline, out);
}

std::size_t incoming_row_binary_size(const destination_write& w) {
  // time, time_us, offset, cut, device, inode, prefix_len, prefix_hash,
  // reading, end_offset, deadline; then the four strings.
  constexpr std::size_t fixed = 4 + 4 + 8 + 1 + 8 + 8 + 4 + 8 + 8 + 8 + 4;
  std::size_t size = 0;
  for (auto& wb : w.batches) {
    const line_batch& batch = *wb.batch;
    std::size_t per_row =
      fixed + string_size(batch.node.size()) + string_size(batch.key.size()) +
      string_size(batch.path.size());
    uint32_t begin = wb.first_line == 0 ? 0 : batch.ends[wb.first_line - 1];
    for (std::size_t i = wb.first_line; i < batch.ends.size(); ++i) {
      uint32_t end = batch.ends[i];
      size += per_row + string_size(end - begin - 1);
      begin = end;
    }
  }
  return size;
}

std::vector<clickhouse_row_position> clickhouse_last_rows(const destination_write& w,
                                                          uint64_t first_stamp) {
  std::vector<clickhouse_row_position> out;
  const line_batch* last_batch = nullptr;
  for_each_row(w, first_stamp, [&](const row_view& r) {
    const line_batch& batch = *r.batch;
    if (r.batch != last_batch) {
      uint64_t stamp = first_stamp / us_per_second * us_per_second + r.time_us;
      clickhouse_row_position p;
      p.position_key = batch.position_key();
      p.position.known = true;
      p.position.file = batch.file;
      p.position.reading = batch.reading;
      p.position.path = batch.path;
      p.position.updated_ms = static_cast<int64_t>(stamp / 1000);
      p.stamp = stamp;
      out.push_back(std::move(p));
      last_batch = r.batch;
    }
    out.back().position.offset = r.end_offset;
  });
  return out;
}

std::size_t encode_rows_json_each_row(const destination_write& w, uint64_t first_stamp,
                                      std::string& out) {
  auto number = [&](const char* name, uint64_t v) {
    out += ",\"";
    out += name;
    out += "\":";
    out += std::to_string(v);
  };
  auto text = [&](const char* name, const char* data, std::size_t n) {
    out += ",\"";
    out += name;
    out += "\":";
    append_json_string(out, data, n);
  };
  return for_each_row(w, first_stamp, [&](const row_view& r) {
    const line_batch& batch = *r.batch;
    out += "{\"time_us\":" + std::to_string(r.time_us);
    text("node", batch.node.data(), batch.node.size());
    text("key", batch.key.data(), batch.key.size());
    text("file", batch.path.data(), batch.path.size());
    number("offset", r.offset);
    text("line", r.line, r.length);
    number("cut", r.cut ? 1 : 0);
    number("device", batch.file.device);
    number("inode", batch.file.inode);
    number("prefix_len", batch.file.prefix_len);
    number("prefix_hash", batch.file.prefix_hash);
    number("reading", batch.reading);
    number("end_offset", r.end_offset);
    out += "}\n";
  });
}

} // namespace logcatch

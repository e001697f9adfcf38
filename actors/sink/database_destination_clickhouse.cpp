#include "actors/sink/database_destination_clickhouse.hpp"

#include <random>
#include <thread>

#include "actors/sink/clickhouse_http.hpp"
#include "actors/sink/clickhouse_positions.hpp"
#include "actors/sink/clickhouse_row_binary.hpp"
#include "actors/sink/clickhouse_rows.hpp"

namespace logcatch {

namespace {

using std::chrono::steady_clock;

destination_result from(const clickhouse_answer& a) {
  if (a.ok())
    return destination_result::success();
  return destination_result::failed(a.outcome, a.error, a.permanent);
}

std::string random_query_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "logcatch-";
  for (int i = 0; i < 2; ++i) {
    uint64_t v = rng();
    for (int j = 0; j < 16; ++j, v >>= 4)
      id += hex[v & 0xF];
  }
  return id;
}

/// Settings that keep one INSERT one block, hence one part: without them a
/// big insert is cut at max_insert_block_size (1,048,576 rows) and the
/// external table is read in max_block_size (65,536) pieces.
clickhouse_http::settings one_block() {
  return {{"max_insert_block_size", "1000000000"},
          {"min_insert_block_size_rows", "1000000000"},
          {"min_insert_block_size_bytes", "1000000000000"},
          {"max_block_size", "1000000000"}};
}

uint64_t parse_unsigned(const std::string& text) {
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      break;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

} // namespace

clickhouse_destination::clickhouse_destination(database_sink_config cfg,
                                                                 clickhouse_timing timing)
  : cfg_(std::move(cfg)), timing_(timing) {
  if (cfg_.database.empty())
    cfg_.database = "default";
  if (cfg_.user.empty())
    cfg_.user = "default";
  if (cfg_.table.empty())
    cfg_.table = "lines";
  lines_ = clickhouse_table_name(cfg_.database, cfg_.table);
  positions_ = clickhouse_table_name(cfg_.database, cfg_.table + "_positions");
  incoming_ = clickhouse_table_name(cfg_.database, cfg_.table + "_incoming");
}

clickhouse_destination::~clickhouse_destination() = default;

std::string clickhouse_destination::name() const {
  return "clickhouse " + cfg_.url + "/" + cfg_.database + " table " + cfg_.table;
}

destination_result clickhouse_destination::connect() {
  if (http_)
    return destination_result::success();
  clickhouse_endpoint where;
  std::string error;
  if (!parse_clickhouse_url(cfg_.url, where, error))
    return destination_result::failed(write_outcome::not_written, error, true);
  http_ = std::make_unique<clickhouse_http>(where, cfg_.user, cfg_.password,
                                            timing_.insert_window - std::chrono::seconds(1));
  return destination_result::success();
}

destination_result clickhouse_destination::check_table(
  const std::string& table, const std::vector<clickhouse_column>& expected,
  std::vector<clickhouse_column>* actual_out) {
  auto a = http_->query("SELECT name, type FROM system.columns WHERE database = " +
                        clickhouse_literal(cfg_.database) + " AND table = " +
                        clickhouse_literal(table) + " FORMAT RowBinary");
  if (!a.ok())
    return from(a);
  std::vector<clickhouse_column> actual;
  try {
    row_binary_reader rb(a.body);
    while (!rb.done()) {
      auto name = rb.string();
      actual.push_back({name, rb.string()});
    }
  } catch (const std::exception& e) {
    return destination_result::failed(write_outcome::not_written,
                                      std::string("reading the columns of a table: ") + e.what());
  }
  auto problem =
    clickhouse_schema_problem(clickhouse_table_name(cfg_.database, table), expected, actual);
  if (!problem.empty())
    return destination_result::failed(write_outcome::not_written, problem, true);
  if (actual_out != nullptr)
    *actual_out = std::move(actual);
  return destination_result::success();
}

destination_result clickhouse_destination::check_fence() {
  auto fence = cfg_.table + "_fence";
  auto a = http_->query("SELECT engine, create_table_query FROM system.tables WHERE database = " +
                        clickhouse_literal(cfg_.database) + " AND name = " +
                        clickhouse_literal(fence) + " FORMAT RowBinary");
  if (!a.ok())
    return from(a);
  std::string engine, create_query;
  try {
    row_binary_reader rb(a.body);
    if (!rb.done()) {
      engine = rb.string();
      create_query = rb.string();
    }
  } catch (const std::exception& e) {
    return destination_result::failed(write_outcome::not_written,
                                      std::string("reading the fence view's definition: ") +
                                        e.what());
  }
  auto problem =
    clickhouse_fence_problem(clickhouse_table_name(cfg_.database, fence), engine, create_query,
                             cfg_.database, cfg_.table + "_incoming", cfg_.table);
  if (!problem.empty())
    return destination_result::failed(write_outcome::not_written, problem, true);
  return destination_result::success();
}

destination_result clickhouse_destination::prepare() {
  if (auto r = connect(); !r.ok())
    return r;
  for (auto& sql : {"CREATE DATABASE IF NOT EXISTS " + clickhouse_identifier(cfg_.database),
                    clickhouse_create_lines(cfg_.database, cfg_.table),
                    clickhouse_create_positions(cfg_.database, cfg_.table + "_positions")}) {
    if (auto a = http_->query(sql); !a.ok())
      return from(a);
  }
  std::vector<clickhouse_column> lines_columns;
  if (auto r = check_table(cfg_.table, clickhouse_line_columns(), &lines_columns); !r.ok())
    return r;
  if (auto r = check_table(cfg_.table + "_positions", clickhouse_position_columns()); !r.ok())
    return r;
  // The fenced way in, once the lines table is known to be right.
  for (auto& sql : {clickhouse_create_incoming(cfg_.database, cfg_.table + "_incoming"),
                    clickhouse_create_fence(cfg_.database, cfg_.table + "_fence",
                                            cfg_.table + "_incoming", cfg_.table)}) {
    if (auto a = http_->query(sql); !a.ok())
      return from(a);
  }
  if (auto r = check_table(cfg_.table + "_incoming", clickhouse_incoming_columns()); !r.ok())
    return r;
  if (auto r = check_fence(); !r.ok())
    return r;
  // The view fills exactly our columns: a lines table with more (allowed,
  // with their defaults) takes the rows the other way.
  view_fence_ = !json_each_row_ && !external_data_ &&
                lines_columns.size() == clickhouse_line_columns().size();
  return read_server_clock();
}

destination_result clickhouse_destination::read_server_clock() {
  auto asked = steady_clock::now();
  auto a = http_->query("SELECT toUInt64(now())");
  if (!a.ok())
    return from(a);
  clock_ = {true, parse_unsigned(a.body), asked};
  return destination_result::success();
}

destination_result clickhouse_destination::settle_unknown_insert() {
  if (!unknown_.pending)
    return destination_result::success();
  // The server's clock first, then the process list: a query that is not
  // running once the clock is past its deadline reads now() later still,
  // and its WHERE lets no row through.
  auto give_up = steady_clock::now() + timing_.insert_window + std::chrono::seconds(30);
  for (;;) {
    auto a = http_->query("SELECT toUInt64(now()) >= " + std::to_string(unknown_.deadline) +
                          " AND (SELECT count() FROM system.processes WHERE query_id = " +
                          clickhouse_literal(unknown_.query_id) + ") = 0");
    if (!a.ok())
      return destination_result::failed(
        write_outcome::not_written,
        "waiting until an insert of unknown outcome can no longer land: " + a.error, a.permanent);
    if (a.body.compare(0, 1, "1") == 0)
      break;
    if (steady_clock::now() >= give_up)
      return destination_result::failed(write_outcome::not_written,
                                        "an insert of unknown outcome (query id " +
                                          unknown_.query_id + ") is still running");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  unknown_.pending = false;
  return destination_result::success();
}

destination_result clickhouse_destination::load_positions(stored_positions& out) {
  if (auto r = connect(); !r.ok())
    return r;
  if (auto r = settle_unknown_insert(); !r.ok())
    return r;
  std::vector<clickhouse_position_event> events;
  std::vector<clickhouse_row_position> rows;
  try {
    auto a = http_->query("SELECT stamp, position_key, device, inode, prefix_len, prefix_hash, "
                          "offset, reading, file, updated_ms, rank, dropped FROM " +
                          positions_ +
                          " ORDER BY stamp DESC LIMIT 1 BY position_key, device, inode, "
                          "prefix_len, prefix_hash FORMAT RowBinary");
    if (!a.ok())
      return from(a);
    events = decode_position_events(a.body);
    // Only the last write of a key can have rows without events: rows
    // older than every key's latest event are not read (the daily
    // partitions before it are skipped whole).
    uint64_t from_second = clickhouse_rows_needed_from(events) / 1000000;
    a = http_->query("SELECT " + clickhouse_row_position_columns() + " FROM " + lines_ +
                     " WHERE time >= toDateTime(" + std::to_string(from_second) +
                     ") ORDER BY stamp DESC, end_offset DESC LIMIT 1 BY node, key, device, "
                     "inode, prefix_len, prefix_hash FORMAT RowBinary");
    if (!a.ok())
      return from(a);
    rows = decode_row_positions(a.body);
  } catch (const std::exception& e) {
    return destination_result::failed(write_outcome::not_written,
                                      std::string("reading the positions back: ") + e.what());
  }
  auto merged = clickhouse_merge_positions(events, rows);
  if (!merged.repaired.empty()) {
    // Events for the rows that had none, so that the next reading may skip
    // these rows; stamped like the newest row (newer than the keys' events).
    auto base = clickhouse_merge_positions(events, {});
    stored_positions before, after;
    for (auto& key : merged.repaired) {
      before[key] = base.positions[key];
      after[key] = merged.positions[key];
    }
    std::string body;
    encode_position_events(clickhouse_position_events(before, after, merged.last_stamp), body);
    if (auto r = insert_events(body); !r.ok())
      return r;
  }
  stored_ = merged.positions;
  unevented_rows_.clear();
  unevented_.clear();
  events_written_ = steady_clock::now();
  last_stamp_ = std::max(last_stamp_, merged.last_stamp);
  positions_read_ = true;
  out = std::move(merged.positions);
  return destination_result::success();
}

destination_result clickhouse_destination::insert_rows(const destination_write& w,
                                                        uint64_t first_stamp) {
  if (!http_)
    return destination_result::failed(write_outcome::not_written, "not connected");
  if (!clock_.known || steady_clock::now() - clock_.asked > timing_.clock_probe_every)
    if (auto r = read_server_clock(); !r.ok())
      return r;
  // The deadline on the server's clock: the clock read (rounded up, it
  // may have been read at the end of its answer) plus the time since, plus
  // the window. Any answer within the window of `sent` (taken before the
  // rows are encoded: they carry the deadline) is then a definite one.
  auto sent = steady_clock::now();
  auto since = std::chrono::duration_cast<std::chrono::seconds>(sent - clock_.asked).count() + 1;
  uint64_t deadline = clock_.server_seconds + static_cast<uint64_t>(since) + 1 +
                      static_cast<uint64_t>(timing_.insert_window.count());
  std::string query_id = random_query_id();
  auto settings = one_block();
  settings["query_id"] = query_id;
  clickhouse_answer a;
  std::string insert = "INSERT INTO " + incoming_ + " FORMAT RowBinary";
  auto until = static_cast<uint32_t>(deadline);
  if (view_fence_ && !whole_body_) {
    // Encoded batch by batch while the upload goes: the server parses the
    // first rows while the last are encoded, and no buffer holds the whole
    // write. The exact size is known first (the Content-Length).
    std::size_t size = incoming_row_binary_size(w);
    if (size == 0)
      return destination_result::success();
    std::size_t next_batch = 0;
    auto next = [&](std::string& piece) {
      while (next_batch < w.batches.size())
        if (encode_incoming_batch(w, next_batch++, first_stamp, until, piece) > 0)
          return true;
      return false;
    };
    a = http_->insert_streamed(insert, size, next, body_, settings);
  } else if (view_fence_) {
    body_.clear();
    if (encode_incoming_row_binary(w, first_stamp, until, body_) == 0)
      return destination_result::success();
    a = http_->insert_in_place(insert, body_, settings);
  } else {
    http_->begin_table(body_, "_rows");
    std::size_t rows = json_each_row_ ? encode_rows_json_each_row(w, first_stamp, body_)
                                      : encode_rows_row_binary(w, first_stamp, body_);
    if (rows == 0)
      return destination_result::success();
    std::string columns;
    for (auto& c : clickhouse_line_columns())
      columns += (columns.empty() ? "" : ", ") + clickhouse_identifier(c.name);
    std::string select_columns;
    for (auto& c : clickhouse_line_columns())
      if (c.name != "time")
        select_columns += ", " + clickhouse_identifier(c.name);
    std::string sql = "INSERT INTO " + lines_ + " (" + columns + ") SELECT toDateTime(" +
                      std::to_string(first_stamp / 1000000) + ")" + select_columns +
                      " FROM _rows WHERE now() < toDateTime(" + std::to_string(deadline) + ")";
    a = http_->query_with_table(sql, "_rows", clickhouse_rows_structure(),
                                json_each_row_ ? "JSONEachRow" : "RowBinary", body_, settings);
  }
  auto took = steady_clock::now() - sent;
  if (a.ok() && took < timing_.insert_window)
    return destination_result::success();
  if (a.outcome == write_outcome::not_written)
    return from(a);
  unknown_ = {true, query_id, deadline};
  positions_read_ = false;
  return destination_result::failed(
    write_outcome::unknown,
    a.ok() ? "the insert's answer came after its deadline: whether it landed is unknown"
           : a.error);
}

destination_result clickhouse_destination::insert_events(const std::string& body) {
  if (body.empty())
    return destination_result::success();
  return from(http_->insert("INSERT INTO " + positions_ + " FORMAT RowBinary", body, one_block()));
}

destination_result clickhouse_destination::write(const destination_write& w) {
  if (auto r = connect(); !r.ok())
    return r;
  // The events are made against the stored positions, and after an unknown
  // outcome the sink's own positions are stale: both are read back first.
  if (!positions_read_)
    return destination_result::failed(write_outcome::not_written,
                                      "the positions are to be read back first (load_positions)");
  std::size_t stamps = std::max<std::size_t>(w.batches.size(), 1);
  uint64_t first = clickhouse_first_stamp(w.collected_us, last_stamp_, stamps);
  uint64_t last = first + stamps - 1;
  bool rows_sent = false;
  for (auto& b : w.batches)
    rows_sent = rows_sent || b.first_line < b.batch->line_count();
  if (rows_sent) {
    if (auto r = insert_rows(w, first); !r.ok())
      return r;
    last_stamp_ = last;
    // The events may wait while the rows since the last ones say the same.
    auto rows = unevented_rows_;
    for (auto& r : clickhouse_last_rows(w, first)) {
      auto& f = r.position.file;
      rows[r.position_key + '\n' + std::to_string(f.device) + ':' + std::to_string(f.inode) + ':' +
           std::to_string(f.prefix_len) + ':' + std::to_string(f.prefix_hash)] = std::move(r);
    }
    std::vector<clickhouse_row_position> latest;
    for (auto& [id, r] : rows)
      latest.push_back(r);
    if (steady_clock::now() - events_written_ < timing_.events_every &&
        clickhouse_rows_say(stored_, latest, w.positions)) {
      unevented_rows_ = std::move(rows);
      for (auto& [key, list] : w.positions)
        unevented_[key] = list;
      return destination_result::success();
    }
  }
  // Every key whose events waited gets them now, with this write's.
  stored_positions after = unevented_;
  for (auto& [key, list] : w.positions)
    after[key] = list;
  std::string body;
  encode_position_events(clickhouse_position_events(stored_, after, last), body);
  auto r = insert_events(body);
  if (!r.ok()) {
    // With the rows in (or events that may be), only reading the positions
    // back says where things are.
    if (rows_sent || r.outcome == write_outcome::unknown) {
      positions_read_ = false;
      r.outcome = write_outcome::unknown;
    }
    return r;
  }
  last_stamp_ = last;
  for (auto& [key, list] : after) {
    if (list.empty())
      stored_.erase(key);
    else
      stored_[key] = list;
  }
  unevented_rows_.clear();
  unevented_.clear();
  events_written_ = steady_clock::now();
  return destination_result::success();
}

} // namespace logcatch

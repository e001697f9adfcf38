#include "actors/sink/database_destination_postgresql.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cerrno>
#include <cstring>

#include <poll.h>

#include <libpq-fe.h>

namespace logcatch {

/// One libpq connection in non-blocking mode: every wait on the server has
/// a deadline, so a SIGSTOPped or unreachable server becomes an error.
class postgresql_session {
public:
  using clock = std::chrono::steady_clock;

  struct result_deleter {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  using result_ptr = std::unique_ptr<PGresult, result_deleter>;

  /// What a statement gave: its last result, or an error. `lost`: the
  /// connection is gone or timed out (the transaction's fate is unknown if
  /// it was a COMMIT); else the server refused the statement.
  struct outcome {
    result_ptr result;
    std::string error;
    bool lost = false;
    bool ok() const { return error.empty(); }
  };

  ~postgresql_session() {
    if (conn_ != nullptr)
      PQfinish(conn_);
  }

  /// Connects (blocking, bounded by connect_timeout); the error, or "".
  std::string connect(const std::string& dsn, const std::string& password,
                      std::chrono::milliseconds timeout) {
    auto seconds = std::to_string(std::max<long long>(2, timeout.count() / 1000));
    std::vector<const char*> keys{"dbname", "connect_timeout", "application_name"};
    std::vector<const char*> values{dsn.c_str(), seconds.c_str(), "logcatch"};
    if (!password.empty()) {
      keys.push_back("password");
      values.push_back(password.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn_ = PQconnectdbParams(keys.data(), values.data(), 1); // dbname may be a whole DSN
    if (conn_ == nullptr)
      return "out of memory";
    if (PQstatus(conn_) != CONNECTION_OK)
      return trimmed(PQerrorMessage(conn_));
    if (PQsetnonblocking(conn_, 1) != 0)
      return trimmed(PQerrorMessage(conn_));
    return {};
  }

  std::string where() const {
    if (conn_ == nullptr)
      return "?";
    std::string host = PQhost(conn_) != nullptr ? PQhost(conn_) : "";
    std::string port = PQport(conn_) != nullptr ? PQport(conn_) : "";
    std::string db = PQdb(conn_) != nullptr ? PQdb(conn_) : "";
    return host + ":" + port + "/" + db;
  }

  outcome exec(const std::string& sql, clock::time_point deadline) {
    outcome out;
    if (PQsendQuery(conn_, sql.c_str()) == 0)
      return lost(std::move(out));
    if (!flush(deadline))
      return lost(std::move(out));
    collect(out, deadline, false);
    return out;
  }

  outcome exec_params(const std::string& sql, const std::vector<std::string>& params,
                      clock::time_point deadline) {
    outcome out;
    std::vector<const char*> values;
    for (auto& p : params)
      values.push_back(p.c_str());
    if (PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0) == 0)
      return lost(std::move(out));
    if (!flush(deadline))
      return lost(std::move(out));
    collect(out, deadline, false);
    return out;
  }

  /// COPY ... FROM STDIN with `data` in COPY's text format.
  outcome copy_in(const std::string& sql, const std::string& data, clock::time_point deadline) {
    outcome out;
    if (PQsendQuery(conn_, sql.c_str()) == 0 || !flush(deadline))
      return lost(std::move(out));
    collect(out, deadline, true);
    if (!out.ok())
      return out;
    constexpr std::size_t chunk = 1 << 20;
    for (std::size_t at = 0; at < data.size();) {
      int n = static_cast<int>(std::min(chunk, data.size() - at));
      int r = PQputCopyData(conn_, data.data() + at, n);
      if (r < 0)
        return lost(std::move(out));
      if (r == 0) { // would block: the server is slow to read
        if (!wait_socket(true, deadline) || PQflush(conn_) < 0)
          return lost(std::move(out));
        continue;
      }
      at += static_cast<std::size_t>(n);
    }
    for (;;) {
      int r = PQputCopyEnd(conn_, nullptr);
      if (r < 0)
        return lost(std::move(out));
      if (r == 1)
        break;
      if (!wait_socket(true, deadline))
        return lost(std::move(out));
    }
    if (!flush(deadline))
      return lost(std::move(out));
    collect(out, deadline, false);
    return out;
  }

private:
  static std::string trimmed(const char* text) {
    std::string s = text != nullptr ? text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
      s.pop_back();
    return s;
  }

  outcome lost(outcome out) {
    out.lost = true;
    if (out.error.empty()) {
      out.error = trimmed(PQerrorMessage(conn_));
      if (out.error.empty())
        out.error = "the connection was lost";
    }
    return out;
  }

  /// Waits until the socket is readable (or writable); false on timeout.
  bool wait_socket(bool for_write, clock::time_point deadline) {
    int fd = PQsocket(conn_);
    if (fd < 0)
      return false;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      if (left.count() <= 0)
        return false;
      pollfd p{fd, static_cast<short>(for_write ? (POLLOUT | POLLIN) : POLLIN), 0};
      int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
      if (r > 0) {
        if ((p.revents & POLLIN) != 0 && PQconsumeInput(conn_) == 0)
          return false;
        return true;
      }
      if (r < 0 && errno != EINTR)
        return false;
    }
  }

  bool flush(clock::time_point deadline) {
    for (;;) {
      int r = PQflush(conn_);
      if (r == 0)
        return true;
      if (r < 0 || !wait_socket(true, deadline))
        return false;
    }
  }

  /// Reads results until the statement is done (or, `until_copy`, until the
  /// server waits for COPY data); the last one is kept, the first error wins.
  void collect(outcome& out, clock::time_point deadline, bool until_copy) {
    for (;;) {
      while (PQisBusy(conn_) != 0) {
        if (!wait_socket(false, deadline)) {
          out = lost(std::move(out));
          if (out.error == "the connection was lost" || PQstatus(conn_) == CONNECTION_OK)
            out.error = "no answer from the server within the timeout";
          return;
        }
      }
      result_ptr r{PQgetResult(conn_)};
      if (!r) {
        if (PQstatus(conn_) != CONNECTION_OK && out.ok())
          out = lost(std::move(out));
        return;
      }
      auto status = PQresultStatus(r.get());
      if (status == PGRES_COPY_IN) {
        out.result = std::move(r);
        if (until_copy)
          return;
        continue;
      }
      if ((status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) && out.ok()) {
        out.error = trimmed(PQresultErrorMessage(r.get()));
        if (PQstatus(conn_) != CONNECTION_OK)
          out.lost = true;
      }
      out.result = std::move(r);
    }
  }

  PGconn* conn_ = nullptr;
};

namespace {

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// Connection errors that retrying does not cure.
bool permanent_connect_error(const std::string& error) {
  return error.find("authentication failed") != std::string::npos ||
         error.find("no password supplied") != std::string::npos ||
         error.find("does not exist") != std::string::npos ||
         error.find("no pg_hba.conf entry") != std::string::npos;
}

int64_t parse_int64(const char* text) {
  int64_t value = 0;
  std::from_chars(text, text + std::strlen(text), value);
  return value;
}

std::string column_list(const std::vector<postgresql_column>& columns) {
  std::string out;
  for (auto& c : columns)
    out += (out.empty() ? "\"" : ", \"") + std::string(c.name) + "\"";
  return out;
}

} // namespace

postgresql_destination::postgresql_destination(database_sink_config cfg,
                                               std::chrono::milliseconds io_timeout)
  : cfg_(std::move(cfg)), io_timeout_(io_timeout) {
}

postgresql_destination::~postgresql_destination() = default;

std::string postgresql_destination::name() const {
  if (session_)
    return "postgresql " + session_->where() + " table " + cfg_.table;
  // Not connected: where the dsn points (libpq's defaults left out).
  std::map<std::string, std::string> parts;
  char* error = nullptr;
  if (PQconninfoOption* options = PQconninfoParse(cfg_.dsn.c_str(), &error)) {
    for (auto* o = options; o->keyword != nullptr; ++o)
      if (o->val != nullptr)
        parts[o->keyword] = o->val;
    PQconninfoFree(options);
  }
  PQfreemem(error);
  return "postgresql " + parts["host"] + ":" + parts["port"] + "/" + parts["dbname"] + " table " +
         cfg_.table;
}

destination_result postgresql_destination::check_columns(
  const std::string& table, const std::vector<postgresql_column>& expected) {
  auto deadline = postgresql_session::clock::now() + io_timeout_;
  auto got = session_->exec_params(
    "SELECT column_name, data_type FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = $1",
    {lowercase(table)}, deadline);
  if (!got.ok())
    return destination_result::failed(write_outcome::not_written,
                                      "table " + table + ": cannot read its columns: " + got.error);
  std::map<std::string, std::string> types;
  for (int i = 0; i < PQntuples(got.result.get()); ++i)
    types[PQgetvalue(got.result.get(), i, 0)] = PQgetvalue(got.result.get(), i, 1);
  for (auto& column : expected) {
    auto it = types.find(column.name);
    if (it == types.end())
      return destination_result::failed(
        write_outcome::not_written,
        "table " + table + " has no column \"" + column.name + "\" (" + column.type +
          "); logcatch needs " + column_list(expected) + " (see README: PostgreSQL sink)",
        true);
    if (it->second != column.type)
      return destination_result::failed(write_outcome::not_written,
                                        "table " + table + ": column \"" + column.name +
                                          "\" has type " + it->second + ", logcatch needs " +
                                          column.type + " (see README: PostgreSQL sink)",
                                        true);
  }
  return destination_result::success();
}

destination_result postgresql_destination::prepare() {
  prepared_ = false;
  stored_known_ = false;
  session_ = std::make_unique<postgresql_session>();
  if (auto error = session_->connect(cfg_.dsn, cfg_.password, io_timeout_); !error.empty()) {
    bool permanent = permanent_connect_error(error);
    session_.reset();
    return destination_result::failed(write_outcome::not_written, "cannot connect: " + error,
                                      permanent);
  }
  auto deadline = postgresql_session::clock::now() + io_timeout_;
  const std::string& t = cfg_.table;
  auto positions = positions_table(t);
  // Checked after creating: an existing table is left as it is, with
  // whatever indexes it has. A new one gets a BRIN index on "time": rows are
  // appended in time order, so it costs the COPY far less than a btree on
  // (key, "time") would, and "the last hour of key X" stays fast (README,
  // PostgreSQL schema; bench/RESULTS.md). autosummarize: each block range
  // is summarized once full (by autovacuum), not only at the next VACUUM;
  // until then a query reads the unsummarized ranges whole.
  auto made = session_->exec(
    "SET client_min_messages = warning; SET standard_conforming_strings = on;"
    // A writer that stops (SIGSTOP) inside a transaction holds the positions
    // lock (below) until the server ends its session.
    "SET idle_in_transaction_session_timeout = '60s';"
    "DO $logcatch$ BEGIN IF to_regclass('" + t + "') IS NULL THEN "
    "CREATE TABLE IF NOT EXISTS " + t + " (\"time\" timestamptz NOT NULL, node text NOT NULL, "
    "key text NOT NULL, file text NOT NULL, inode bigint NOT NULL, \"offset\" bigint NOT NULL, "
    "line text NOT NULL, cut boolean NOT NULL, raw bytea);"
    "CREATE INDEX IF NOT EXISTS " + t + "_time ON " + t + " USING brin (\"time\") "
    "WITH (autosummarize = on);"
    "END IF; END $logcatch$;"
    "CREATE TABLE IF NOT EXISTS " + positions + " (node text NOT NULL, key text NOT NULL, "
    "ordinal integer NOT NULL, device bigint NOT NULL, inode bigint NOT NULL, "
    "prefix_len bigint NOT NULL, prefix_hash bigint NOT NULL, \"offset\" bigint NOT NULL, "
    "path bytea NOT NULL, reading bigint NOT NULL, updated timestamptz NOT NULL, "
    "PRIMARY KEY (node, key, ordinal))",
    deadline);
  if (!made.ok()) {
    session_.reset();
    return destination_result::failed(write_outcome::not_written,
                                      "cannot create table " + t + ": " + made.error);
  }
  for (auto* check : {&postgresql_line_columns, &postgresql_position_columns}) {
    auto checked = check_columns(check == &postgresql_line_columns ? t : positions, *check);
    if (!checked.ok()) {
      session_.reset();
      return checked;
    }
  }
  prepared_ = true;
  return destination_result::success();
}

destination_result postgresql_destination::load_positions(stored_positions& out) {
  stored_known_ = false;
  stored_.clear();
  if (!session_ || !prepared_)
    return destination_result::failed(write_outcome::not_written, "not connected");
  auto deadline = postgresql_session::clock::now() + io_timeout_;
  // SHARE waits for every write transaction in progress on the positions
  // (each takes ROW EXCLUSIVE at its BEGIN), so a write of another
  // aggregator whose COMMIT is still on its way (it was SIGKILLed while
  // sending it) lands before, not after, the positions are read: the
  // collector's resend is then skipped, not written twice.
  auto got = session_->exec("BEGIN; LOCK TABLE " + positions_table(cfg_.table) + " IN SHARE MODE",
                            deadline);
  if (got.ok())
    got = session_->exec(
      "SELECT node, key, device, inode, prefix_len, prefix_hash, \"offset\", path, reading, "
      "(extract(epoch FROM updated) * 1000)::bigint, ordinal FROM " + positions_table(cfg_.table) +
        " ORDER BY node, key, ordinal",
      deadline);
  std::string ended;
  if (got.ok()) {
    auto commit = session_->exec("COMMIT", deadline);
    if (!commit.ok())
      ended = commit.error.empty() ? std::string("COMMIT got no answer") : commit.error;
  }
  if (!got.ok() || !ended.empty()) {
    session_.reset();
    prepared_ = false;
    return destination_result::failed(write_outcome::not_written,
                                      "cannot read the positions: " + (ended.empty() ? got.error : ended));
  }
  stored_positions loaded;
  auto* r = got.result.get();
  for (int i = 0; i < PQntuples(r); ++i) {
    delivered_position pos;
    pos.known = true;
    pos.file.device = static_cast<uint64_t>(parse_int64(PQgetvalue(r, i, 2)));
    pos.file.inode = static_cast<uint64_t>(parse_int64(PQgetvalue(r, i, 3)));
    pos.file.prefix_len = static_cast<uint32_t>(parse_int64(PQgetvalue(r, i, 4)));
    pos.file.prefix_hash = static_cast<uint64_t>(parse_int64(PQgetvalue(r, i, 5)));
    pos.offset = static_cast<uint64_t>(parse_int64(PQgetvalue(r, i, 6)));
    if (!decode_bytea_hex(PQgetvalue(r, i, 7), pos.path))
      pos.path.clear();
    pos.reading = static_cast<uint64_t>(parse_int64(PQgetvalue(r, i, 8)));
    pos.updated_ms = parse_int64(PQgetvalue(r, i, 9));
    auto position_key = join_position_key(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    stored_[position_key].push_back(ordinal_position{parse_int64(PQgetvalue(r, i, 10)), pos});
    loaded[position_key].push_back(std::move(pos));
  }
  stored_known_ = true;
  out = std::move(loaded);
  return destination_result::success();
}

destination_result postgresql_destination::write(const destination_write& w) {
  if (!session_ || !prepared_)
    return destination_result::failed(write_outcome::not_written, "not connected");
  if (!stored_known_) { // what the positions table holds is what changes are made against
    stored_positions ignored;
    if (auto r = load_positions(ignored); !r.ok())
      return r;
  }
  auto deadline = postgresql_session::clock::now() + io_timeout_;
  // Anything failing before COMMIT is sent leaves nothing: the server rolls
  // the transaction back when the connection closes.
  auto refused = [this](const std::string& what, const std::string& error) {
    session_.reset();
    prepared_ = false;
    stored_known_ = false;
    return destination_result::failed(write_outcome::not_written, what + ": " + error);
  };
  // Only the position rows that change: see postgresql_positions.hpp.
  std::map<std::string, std::vector<ordinal_position>> after;
  std::string deleted, upserted;
  static const std::vector<ordinal_position> none;
  for (auto& [position_key, list] : w.positions) {
    auto it = stored_.find(position_key);
    auto change = change_positions(it != stored_.end() ? it->second : none, list);
    auto names = split_position_key(position_key);
    for (auto ordinal : change.deleted) {
      deleted += deleted.empty() ? "(" : ",(";
      deleted += sql_string_literal(names.node) + "," + sql_string_literal(names.key) + "," +
                 std::to_string(ordinal) + ")";
    }
    for (auto& row : change.upserted) {
      if (!upserted.empty())
        upserted += ',';
      append_position_values(upserted, names, row.ordinal, row.pos);
    }
    after[position_key] = std::move(change.after);
  }
  // ROW EXCLUSIVE from the start: a read of the positions by another
  // aggregator (load_positions, SHARE) waits for this whole transaction.
  if (auto r = session_->exec("BEGIN; LOCK TABLE " + positions_table(cfg_.table) +
                                " IN ROW EXCLUSIVE MODE",
                              deadline);
      !r.ok())
    return refused("cannot begin the transaction", r.error);
  if (!w.batches.empty()) {
    // COPY's binary format: less work for the server than parsing text
    // (bench/RESULTS.md, PostgreSQL). One buffer kept across writes.
    auto& rows = copy_buffer_;
    rows.clear();
    append_binary_copy_header(rows);
    auto header = rows.size();
    for (auto& b : w.batches)
      append_line_rows_binary(rows, *b.batch, b.first_line, w.collected_us);
    if (rows.size() > header) {
      append_binary_copy_trailer(rows);
      auto r = session_->copy_in("COPY " + cfg_.table + " (" +
                                   column_list(postgresql_line_columns) +
                                   ") FROM STDIN WITH (FORMAT binary)",
                                 rows, deadline);
      if (!r.ok())
        return refused("cannot copy the rows into " + cfg_.table, r.error);
    }
  }
  // The positions' changes and COMMIT in one round trip: an error in the
  // first skips the COMMIT, and the transaction is rolled back.
  auto positions = positions_table(cfg_.table);
  std::string finish;
  if (!deleted.empty())
    finish += "DELETE FROM " + positions + " WHERE (node, key, ordinal) IN (VALUES " + deleted +
              ");";
  if (!upserted.empty()) {
    finish += "INSERT INTO " + positions + " (" + column_list(postgresql_position_columns) +
              ") VALUES " + upserted + " ON CONFLICT (node, key, ordinal) DO UPDATE SET ";
    bool first = true;
    for (auto& column : postgresql_position_columns) {
      std::string name = column.name;
      if (name == "node" || name == "key" || name == "ordinal")
        continue;
      finish += (first ? "\"" : ", \"") + name + "\" = EXCLUDED.\"" + name + "\"";
      first = false;
    }
    finish += ";";
  }
  finish += "COMMIT";
  auto done = session_->exec(finish, deadline);
  if (done.ok()) {
    for (auto& [position_key, rows] : after) {
      if (rows.empty())
        stored_.erase(position_key);
      else
        stored_[position_key] = std::move(rows);
    }
    return destination_result::success();
  }
  session_.reset();
  prepared_ = false;
  stored_known_ = false;
  if (done.lost) // the COMMIT may have been applied before the connection went
    return destination_result::failed(write_outcome::unknown, "COMMIT: " + done.error);
  return destination_result::failed(write_outcome::not_written,
                                    "cannot store the positions, or COMMIT refused: " + done.error);
}

} // namespace logcatch

#pragma once

// The ClickHouse destination's connection: its HTTP interface through
// cpp-httplib (the interface current ClickHouse releases still have), with
// each answer sorted into what the sink can know about it.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "actors/sink/database_destination.hpp"

namespace httplib {
class Client;
}

namespace logcatch {

/// An answer from ClickHouse, or why there is none.
struct clickhouse_answer {
  /// written: HTTP 200 (the query ran to its end: wait_end_of_query);
  /// not_written: refused before sending, or ClickHouse answered with an
  /// exception; unknown: sent, and no answer (timeout, reset, killed).
  write_outcome outcome = write_outcome::written;
  std::string body;  ///< the answer, or ClickHouse's exception text
  std::string error; ///< for the log, when not written
  bool permanent = false; ///< authentication failed: retrying cannot help
  bool ok() const { return outcome == write_outcome::written; }
};

/// `Code: N` at the start of a ClickHouse exception text, or -1.
int clickhouse_error_code(const std::string& exception_text);
/// Whether a ClickHouse error code says that the user or password is wrong.
bool clickhouse_authentication_error(int code);

/// Where ClickHouse's HTTP interface is.
struct clickhouse_endpoint {
  std::string scheme; ///< http or https
  std::string host;
  int port = 0;       ///< 8123 (http) or 8443 (https) when the url has none
};

/// Splits "http(s)://HOST[:PORT]" (a path is not allowed); false with
/// `error` set when it is not such a URL (the config loader reports it with
/// its place at `check`; this is the destination's own guard).
bool parse_clickhouse_url(const std::string& url, clickhouse_endpoint& out, std::string& error);

class clickhouse_http {
public:
  /// Settings sent with every request (name -> value).
  using settings = std::map<std::string, std::string>;

  clickhouse_http(const clickhouse_endpoint& where, const std::string& user,
                  const std::string& password, std::chrono::seconds read_timeout);
  ~clickhouse_http();

  /// Runs `sql` (sent as the request body).
  clickhouse_answer query(const std::string& sql, const settings& with = {});
  /// Runs `sql` (in the URL) with `data` as its input (INSERT ... FORMAT X).
  clickhouse_answer insert(const std::string& sql, const std::string& data,
                           const settings& with = {});
  /// The same, with `data` sent as it is (no copy into the request: a
  /// write's rows are its biggest allocation).
  clickhouse_answer insert_in_place(const std::string& sql, const std::string& data,
                                    const settings& with = {});
  /// Appends the next piece of an upload to `piece` (emptied before each
  /// call); false when there is none.
  using piece_source = std::function<bool(std::string& piece)>;
  /// Runs `sql` (in the URL) with `size` bytes of input made piece by piece
  /// by `next` while they are sent (the request's Content-Length is `size`:
  /// the pieces must add up to it, or the request fails unsent). `piece` is
  /// the buffer the pieces are made in, its capacity kept by the caller.
  clickhouse_answer insert_streamed(const std::string& sql, std::size_t size,
                                    const piece_source& next, std::string& piece,
                                    const settings& with = {});
  /// Starts `body` (emptied, its capacity kept) as the multipart upload of
  /// the external table `name`: the caller appends the table's data to it
  /// in place, then calls query_with_table. One buffer, sent as it is: a
  /// write's rows are its biggest allocation, and httplib's multipart
  /// items would copy them into a second body.
  void begin_table(std::string& body, const std::string& name);
  /// Runs `sql` (in the URL) with the table begun in `body` (of `structure`,
  /// in `format`) as ClickHouse's "external data". `body` is completed
  /// and sent without a copy.
  clickhouse_answer query_with_table(const std::string& sql, const std::string& name,
                                     const std::string& structure, const std::string& format,
                                     std::string& body, const settings& with = {});

private:
  std::string target(const std::string& sql_in_url, const settings& with) const;
  template <class Result>
  clickhouse_answer sort(Result&& result) const;

  std::unique_ptr<httplib::Client> client_;
  std::string boundary_; ///< of the multipart body begun last
  std::string where_; ///< host:port, for errors
};

} // namespace logcatch

#pragma once

// Reads the YAML config file into a collector_config, validating everything
// up front so a bad config fails at startup with a located message.

#include <optional>
#include <stdexcept>
#include <string>

#include "config/config_model.hpp"

namespace logcatch {

/// A config problem, located: what() is "FILE:LINE:COL: cause" (1-based line
/// and column), or "FILE: cause" when line is 0 (the file could not be read).
class config_error : public std::runtime_error {
public:
  config_error(std::string file, int line, int col, std::string cause);

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& cause() const { return cause_; }

private:
  std::string file_;
  int line_;
  int column_;
  std::string cause_;
};

/// Reads and validates a config file. source_file becomes absolute and
/// relative paths resolve against the file's folder; errors name `path` as
/// given. Throws config_error, also for an unreadable or missing file (line 0,
/// e.g. "FILE: cannot open: No such file or directory").
collector_config load_config_file(const std::string& path);

/// Same from text: `source_name` is used in errors and stored as source_file;
/// relative paths resolve against base_dir (itself made absolute).
collector_config load_config_text(const std::string& yaml, const std::string& source_name,
                                  const std::string& base_dir);

/// An aggregator's config file (`logcatch aggregate --config FILE`): listen,
/// auth_token or auth_token_file, sink (stdout or file), state_dir, log, tls.
/// Errors as for load_config_file.
aggregator_config load_aggregator_config_file(const std::string& path);
aggregator_config load_aggregator_config_text(const std::string& yaml,
                                              const std::string& source_name,
                                              const std::string& base_dir);

/// A shared secret from the first line of `path` (auth_token_file, or
/// --auth-token-file). Throws config_error "PATH: cause" when it cannot be
/// read or that line is empty.
std::string read_token_file(const std::string& path);

/// Why a postgresql sink's dsn is refused (libpq cannot parse it), or nothing.
std::optional<std::string> postgresql_dsn_problem(const std::string& dsn);

/// Why a clickhouse sink's url is refused (not http(s)://HOST[:PORT]), or nothing.
std::optional<std::string> clickhouse_url_problem(const std::string& url);

/// A table, database or user name logcatch puts in SQL unquoted: letters,
/// digits and '_', not starting with a digit, at most 63 characters.
bool valid_sql_name(const std::string& name);

/// True if a tailer for `log` would read `file` (absolute, lexically
/// normal): its path itself, or for a glob a match by glob(3)'s rules
/// (wildcards stop at '/' and skip a leading '.') that log.exclude does not
/// exclude, as file_set matches. The loader refuses a key that would follow
/// the collector's own log.
bool would_follow(const log_config& log, const std::string& file);

/// One line for `logcatch check`, e.g. "/etc/logcatch/config.yaml: ok: 3 keys
/// (logdir1, logdir2, logdir3), sink stdout/plain, max_restarts 10 in 60s".
std::string summarize(const collector_config& config);

} // namespace logcatch

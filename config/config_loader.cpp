#include "config/config_loader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <yaml-cpp/yaml.h>

#include "config/duration.hpp"
#include "config/network_names.hpp"
#include "config/node_tokens.hpp"

namespace logcatch {

namespace fs = std::filesystem;

namespace {

std::string located(const std::string& file, int line, int col, const std::string& cause) {
  if (line == 0)
    return file + ": " + cause;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + cause;
}

} // namespace

config_error::config_error(std::string file, int line, int col, std::string cause)
  : std::runtime_error(located(file, line, col, cause)),
    file_(std::move(file)),
    line_(line),
    column_(col),
    cause_(std::move(cause)) {
}

namespace {

using key_list = std::initializer_list<std::string_view>;

/// One map entry. Entries are only ever copy-constructed: assigning to a
/// YAML::Node rebinds the node it refers to, which would edit the document.
struct entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

/// How a value reads in "expected X, got Y".
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing";
  }
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

/// A glob, as the tailer tells them apart (file_set's is_glob).
bool has_wildcards(const std::string& path) {
  return path.find_first_of("*?[") != std::string::npos;
}

/// Edit distance counting a swap of neighbours as one edit, so "lgos" is
/// one typo away from "logs".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

/// The seed shipped to Kafka/Elasticsearch and read its keys from etcd;
/// logcatch does none of that, and silently ignoring those keys would hide it.
std::optional<std::string> unsupported_cause(const std::string& key) {
  std::string lower = lowercase(key);
  std::string head = "unsupported key '" + key + "': ";
  if (contains(lower, "kafka"))
    return head + "logcatch does not send to Kafka (see README: sinks)";
  if (contains(lower, "etcd"))
    return head + "logcatch does not read its configuration from etcd (see README: config)";
  if (lower == "es" || lower == "esconfig" || contains(lower, "elastic"))
    return head + "logcatch does not send to Elasticsearch (see README: sinks)";
  return std::nullopt;
}

/// "a, b or c"
std::string one_of(key_list choices) {
  std::string out;
  std::size_t i = 0;
  for (auto choice : choices) {
    if (i > 0)
      out += i + 1 == choices.size() ? " or " : ", ";
    out += choice;
    ++i;
  }
  return out;
}

std::string file_text(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw config_error(path, 0, 0, "cannot open: " + std::generic_category().message(errno));
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_on_exit{fd};
  std::string text;
  char buffer[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      return text;
    } else if (errno != EINTR) {
      throw config_error(path, 0, 0, "cannot read: " + std::generic_category().message(errno));
    }
  }
}

/// Walks one YAML document into a collector_config, failing at the first problem.
class loader {
public:
  loader(std::string source_name, std::string source_file, fs::path base_dir)
    : source_name_(std::move(source_name)), base_dir_(std::move(base_dir)) {
    config_.source_file = std::move(source_file);
  }

  collector_config load(const std::string& yaml) {
    YAML::Node doc = parse(yaml);
    if (doc.IsNull())
      throw config_error(source_name_, 1, 1, "config is empty");
    if (!doc.IsMap())
      fail(doc, "top level must be a map, got " + describe(doc));
    const entry* first_logs_section = nullptr;
    auto entries = entries_of(doc, "at top level",
                              {"logs", "sink", "supervision", "log", "state_dir", "configpath",
                               "collectlogs", "catsyslog", "metrics", "max_open_files"});
    for (const auto& e : entries) {
      if (e.key == "logs" || e.key == "configpath" || e.key == "collectlogs") {
        if (first_logs_section == nullptr)
          first_logs_section = &e;
        if (e.key == "logs")
          read_logs(e);
        else if (e.key == "configpath")
          read_configpath(e);
        else
          read_collectlogs(e);
      } else if (e.key == "sink") {
        read_sink(e);
      } else if (e.key == "supervision") {
        read_supervision(e);
      } else if (e.key == "state_dir") {
        config_.state_dir = path_of(e, path_kind::folder);
      } else if (e.key == "metrics") {
        read_metrics(e);
      } else if (e.key == "max_open_files") {
        // 0: the descriptor limit less a reserve (the default).
        config_.max_open_files = unsigned_of(e, std::numeric_limits<uint32_t>::max());
      } else {
        read_self_log(e);
      }
    }
    if (config_.logs.empty())
      fail(first_logs_section != nullptr ? first_logs_section->key_node : doc,
           "no logs to collect: add a 'logs' section");
    check_paths_are_distinct();
    check_own_log_not_followed();
    if (config_.state_dir.empty())
      config_.state_dir = base_dir_.string(); // next to the config
    return std::move(config_);
  }

  /// `logcatch aggregate --config FILE`: the same sink, log and state_dir
  /// sections as a collector's, plus where to listen and who may send.
  aggregator_config load_aggregator(const std::string& yaml) {
    YAML::Node doc = parse(yaml);
    if (doc.IsNull())
      throw config_error(source_name_, 1, 1, "config is empty");
    if (!doc.IsMap())
      fail(doc, "top level must be a map, got " + describe(doc));
    aggregator_config agg;
    const entry* token = nullptr;
    auto entries = entries_of(doc, "at top level of an aggregator config",
                              {"listen", "auth_token", "auth_token_file", "node_tokens_file",
                               "sink", "state_dir", "log", "tls"});
    for (const auto& e : entries) {
      if (e.key == "listen") {
        auto address = e.value.IsScalar() ? parse_host_port(e.value.Scalar()) : std::nullopt;
        if (!address)
          wrong_type(e, "HOST:PORT to listen on, e.g. 127.0.0.1:7140");
        agg.host = address->host;
        agg.port = address->port;
      } else if (e.key == "auth_token" || e.key == "auth_token_file") {
        agg.auth_token = token_of(e, token);
      } else if (e.key == "node_tokens_file") {
        auto path = path_of(e, path_kind::file);
        try {
          agg.node_tokens = read_node_tokens_file(path);
        } catch (const config_error& err) {
          fail(e.value, "node_tokens_file: " + std::string(err.what()));
        }
      } else if (e.key == "sink") {
        read_sink(e);
        if (config_.sink.type == sink_type::remote)
          fail(e.key_node, "sink: an aggregator writes to stdout, a file or a database, not type remote");
      } else if (e.key == "state_dir") {
        config_.state_dir = path_of(e, path_kind::folder);
      } else if (e.key == "tls") {
        agg.tls = tls_of(e, true);
      } else {
        read_self_log(e);
      }
    }
    agg.source_file = config_.source_file;
    agg.sink = config_.sink;
    agg.log = config_.log;
    agg.state_dir = config_.state_dir;
    // A database sink keeps its positions in the database: no state_dir.
    if (agg.state_dir.empty() && agg.sink.type == sink_type::file)
      agg.state_dir = fs::path(agg.sink.path).parent_path().string();
    return agg;
  }

private:
  /// Two keys on one file would deliver each line twice, and a sink writing
  /// into a collected file would feed its own output back forever.
  void check_paths_are_distinct() const {
    std::map<std::string, const log_config*> by_path;
    for (const auto& log : config_.logs) {
      auto [first, inserted] = by_path.emplace(log.path, &log);
      if (!inserted)
        throw config_error(source_name_, log.line, log.column,
                           "key '" + log.key + "' follows " + log.path + ", as key '" +
                             first->second->key + "' (line " + std::to_string(first->second->line) +
                             ") does: every line would be delivered twice");
    }
    if (config_.sink.type == sink_type::file) {
      for (const auto& log : config_.logs)
        if (::fnmatch(log.path.c_str(), config_.sink.path.c_str(), FNM_PATHNAME) == 0 &&
            log.path != config_.sink.path)
          fail(sink_path_mark_, "sink path " + config_.sink.path + " matches the glob of key '" +
                                  log.key + "': logcatch would read its own output");
      auto same = by_path.find(config_.sink.path);
      if (same != by_path.end())
        fail(sink_path_mark_, "sink path " + config_.sink.path + " is collected by key '" +
                                same->second->key + "': logcatch would read its own output");
    }
  }

  YAML::Node parse(const std::string& yaml) const {
    try {
      return YAML::Load(yaml);
    } catch (const YAML::ParserException& e) {
      fail(e.mark, "YAML syntax error: " + e.msg);
    }
  }

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& cause) const {
    // Some parser errors carry no position; the start of the file is the best guess.
    if (mark.is_null())
      throw config_error(source_name_, 1, 1, cause);
    throw config_error(source_name_, mark.line + 1, mark.column + 1, cause);
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& cause) const {
    fail(at.Mark(), cause);
  }

  /// A missing value has no position of its own (yaml-cpp marks the next
  /// token), so such errors point at its key.
  [[noreturn]] void wrong_type(const entry& e, const std::string& expected) const {
    fail(e.value.IsNull() ? e.key_node : e.value,
         e.key + ": expected " + expected + ", got " + describe(e.value));
  }

  [[noreturn]] void out_of_range(const entry& e, const std::string& limit) const {
    fail(e.value, e.key + ": must be " + limit + ", got " + describe(e.value));
  }

  /// The entries of a map in document order. yaml-cpp keeps duplicate keys
  /// (lookups see only the first), so they are caught here. `allowed` empty
  /// means any key.
  std::vector<entry> entries_of(const YAML::Node& map, const std::string& where,
                                key_list allowed) const {
    std::vector<entry> entries;
    std::map<std::string, int> first_line;
    for (const auto& pair : map) {
      const YAML::Node& key_node = pair.first;
      if (!key_node.IsNull() && !key_node.IsScalar())
        fail(key_node, "key must be a name, got " + describe(key_node));
      std::string key = key_node.IsNull() ? std::string{} : key_node.Scalar();
      if (key.empty())
        fail(key_node, "empty key");
      auto [seen, inserted] = first_line.emplace(key, key_node.Mark().line + 1);
      if (!inserted)
        fail(key_node, "duplicate key '" + key + "' (first at line " +
                         std::to_string(seen->second) + ")");
      if (allowed.size() > 0 && std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        unknown_key(key_node, key, where, allowed);
      entries.push_back(entry{key, key_node, pair.second});
    }
    return entries;
  }

  [[noreturn]] void unknown_key(const YAML::Node& key_node, const std::string& key,
                                const std::string& where, key_list allowed) const {
    if (auto cause = unsupported_cause(key))
      fail(key_node, *cause);
    std::string cause = "unknown key '" + key + "' " + where;
    std::string_view best;
    std::size_t best_distance = 3;
    for (auto candidate : allowed) {
      std::size_t distance = edit_distance(key, candidate);
      if (distance < best_distance) {
        best = candidate;
        best_distance = distance;
      }
    }
    if (!best.empty())
      cause += " (did you mean '" + std::string(best) + "'?)";
    fail(key_node, cause);
  }

  const YAML::Node& map_of(const entry& e, const std::string& expected) const {
    if (!e.value.IsMap())
      wrong_type(e, expected);
    return e.value;
  }

  std::size_t choice_of(const entry& e, key_list choices) const {
    if (e.value.IsScalar()) {
      auto it = std::find(choices.begin(), choices.end(), e.value.Scalar());
      if (it != choices.end())
        return static_cast<std::size_t>(it - choices.begin());
    }
    wrong_type(e, one_of(choices));
  }

  uint64_t unsigned_of(const entry& e, uint64_t max) const {
    if (e.value.IsScalar()) {
      const std::string& text = e.value.Scalar();
      const char* end = text.data() + text.size();
      uint64_t value = 0;
      auto [stop, error] = std::from_chars(text.data(), end, value);
      if (stop == end && error != std::errc::invalid_argument) {
        if (error == std::errc::result_out_of_range || value > max)
          out_of_range(e, "at most " + std::to_string(max));
        return value;
      }
    }
    wrong_type(e, "an unsigned integer");
  }

  bool bool_of(const entry& e) const {
    if (e.value.IsScalar()) {
      std::string text = lowercase(e.value.Scalar());
      if (text == "true" || text == "false")
        return text == "true";
    }
    wrong_type(e, "true or false");
  }

  millis duration_of(const entry& e) const {
    if (e.value.IsScalar())
      if (auto d = parse_duration(e.value.Scalar()))
        return *d;
    wrong_type(e, "a duration such as 250ms, 10s, 5m or 1h");
  }

  /// A glob or a list of globs (exclude patterns).
  std::vector<std::string> patterns_of(const entry& e) const {
    std::vector<std::string> result;
    if (e.value.IsScalar() && !e.value.Scalar().empty()) {
      result.push_back(e.value.Scalar());
      return result;
    }
    if (e.value.IsSequence()) {
      for (const auto& item : e.value) {
        if (!item.IsScalar() || item.Scalar().empty())
          fail(item, e.key + ": expected a glob such as '*.gz', got " + describe(item));
        result.push_back(item.Scalar());
      }
      return result;
    }
    wrong_type(e, "a glob or a list of globs");
  }

  std::size_t size_of(const entry& e) const {
    if (e.value.IsScalar())
      if (auto size = parse_size(e.value.Scalar()))
        return *size;
    wrong_type(e, "a size such as 1048576, 64KiB or 8MiB");
  }

  enum class path_kind { file, folder };

  /// An absolute, lexically normal path; it need not exist yet.
  std::string path_of(const entry& e, path_kind kind) const {
    if (!e.value.IsScalar())
      wrong_type(e, "a path");
    const std::string& text = e.value.Scalar();
    if (text.empty())
      fail(e.value, e.key + ": path is empty");
    if (contains(text, std::string_view("\0", 1)))
      fail(e.value, e.key + ": path contains a NUL byte");
    fs::path path = (base_dir_ / text).lexically_normal();
    if (!path.has_filename()) {
      if (kind == path_kind::file)
        fail(e.value, e.key + ": expected a file path, got folder " + describe(e.value));
      // A folder's trailing separator is noise; keep the root as it is.
      if (path.has_relative_path())
        path = path.parent_path();
    }
    return path.string();
  }

  /// Starts a log_config for `key`, which must be a usable name not taken by
  /// any of the logs, configpath or collectlogs sections.
  log_config start_log(const std::string& key, const YAML::Node& key_node) {
    if (key.empty())
      fail(key_node, "empty key");
    auto bad = std::find_if(key.begin(), key.end(), [](unsigned char c) {
      return c == '/' || c <= ' ' || c == 0x7f;
    });
    if (bad != key.end())
      fail(key_node, "key '" + key + "' must not contain whitespace, control characters or '/'");
    int line = key_node.Mark().line + 1;
    auto [seen, inserted] = key_lines_.emplace(key, line);
    if (!inserted)
      fail(key_node, "duplicate key '" + key + "' (first at line " +
                       std::to_string(seen->second) + ")");
    log_config log;
    log.key = key;
    log.line = line;
    log.column = key_node.Mark().column + 1;
    return log;
  }

  void read_logs(const entry& section) {
    const auto& map = map_of(section, "a map of key: path");
    for (const auto& e : entries_of(map, "in logs", {})) {
      log_config log = start_log(e.key, e.key_node);
      if (e.value.IsScalar())
        log.path = path_of(e, path_kind::file);
      else if (e.value.IsMap())
        read_log_options(e, log);
      else
        wrong_type(e, "a path or a map");
      config_.logs.push_back(std::move(log));
    }
  }

  void read_log_options(const entry& section, log_config& log) const {
    const std::string where = "in logs." + section.key;
    bool has_path = false;
    for (const auto& e : entries_of(section.value, where,
                                    {"path", "read_from", "max_line_bytes", "max_inflight_bytes",
                                     "poll_interval", "fingerprint_bytes", "exclude", "ignore_older",
                                     "max_tracked_files", "olddir", "fault"})) {
      if (e.key == "path") {
        log.path = path_of(e, path_kind::file);
        has_path = true;
      } else if (e.key == "read_from") {
        log.start = choice_of(e, {"head", "tail"}) == 0 ? read_from::head : read_from::tail;
      } else if (e.key == "max_line_bytes") {
        log.max_line_bytes = size_of(e);
        if (log.max_line_bytes < 1 || log.max_line_bytes > (std::size_t{1} << 30))
          out_of_range(e, "from 1 to 1GiB");
      } else if (e.key == "max_inflight_bytes") {
        log.max_inflight_bytes = size_of(e);
        if (log.max_inflight_bytes < std::size_t{64} * 1024)
          out_of_range(e, "at least 64KiB");
      } else if (e.key == "poll_interval") {
        log.poll_interval = duration_of(e);
        if (log.poll_interval < millis{1})
          out_of_range(e, "at least 1ms");
      } else if (e.key == "exclude") {
        log.exclude = patterns_of(e);
      } else if (e.key == "ignore_older") {
        log.ignore_older = duration_of(e);
      } else if (e.key == "olddir") {
        log.olddir = patterns_of(e);
      } else if (e.key == "max_tracked_files") {
        log.max_tracked_files = unsigned_of(e, std::numeric_limits<uint32_t>::max());
        if (log.max_tracked_files < 1)
          out_of_range(e, "at least 1");
      } else if (e.key == "fingerprint_bytes") {
        auto n = size_of(e);
        if (n > std::size_t{1} << 20)
          out_of_range(e, "from 0 (inode only) to 1MiB");
        log.fingerprint_bytes = static_cast<uint32_t>(n);
      } else {
        read_log_fault(e, where, log.fault);
      }
    }
    if (!has_path)
      fail(section.key_node, section.key + ": missing 'path'");
  }

  void read_log_fault(const entry& section, const std::string& where, fault_config& fault) const {
    const auto& map = map_of(section, "a map");
    for (const auto& e :
         entries_of(map, where + ".fault", {"crash_every_lines", "crash_on_rotation"})) {
      if (e.key == "crash_every_lines")
        fault.crash_every_lines = unsigned_of(e, std::numeric_limits<uint64_t>::max());
      else
        fault.crash_on_rotation = bool_of(e);
    }
  }

  void read_configpath(const entry& section) {
    const auto& map = map_of(section, "a map of key: path");
    for (const auto& e : entries_of(map, "in configpath", {})) {
      log_config log = start_log(e.key, e.key_node);
      log.path = path_of(e, path_kind::file);
      config_.logs.push_back(std::move(log));
    }
  }

  void read_collectlogs(const entry& section) {
    const std::string expected_item = "a map with logpath and logtopic";
    if (!section.value.IsSequence())
      wrong_type(section, "a list of maps with logpath and logtopic");
    std::size_t number = 0;
    for (const auto& item : section.value) {
      ++number;
      std::string name = "collectlogs item " + std::to_string(number);
      if (item.IsNull())
        fail(section.key_node, name + ": expected " + expected_item + ", got nothing");
      if (!item.IsMap())
        fail(item, name + ": expected " + expected_item + ", got " + describe(item));
      const entry* path = nullptr;
      const entry* topic = nullptr;
      auto entries = entries_of(item, "in " + name, {"logpath", "logtopic"});
      for (const auto& e : entries)
        (e.key == "logpath" ? path : topic) = &e;
      if (topic == nullptr)
        fail(item, name + ": missing 'logtopic'");
      if (path == nullptr)
        fail(item, name + ": missing 'logpath'");
      if (!topic->value.IsScalar())
        wrong_type(*topic, "a key name");
      log_config log = start_log(topic->value.Scalar(), topic->value);
      log.path = path_of(*path, path_kind::file);
      config_.logs.push_back(std::move(log));
    }
  }

  void read_sink(const entry& section) {
    const auto& map = map_of(section, "a map");
    auto& sink = config_.sink;
    const entry* path = nullptr;
    const entry* token = nullptr;
    std::vector<const entry*> remote_only;
    std::vector<const entry*> database_only;
    auto entries = entries_of(map, "in sink",
                              {"type", "path", "format", "fault", "address", "node", "auth_token",
                               "auth_token_file", "max_inflight_bytes", "tls", "dsn", "url",
                               "database", "table", "user", "password_file", "batch"});
    for (const auto& e : entries) {
      if (e.key == "type") {
        sink.type = static_cast<sink_type>(
          choice_of(e, {"stdout", "file", "remote", "postgresql", "clickhouse"}));
        if (sink.type == sink_type::clickhouse) // its bigger blocks are what makes it fast
          sink.database.batch = database_batch_config{100000, 16 * 1024 * 1024, millis{1000}};
      } else if (e.key == "dsn" || e.key == "url" || e.key == "database" || e.key == "table" ||
                 e.key == "user" || e.key == "password_file" || e.key == "batch") {
        database_only.push_back(&e);
      } else if (e.key == "path") {
        sink.path = path_of(e, path_kind::file);
        sink_path_mark_ = e.value.Mark();
        path = &e;
      } else if (e.key == "format") {
        sink.format =
          choice_of(e, {"plain", "json"}) == 0 ? output_format::plain : output_format::json;
      } else if (e.key == "fault") {
        const auto& fault = map_of(e, "a map");
        for (const auto& f :
             entries_of(fault, "in sink.fault", {"write_delay", "unknown_outcome_every", "ack_delay"})) {
          if (f.key == "write_delay")
            sink.fault_write_delay = duration_of(f);
          else if (f.key == "ack_delay")
            sink.fault_ack_delay = duration_of(f);
          else
            sink.fault_unknown_outcome_every = unsigned_of(f, 1000000);
        }
      } else {
        remote_only.push_back(&e);
        if (e.key == "address") {
          auto address = e.value.IsScalar() ? parse_host_port(e.value.Scalar()) : std::nullopt;
          if (!address || address->port == 0)
            wrong_type(e, "HOST:PORT of an aggregator, e.g. 127.0.0.1:7140");
          sink.host = address->host;
          sink.port = address->port;
        } else if (e.key == "node") {
          if (!e.value.IsScalar() || !valid_node_name(e.value.Scalar()))
            wrong_type(e, "a node name (1-128 characters, no spaces or '/')");
          sink.node = e.value.Scalar();
        } else if (e.key == "auth_token" || e.key == "auth_token_file") {
          sink.auth_token = token_of(e, token);
        } else if (e.key == "max_inflight_bytes") {
          sink.max_inflight_bytes = size_of(e);
          if (sink.max_inflight_bytes < std::size_t{1024} * 1024)
            out_of_range(e, "at least 1MiB");
        } else {
          sink.tls = tls_of(e, false);
        }
      }
    }
    if (sink.type == sink_type::file && path == nullptr)
      fail(section.key_node, "sink: type file needs a 'path'");
    if (sink.type != sink_type::file && path != nullptr)
      fail(path->key_node, "path: only allowed with sink type file");
    if (sink.type == sink_type::remote) {
      if (sink.host.empty())
        fail(section.key_node, "sink: type remote needs an 'address' (HOST:PORT of the aggregator)");
      if (sink.node.empty())
        sink.node = default_node_name();
    } else if (!remote_only.empty()) {
      fail(remote_only.front()->key_node,
           remote_only.front()->key + ": only allowed with sink type remote");
    }
    bool database = sink.type == sink_type::postgresql || sink.type == sink_type::clickhouse;
    if (!database && !database_only.empty())
      fail(database_only.front()->key_node,
           database_only.front()->key + ": only allowed with sink type postgresql or clickhouse");
    if (database) {
      if (sink.format != output_format::plain)
        fail(section.key_node, "format: not used by a database sink (its rows have columns)");
      read_database_sink(section, database_only);
    }
  }

  /// The keys of a postgresql or clickhouse sink (config.type already set).
  void read_database_sink(const entry& section, const std::vector<const entry*>& entries) {
    auto& sink = config_.sink;
    auto& db = sink.database;
    bool postgresql = sink.type == sink_type::postgresql;
    const char* type_name = postgresql ? "postgresql" : "clickhouse";
    bool have_address = false;
    for (const entry* e : entries) {
      if (e->key == "dsn" || e->key == "url") {
        if ((e->key == "dsn") != postgresql)
          fail(e->key_node, e->key + ": not used by sink type " + type_name + " (it takes '" +
                              (postgresql ? "dsn" : "url") + "')");
        if (!e->value.IsScalar() || e->value.Scalar().empty())
          wrong_type(*e, postgresql ? "a libpq connection string or postgresql:// URI"
                                    : "an http:// URL of ClickHouse's HTTP interface");
        if (postgresql) {
          if (auto problem = postgresql_dsn_problem(e->value.Scalar()))
            fail(e->value, "dsn: " + *problem);
          db.dsn = e->value.Scalar();
        } else {
          if (auto problem = clickhouse_url_problem(e->value.Scalar()))
            fail(e->value, "url: " + *problem);
          db.url = e->value.Scalar();
        }
        have_address = true;
      } else if (e->key == "database" || e->key == "user") {
        if (postgresql)
          fail(e->key_node, e->key + ": not used by sink type postgresql (name it in the dsn)");
        if (!e->value.IsScalar() || !valid_sql_name(e->value.Scalar()))
          wrong_type(*e, "a name of letters, digits and '_', not starting with a digit");
        (e->key == "database" ? db.database : db.user) = e->value.Scalar();
      } else if (e->key == "table") {
        if (!e->value.IsScalar() || !valid_sql_name(e->value.Scalar()))
          wrong_type(*e, "a table name of letters, digits and '_', not starting with a digit");
        db.table = e->value.Scalar();
      } else if (e->key == "password_file") {
        db.password_file = path_of(*e, path_kind::file);
        try {
          db.password = read_token_file(db.password_file);
        } catch (const config_error& err) {
          fail(e->value, "password_file: " + std::string(err.what()));
        }
      } else {
        read_database_batch(*e, db.batch);
      }
    }
    if (!have_address)
      fail(section.key_node, std::string("sink: type ") + type_name + " needs " +
                               (postgresql ? "a 'dsn' (e.g. \"host=127.0.0.1 dbname=logs user=logcatch\")"
                                           : "a 'url' (e.g. http://127.0.0.1:8123)"));
    if (!postgresql) {
      if (db.database.empty())
        db.database = "default";
      if (db.user.empty())
        db.user = "default";
    }
  }

  /// batch: {max_rows, max_bytes, max_delay}
  void read_database_batch(const entry& section, database_batch_config& batch) const {
    const auto& map = map_of(section, "a map with max_rows, max_bytes and max_delay");
    for (const auto& e : entries_of(map, "in sink.batch", {"max_rows", "max_bytes", "max_delay"})) {
      if (e.key == "max_rows") {
        batch.max_rows = unsigned_of(e, 10000000);
        if (batch.max_rows == 0)
          out_of_range(e, "at least 1");
      } else if (e.key == "max_bytes") {
        batch.max_bytes = size_of(e);
        if (batch.max_bytes < 1024)
          out_of_range(e, "at least 1KiB");
        if (batch.max_bytes > std::size_t{1024} * 1024 * 1024)
          out_of_range(e, "at most 1GiB");
      } else {
        batch.max_delay = duration_of(e);
        if (batch.max_delay > millis{60000})
          out_of_range(e, "at most 60s");
      }
    }
  }

  /// auth_token (the secret itself) or auth_token_file (its first line);
  /// `seen` is the one of the two already read in this section, if any.
  std::string token_of(const entry& e, const entry*& seen) const {
    if (seen != nullptr)
      fail(e.key_node, e.key + ": the token is already set by '" + seen->key + "'; keep one");
    seen = &e;
    if (e.key == "auth_token") {
      if (!e.value.IsScalar() || e.value.Scalar().empty())
        wrong_type(e, "a non-empty secret");
      return e.value.Scalar();
    }
    try {
      return read_token_file(path_of(e, path_kind::file));
    } catch (const config_error& err) {
      fail(e.value, "auth_token_file: " + std::string(err.what()));
    }
  }

  /// tls: {certificate, key, cafile}: all three or none; an aggregator's
  /// may add require_node_name.
  tls_config tls_of(const entry& section, bool aggregator) const {
    tls_config tls;
    const auto& map = map_of(section, "a map with certificate, key and cafile");
    for (const auto& e :
         entries_of(map, "in tls", {"certificate", "key", "cafile", "require_node_name"})) {
      if (e.key == "require_node_name") {
        if (!aggregator)
          fail(e.key_node, "require_node_name: only an aggregator's tls has it (it checks "
                           "collectors' certificates); a collector proves its name by itself");
        tls.require_node_name = bool_of(e);
        continue;
      }
      std::string file = path_of(e, path_kind::file);
      if (::access(file.c_str(), R_OK) != 0)
        fail(e.value, e.key + ": " + file + ": cannot read: " +
                        std::generic_category().message(errno));
      (e.key == "certificate" ? tls.certificate : e.key == "key" ? tls.key : tls.cafile) = file;
    }
    if (tls.certificate.empty() || tls.key.empty() || tls.cafile.empty())
      fail(section.key_node, "tls: needs certificate, key and cafile (mutual TLS)");
    return tls;
  }

  /// `metrics: {listen: ...}`: "HOST:PORT", or a bare port (":9464" or
  /// 9464) on loopback; nothing listens beyond loopback unless named.
  void read_metrics(const entry& section) {
    auto& m = config_.metrics;
    m.enabled = true;
    for (const auto& e : entries_of(map_of(section, "a map"), "in metrics", {"listen"})) {
      std::string text = e.value.IsScalar() ? e.value.Scalar() : "";
      if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos)
        text = ":" + text;
      if (!text.empty() && text.front() == ':')
        text = "127.0.0.1" + text;
      auto address = parse_host_port(text);
      if (!address)
        wrong_type(e, "HOST:PORT to serve metrics on, e.g. 127.0.0.1:9464 (port 0: any free one, logged)");
      m.host = address->host;
      m.port = address->port;
    }
  }

  void read_supervision(const entry& section) {
    auto& s = config_.supervision;
    const auto& map = map_of(section, "a map");
    for (const auto& e : entries_of(map, "in supervision", {"max_restarts", "window", "backoff"})) {
      if (e.key == "max_restarts") {
        auto max = std::numeric_limits<unsigned>::max();
        s.max_restarts = static_cast<unsigned>(unsigned_of(e, max));
      } else if (e.key == "window") {
        s.window = duration_of(e);
        if (s.window < millis{1})
          out_of_range(e, "at least 1ms");
      } else {
        auto backoff = entries_of(map_of(e, "a map"), "in supervision.backoff",
                                  {"initial", "max", "reset_after"});
        const entry* initial = nullptr;
        const entry* max = nullptr;
        for (const auto& b : backoff) {
          if (b.key == "initial") {
            s.backoff_initial = duration_of(b);
            if (s.backoff_initial < millis{1})
              out_of_range(b, "at least 1ms");
            initial = &b;
          } else if (b.key == "max") {
            s.backoff_max = duration_of(b);
            max = &b;
          } else {
            s.reset_after = duration_of(b);
          }
        }
        // Either bound may be left at its default; blame one that was written.
        if (max != nullptr && s.backoff_max < s.backoff_initial)
          out_of_range(*max, "at least initial (" + format_duration(s.backoff_initial) + ")");
        if (initial != nullptr && s.backoff_max < s.backoff_initial)
          out_of_range(*initial, "at most max (" + format_duration(s.backoff_max) + ")");
      }
    }
  }

  /// `log` and the seed's `catsyslog` both set the collector's own log. The
  /// seed's logpath is a folder (its example: ".../logcatchsys/logdata"), as log.dir.
  void read_self_log(const entry& section) {
    if (self_log_section_ != nullptr)
      fail(section.key_node, section.key + ": the collector's own log is already set by '" +
                               self_log_section_->key + "' (line " +
                               std::to_string(self_log_section_->key_node.Mark().line + 1) +
                               "); keep one");
    self_log_section_ = &section;
    bool seed = section.key == "catsyslog";
    std::string level_key = seed ? "loglevel" : "level";
    std::string dir_key = seed ? "logpath" : "dir";
    const auto& map = map_of(section, "a map");
    key_list log_keys = {"level", "path", "dir", "format"};
    key_list seed_keys = {"loglevel", "logpath"};
    const entry* file = nullptr; // the path or dir entry
    for (const auto& e : entries_of(map, "in " + section.key, seed ? seed_keys : log_keys)) {
      if (e.key == level_key) {
        key_list levels = {"debug", "info", "warn", "error"};
        config_.log.level = std::string(levels.begin()[choice_of(e, levels)]);
      } else if (e.key == "format") {
        config_.log.format =
          choice_of(e, {"text", "json"}) == 0 ? self_log_format::text : self_log_format::json;
      } else {
        if (file != nullptr)
          fail(e.key_node, e.key + ": the collector's own log file is already set by '" +
                             file->key + "' (line " +
                             std::to_string(file->key_node.Mark().line + 1) + "); keep one");
        file = &e;
        config_.log.path = e.key == dir_key
                             ? (fs::path(path_of(e, path_kind::folder)) / "logcatch.log").string()
                             : path_of(e, path_kind::file);
        own_log_setting_ = section.key + "." + e.key + ", line " +
                           std::to_string(e.key_node.Mark().line + 1);
      }
    }
  }

  /// A key that follows the collector's own log would collect every line
  /// logcatch writes about collecting, and write more about those: a loop
  /// without end. Compared as written and with symbolic links resolved.
  void check_own_log_not_followed() const {
    const std::string& own = config_.log.path;
    if (own.empty())
      return;
    std::string own_resolved = resolved(own);
    for (const auto& log : config_.logs) {
      log_config log_resolved = log;
      log_resolved.path = resolved(log.path);
      if (!would_follow(log, own) && !would_follow(log_resolved, own_resolved))
        continue;
      bool glob = has_wildcards(log.path);
      throw config_error(source_name_, log.line, log.column,
                         "key '" + log.key + "' follows " + log.path + ", which " +
                           (glob ? "matches" : "is") + " the collector's own log " + own +
                           " (" + own_log_setting_ +
                           "): logcatch would collect what it logs about collecting, "
                           "without end; move the own log" +
                           (glob ? " or add it to the key's exclude" : ""));
    }
  }

  /// `path` with symbolic links resolved in the part before its first
  /// wildcard (the rest is a pattern); lexical where that part does not exist.
  static std::string resolved(const std::string& path) {
    fs::path literal;
    fs::path pattern;
    for (const auto& part : fs::path(path)) {
      if (pattern.empty() && !has_wildcards(part.string()))
        literal /= part;
      else
        pattern /= part;
    }
    std::error_code ec;
    fs::path real = fs::weakly_canonical(literal, ec);
    if (ec)
      return path;
    return (pattern.empty() ? real : real / pattern).lexically_normal().string();
  }

  YAML::Mark sink_path_mark_;
  std::string source_name_;
  fs::path base_dir_;
  collector_config config_;
  std::map<std::string, int> key_lines_; // log key -> line of its first declaration
  const entry* self_log_section_ = nullptr;
  std::string own_log_setting_; // where the own log file is set: "log.path, line 7"
};

fs::path absolute_dir(const std::string& dir) {
  fs::path path = dir.empty() ? fs::path(".") : fs::path(dir);
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  return (ec ? path : absolute).lexically_normal();
}

/// A loader for the file at `path`: its folder made absolute (relative paths
/// in it resolve there), errors naming `path` as given.
loader loader_for_file(const std::string& path) {
  fs::path file(path);
  // The folder was just read through, so it exists and canonical() normally
  // succeeds; the lexical form covers a folder removed in between.
  std::error_code ec;
  fs::path dir = fs::canonical(file.parent_path().empty() ? fs::path(".") : file.parent_path(), ec);
  if (ec)
    dir = absolute_dir(file.parent_path().string());
  return loader(path, (dir / file.filename()).string(), dir);
}

} // namespace

collector_config load_config_file(const std::string& path) {
  std::string text = file_text(path);
  return loader_for_file(path).load(text);
}

aggregator_config load_aggregator_config_file(const std::string& path) {
  std::string text = file_text(path);
  return loader_for_file(path).load_aggregator(text);
}

aggregator_config load_aggregator_config_text(const std::string& yaml,
                                              const std::string& source_name,
                                              const std::string& base_dir) {
  return loader(source_name, source_name, absolute_dir(base_dir)).load_aggregator(yaml);
}

collector_config load_config_text(const std::string& yaml, const std::string& source_name,
                                  const std::string& base_dir) {
  return loader(source_name, source_name, absolute_dir(base_dir)).load(yaml);
}

bool would_follow(const log_config& log, const std::string& file) {
  if (!has_wildcards(log.path))
    return log.path == file; // exclude applies to glob keys only, as in file_set
  // glob(3) without flags: wildcards stop at '/' and match no leading '.'.
  if (::fnmatch(log.path.c_str(), file.c_str(), FNM_PATHNAME | FNM_PERIOD) != 0)
    return false;
  auto name = fs::path(file).filename().string();
  for (const auto& pattern : log.exclude) {
    bool on_path = pattern.find('/') != std::string::npos;
    if (::fnmatch(pattern.c_str(), on_path ? file.c_str() : name.c_str(),
                  on_path ? FNM_PATHNAME : 0) == 0)
      return false;
  }
  return true;
}

std::optional<std::string> postgresql_dsn_problem(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? error : "cannot be parsed (out of memory?)";
    PQfreemem(error);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
      why.pop_back();
    return why;
  }
  PQconninfoFree(options);
  return std::nullopt;
}

std::optional<std::string> clickhouse_url_problem(const std::string& url) {
  std::string_view rest(url);
  if (rest.substr(0, 7) == "http://")
    rest.remove_prefix(7);
  else if (rest.substr(0, 8) == "https://")
    rest.remove_prefix(8);
  else
    return "expected http://HOST:PORT (ClickHouse's HTTP interface), got '" + url + "'";
  if (!rest.empty() && rest.back() == '/')
    rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.find('?') != std::string_view::npos)
    return "expected no path or query after HOST:PORT, got '" + url + "'";
  std::string host_port(rest);
  std::size_t host_end = host_port.size();
  if (!host_port.empty() && host_port.front() == '[') // [IPv6]:port
    host_end = host_port.find(']') == std::string::npos ? 0 : host_port.find(']') + 1;
  else if (host_port.rfind(':') != std::string::npos)
    host_end = host_port.rfind(':');
  if (host_end == 0 || host_port.substr(0, host_end) == "[]")
    return "no host in '" + url + "'";
  if (host_end < host_port.size()) {
    if (host_port[host_end] != ':')
      return "expected HOST:PORT, got '" + url + "'";
    auto port = host_port.substr(host_end + 1);
    unsigned value = 0;
    auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || err != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535)
      return "bad port '" + port + "' in '" + url + "'";
  }
  return std::nullopt;
}

bool valid_sql_name(const std::string& name) {
  if (name.empty() || name.size() > 63 || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || std::isalnum(static_cast<unsigned char>(c)) != 0;
  });
}

std::string read_token_file(const std::string& path) {
  std::string text = file_text(path);
  std::string token = text.substr(0, text.find('\n'));
  if (!token.empty() && token.back() == '\r')
    token.pop_back();
  if (token.empty())
    throw config_error(path, 0, 0, "its first line is empty");
  return token;
}

std::string summarize(const collector_config& config) {
  std::string keys;
  for (const auto& log : config.logs)
    keys += (keys.empty() ? "" : ", ") + log.key;
  std::string out = config.source_file + ": ok: " + std::to_string(config.logs.size()) +
                    (config.logs.size() == 1 ? " key (" : " keys (") + keys + "), sink ";
  const auto& sink = config.sink;
  if (sink.type == sink_type::remote) {
    out += "remote (aggregator " + sink.host + ":" + std::to_string(sink.port) + " as node " +
           sink.node + (sink.tls.enabled() ? ", TLS" : "") + ")";
  } else if (sink.type == sink_type::postgresql) {
    out += "postgresql (table " + sink.database.table + ")";
  } else if (sink.type == sink_type::clickhouse) {
    out += "clickhouse (" + sink.database.url + ", table " + sink.database.database + "." +
           sink.database.table + ")";
  } else {
    out += sink.type == sink_type::file ? "file" : "stdout";
    out += sink.format == output_format::json ? "/json" : "/plain";
    if (sink.type == sink_type::file)
      out += " (" + sink.path + ")";
  }
  out += ", max_restarts " + std::to_string(config.supervision.max_restarts) + " in " +
         format_duration(config.supervision.window);
  return out;
}

} // namespace logcatch

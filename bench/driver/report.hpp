#pragma once

// One scenario's results: named figures in a fixed order, printed as a
// human table and as one JSON object per scenario.

#include <cstdint>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

namespace logcatch::bench {

struct figure {
  std::string name;                              ///< snake_case, the JSON key
  std::variant<double, int64_t, std::string> value;
  std::string unit;                              ///< for the table ("MB/s", "ms", ...)
};

struct scenario_result {
  std::string scenario;    ///< "bulk", "live", ...
  std::string variant;     ///< "plain", "json", "cat", "8 files", ...
  std::vector<figure> figures;
  uint64_t lost = 0;
  uint64_t duplicated = 0;
  bool verified = false;   ///< lost/duplicated were checked line by line
  std::string note;        ///< why it could not run, or a remark
  std::string collector = "logcatch"; ///< or the peer (--compare) that was measured

  void add(std::string name, double value, std::string unit = {});
  void add_count(std::string name, int64_t value, std::string unit = {});
  void add_text(std::string name, std::string value);
  bool clean() const { return verified && lost == 0 && duplicated == 0; }
};

/// Rows of "scenario variant: name value unit, ..." and a lost/dup column.
void print_table(std::ostream& out, const std::vector<scenario_result>& results);

/// Adds `ratio_to_logcatch` to each peer's row: its headline throughput over
/// logcatch's on the same workload (bulk: MB/s, live: delivered lines/s).
void add_peer_ratios(std::vector<scenario_result>& results);

/// The bulk and live workloads that ran through peers (--compare), side by
/// side: each peer's throughput as a ratio to logcatch's on the same workload.
void print_comparison(std::ostream& out, const std::vector<scenario_result>& results);

/// One JSON object per result, one per line.
void write_json(std::ostream& out, const std::vector<scenario_result>& results);

} // namespace logcatch::bench

#pragma once

// The model side of the simulation: which lines were written, in which
// physical files each of them still lives, and therefore which lines must
// arrive and which may be lost (their last copy was destroyed by a truncate
// or a delete before they were committed). The verdict compares the sink's
// output with it: lost, duplicated, out of order within a reading.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace logcatch::sim {

/// A line as the simulation writes it: "s<stream> <seq> <filler>".
struct line_ref {
  uint32_t stream = 0;
  uint64_t seq = 0;
  friend bool operator<(const line_ref& a, const line_ref& b) {
    return a.stream != b.stream ? a.stream < b.stream : a.seq < b.seq;
  }
};

/// A line in the sink's output, with the reading that delivered it.
struct delivered_line {
  line_ref line;
  uint64_t reading = 0;
};

struct verdict {
  uint64_t written = 0;
  uint64_t must = 0; ///< written and never at risk
  uint64_t delivered = 0;
  uint64_t lost = 0;
  uint64_t duplicated = 0;
  uint64_t out_of_order = 0;
  std::string examples; ///< the first few faults, for the failure message
  bool ok() const { return lost == 0 && duplicated == 0 && out_of_order == 0; }
};

class delivery_model {
public:
  /// A new line of `stream`; its text (without '\n') goes to `file`.
  line_ref write(uint32_t stream, uint64_t file);
  /// Every line of `from` now also lives in `to` (a copy).
  void copy(uint64_t from, uint64_t to);
  /// `file` lost its content (truncated, deleted). A line whose last copy
  /// goes and that `committed` does not hold may be lost.
  template <class Committed>
  void destroy(uint64_t file, Committed&& committed) {
    auto it = files_.find(file);
    if (it == files_.end())
      return;
    for (auto& l : it->second) {
      auto& info = lines_[l];
      if (--info.copies == 0 && !committed(l))
        info.at_risk = true;
    }
    files_.erase(it);
  }
  uint64_t written() const { return lines_.size(); }
  /// Whether some line of `file` satisfies `f`.
  template <class F>
  bool any_line(uint64_t file, F&& f) const {
    auto it = files_.find(file);
    if (it == files_.end())
      return false;
    for (auto& l : it->second)
      if (f(l))
        return true;
    return false;
  }
  /// Every line of `file` may be lost (a file compressed before the
  /// collector read any of it: its .gz is never read).
  void put_at_risk(uint64_t file) {
    auto it = files_.find(file);
    if (it == files_.end())
      return;
    for (auto& l : it->second)
      lines_[l].at_risk = true;
  }

  verdict judge(const std::vector<delivered_line>& output) const;

  /// The parsed reference of a line's text, if it is one of ours.
  static bool parse(const char* data, std::size_t n, line_ref& out);
  static std::string text(const line_ref& l, std::size_t filler);

private:
  struct line_info {
    uint32_t copies = 0;
    bool at_risk = false;
  };
  std::map<line_ref, line_info> lines_;
  std::map<uint64_t, std::vector<line_ref>> files_;
};

} // namespace logcatch::sim

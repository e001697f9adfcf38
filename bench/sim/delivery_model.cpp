#include "bench/sim/delivery_model.hpp"

#include <cstdlib>
#include <string_view>

namespace logcatch::sim {

line_ref delivery_model::write(uint32_t stream, uint64_t file) {
  uint64_t seq = 0;
  auto next = lines_.lower_bound(line_ref{stream + 1, 0});
  if (next != lines_.begin()) {
    auto last = std::prev(next);
    if (last->first.stream == stream)
      seq = last->first.seq + 1;
  }
  line_ref l{stream, seq};
  lines_[l].copies = 1;
  files_[file].push_back(l);
  return l;
}

void delivery_model::copy(uint64_t from, uint64_t to) {
  auto it = files_.find(from);
  if (it == files_.end())
    return;
  auto lines = it->second;
  for (auto& l : lines)
    ++lines_[l].copies;
  auto& dest = files_[to];
  dest.insert(dest.end(), lines.begin(), lines.end());
}

bool delivery_model::parse(const char* data, std::size_t n, line_ref& out) {
  std::string_view s(data, n);
  if (s.size() < 4 || s[0] != 's')
    return false;
  auto space = s.find(' ');
  if (space == std::string_view::npos)
    return false;
  auto space2 = s.find(' ', space + 1);
  if (space2 == std::string_view::npos)
    return false;
  std::string a(s.substr(1, space - 1)), b(s.substr(space + 1, space2 - space - 1));
  char* end = nullptr;
  out.stream = static_cast<uint32_t>(std::strtoul(a.c_str(), &end, 10));
  if (a.empty() || *end != '\0')
    return false;
  out.seq = std::strtoull(b.c_str(), &end, 10);
  return !b.empty() && *end == '\0';
}

std::string delivery_model::text(const line_ref& l, std::size_t filler) {
  std::string t = "s" + std::to_string(l.stream) + " " + std::to_string(l.seq) + " ";
  for (std::size_t i = 0; i < filler; ++i)
    t += static_cast<char>('a' + (l.seq + i) % 26);
  return t;
}

verdict delivery_model::judge(const std::vector<delivered_line>& output) const {
  verdict v;
  v.written = lines_.size();
  v.delivered = output.size();
  std::map<line_ref, uint32_t> seen;
  std::map<std::pair<uint64_t, uint32_t>, uint64_t> last_in_reading; // (reading, stream) -> seq
  int noted = 0;
  auto note = [&](const std::string& what) {
    if (++noted <= 6)
      v.examples += what + "\n";
  };
  for (auto& d : output) {
    if (++seen[d.line] == 2) {
      ++v.duplicated;
      note("duplicated: s" + std::to_string(d.line.stream) + " " + std::to_string(d.line.seq));
    }
    auto key = std::make_pair(d.reading, d.line.stream);
    auto it = last_in_reading.find(key);
    if (it != last_in_reading.end() && d.line.seq <= it->second) {
      ++v.out_of_order;
      note("out of order in reading " + std::to_string(d.reading) + ": s" +
           std::to_string(d.line.stream) + " " + std::to_string(d.line.seq) + " after " +
           std::to_string(it->second));
    }
    last_in_reading[key] = d.line.seq;
  }
  for (auto& [l, info] : lines_) {
    if (!info.at_risk)
      ++v.must;
    if (!info.at_risk && seen.count(l) == 0) {
      ++v.lost;
      note("lost: s" + std::to_string(l.stream) + " " + std::to_string(l.seq));
    }
  }
  return v;
}

} // namespace logcatch::sim

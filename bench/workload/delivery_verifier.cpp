#include "bench/workload/delivery_verifier.hpp"

#include <cstring>
#include <string_view>

namespace logcatch {

void delivery_verifier::on_line(const char* data, std::size_t n) {
  std::string_view line(data, n);
  auto space = line.find(' ');
  if (space == std::string_view::npos || space == 0) {
    std::lock_guard<std::mutex> guard{mtx_};
    ++malformed_;
    return;
  }
  auto stream = line.substr(0, space);
  uint64_t seq = 0;
  std::size_t i = space + 1;
  std::size_t digits = 0;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i, ++digits)
    seq = seq * 10 + static_cast<uint64_t>(line[i] - '0');
  std::lock_guard<std::mutex> guard{mtx_};
  if (digits == 0 || digits > 18) {
    ++malformed_;
    return;
  }
  auto it = streams_.find(stream);
  if (it == streams_.end())
    it = streams_.emplace(std::string(stream), stream_state{}).first;
  auto& st = it->second;
  ++st.delivered;
  if (st.seen.size() <= seq)
    st.seen.resize(seq + 1 + st.seen.size() / 2, 0);
  auto& copies = st.seen[seq];
  auto segment = segment_lines_ == 0 ? 0 : seq / segment_lines_;
  auto highest = st.highest.find(segment);
  if (copies > 0) {
    ++st.duplicated;
  } else {
    ++st.unique;
    if (highest != st.highest.end() && seq < highest->second)
      ++st.out_of_order;
  }
  if (copies < 255)
    ++copies;
  if (highest == st.highest.end())
    st.highest.emplace(segment, seq);
  else if (seq > highest->second)
    highest->second = seq;
}

void delivery_verifier::on_text(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos)
      nl = text.size();
    on_line(text.data() + pos, nl - pos);
    pos = nl + 1;
  }
}

uint64_t delivery_verifier::unique(const std::string& stream) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = streams_.find(stream);
  return it == streams_.end() ? 0 : it->second.unique;
}

uint64_t delivery_verifier::malformed() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return malformed_;
}

std::vector<delivery_verifier::stream_report>
delivery_verifier::report(const std::map<std::string, uint64_t>& written) const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<stream_report> result;
  for (auto& [name, count] : written) {
    stream_report r;
    r.stream = name;
    r.written = count;
    auto it = streams_.find(name);
    if (it != streams_.end()) {
      auto& st = it->second;
      r.delivered = st.delivered;
      r.duplicated = st.duplicated;
      r.out_of_order = st.out_of_order;
      for (uint64_t seq = 0; seq < count && seq < st.seen.size(); ++seq)
        if (st.seen[seq] > 0)
          ++r.unique;
      // Lines numbered at or beyond `count` were never written: count them
      // as duplicates of nothing, i.e. corruption, so they fail the check.
      r.duplicated += st.unique - r.unique;
    }
    r.lost = count - r.unique;
    result.push_back(r);
  }
  return result;
}

bool delivery_verifier::clean(const std::vector<stream_report>& reports, uint64_t malformed) {
  if (malformed > 0)
    return false;
  for (auto& r : reports)
    if (r.lost != 0 || r.duplicated != 0 || r.out_of_order != 0)
      return false;
  return true;
}

} // namespace logcatch

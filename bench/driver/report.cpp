#include "bench/driver/report.hpp"

#include <cmath>
#include <cstdio>
#include <optional>

namespace logcatch::bench {

namespace {

std::string number(double v) {
  char buf[64];
  if (std::fabs(v) >= 100 || v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (std::fabs(v) >= 1)
    std::snprintf(buf, sizeof buf, "%.2f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string text_of(const figure& f) {
  if (auto* d = std::get_if<double>(&f.value))
    return number(*d);
  if (auto* i = std::get_if<int64_t>(&f.value))
    return std::to_string(*i);
  return std::get<std::string>(f.value);
}

} // namespace

void scenario_result::add(std::string name, double value, std::string unit) {
  figures.push_back(figure{std::move(name), value, std::move(unit)});
}

void scenario_result::add_count(std::string name, int64_t value, std::string unit) {
  figures.push_back(figure{std::move(name), value, std::move(unit)});
}

void scenario_result::add_text(std::string name, std::string value) {
  figures.push_back(figure{std::move(name), std::move(value), {}});
}

void print_table(std::ostream& out, const std::vector<scenario_result>& results) {
  for (const auto& r : results) {
    out << r.scenario << " " << r.variant;
    if (r.collector != "logcatch")
      out << " [" << r.collector << "]";
    out << ": ";
    bool first = true;
    for (const auto& f : r.figures) {
      out << (first ? "" : ", ") << f.name << " " << text_of(f) << (f.unit.empty() ? "" : " ")
          << f.unit;
      first = false;
    }
    if (r.verified)
      out << (first ? "" : ", ") << "lost " << r.lost << ", dup " << r.duplicated;
    if (!r.note.empty())
      out << " (" << r.note << ")";
    out << "\n";
  }
}

namespace {

/// The figure a comparison ranks by: what the workload is about.
const char* headline_of(const scenario_result& r) {
  return r.scenario == "bulk" ? "mb_per_s" : "delivered_lines_per_s";
}

std::optional<double> number_of(const scenario_result& r, const std::string& name) {
  for (const auto& f : r.figures)
    if (f.name == name && std::holds_alternative<double>(f.value))
      return std::get<double>(f.value);
  return std::nullopt;
}

const scenario_result* logcatch_row_for(const std::vector<scenario_result>& results,
                                        const scenario_result& peer_row) {
  for (const auto& r : results)
    if (r.collector == "logcatch" && r.scenario == peer_row.scenario && r.variant == peer_row.variant)
      return &r;
  return nullptr;
}

} // namespace

void add_peer_ratios(std::vector<scenario_result>& results) {
  for (auto& r : results) {
    if (r.collector == "logcatch")
      continue;
    auto* own = logcatch_row_for(results, r);
    auto theirs = number_of(r, headline_of(r));
    auto ours = own != nullptr ? number_of(*own, headline_of(r)) : std::nullopt;
    if (theirs && ours && *ours > 0)
      r.add("ratio_to_logcatch", *theirs / *ours);
  }
}

void print_comparison(std::ostream& out, const std::vector<scenario_result>& results) {
  bool header = false;
  for (const auto& own : results) {
    if (own.collector != "logcatch")
      continue;
    std::string line;
    for (const auto& r : results) {
      if (r.collector == "logcatch" || r.scenario != own.scenario || r.variant != own.variant)
        continue;
      auto theirs = number_of(r, headline_of(r));
      auto ratio = number_of(r, "ratio_to_logcatch");
      line += " | " + r.collector + " " + (theirs ? number(*theirs) : "-") +
              (ratio ? " (" + number(*ratio) + "x)" : "") +
              (r.verified ? ", lost " + std::to_string(r.lost) + ", dup " + std::to_string(r.duplicated)
                          : "");
    }
    if (line.empty())
      continue;
    if (!header)
      out << "\nside by side (" << "bulk: MB/s, live: delivered lines/s; (Nx) = as a ratio to logcatch):\n";
    header = true;
    auto ours = number_of(own, headline_of(own));
    out << own.scenario << " " << own.variant << ": logcatch " << (ours ? number(*ours) : "-") << line
        << "\n";
  }
}

void write_json(std::ostream& out, const std::vector<scenario_result>& results) {
  for (const auto& r : results) {
    out << "{\"scenario\":" << json_string(r.scenario) << ",\"variant\":" << json_string(r.variant)
        << ",\"collector\":" << json_string(r.collector);
    for (const auto& f : r.figures) {
      out << "," << json_string(f.name) << ":";
      if (std::holds_alternative<std::string>(f.value))
        out << json_string(std::get<std::string>(f.value));
      else
        out << text_of(f);
    }
    if (r.verified)
      out << ",\"lost\":" << r.lost << ",\"duplicated\":" << r.duplicated;
    if (!r.note.empty())
      out << ",\"note\":" << json_string(r.note);
    out << "}\n";
  }
}

} // namespace logcatch::bench

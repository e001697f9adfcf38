#include "bench/driver/report.hpp"

#include <cmath>
#include <cstdio>

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
    out << r.scenario << " " << r.variant << ": ";
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

void write_json(std::ostream& out, const std::vector<scenario_result>& results) {
  for (const auto& r : results) {
    out << "{\"scenario\":" << json_string(r.scenario) << ",\"variant\":" << json_string(r.variant);
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

#include "main/top/top_table.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "main/top/human_units.hpp"

namespace logcatch {

namespace {

std::size_t display_width(const std::string& text) {
  // Code points: continuation bytes (10xxxxxx) take no column of their own.
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string pad_right(const std::string& text, std::size_t width) {
  auto w = display_width(text);
  return w >= width ? text : text + std::string(width - w, ' ');
}

std::string pad_left(const std::string& text, std::size_t width) {
  auto w = display_width(text);
  return w >= width ? text : std::string(width - w, ' ') + text;
}

std::string trim_right(std::string text) {
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

template <class T, class Format>
std::string or_dash(const std::optional<T>& value, Format format) {
  return value ? format(*value) : std::string("-");
}

constexpr std::size_t column_gap = 2;
constexpr std::size_t min_key_width = 8;
constexpr std::size_t min_error_width = 10;

} // namespace

std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += c == '\n' || c == '\t' || c == '\r' ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : char(c);
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence passes unless it is a C1 control
    // (U+0080..U+009F, which some terminals obey); anything else is '?'.
    std::size_t length = 0;
    if (c >= 0xC2 && c < 0xE0)
      length = 2;
    else if (c >= 0xE0 && c < 0xF0)
      length = 3;
    else if (c >= 0xF0 && c < 0xF5)
      length = 4;
    bool ok = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; ok && k < length; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0)
      ok = false;
    if (!ok) {
      out += '?';
      ++i;
      continue;
    }
    out.append(text, i, length);
    i += length;
  }
  return out;
}

std::string fit_width(const std::string& text, std::size_t width) {
  if (display_width(text) <= width)
    return text;
  std::string ellipsis = width >= 3 ? "..." : "";
  std::size_t keep = width - ellipsis.size();
  std::string out;
  std::size_t points = 0;
  for (char c : text) {
    bool starts_point = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_point && points++ == keep)
      break;
    out += c;
  }
  return out + ellipsis;
}

std::string render_top_table(const top_view& view, const top_table_options& options) {
  // Cells first, so every column is as wide as its widest cell.
  constexpr std::size_t numbers = 4;
  const std::array<const char*, numbers> number_headers{"LINES/S", "BYTES/S", "LAG", "RESTARTS"};
  struct cells {
    std::string key;
    std::array<std::string, numbers> number;
    std::string error;
  };
  std::vector<cells> rows;
  for (const auto& r : view.rows) {
    cells c;
    c.key = printable(r.key);
    c.number = {or_dash(r.lines_per_s, format_count_rate), or_dash(r.bytes_per_s, format_byte_rate),
                or_dash(r.lag_bytes, format_bytes), format_count(r.restarts)};
    c.error = printable(r.last_error);
    if (r.failing)
      c.error = c.error.empty() ? "FAILING" : "FAILING: " + c.error;
    rows.push_back(std::move(c));
  }

  std::size_t key_width = std::string("KEY").size();
  std::size_t error_width = std::string("LAST ERROR").size();
  std::array<std::size_t, numbers> number_width{};
  // Wide enough for most values ("999.9k/s", "1023.9 KiB/s", "1023.9 MiB"),
  // so columns do not jump when rates appear or grow.
  const std::array<std::size_t, numbers> usual_width{8, 12, 10, 8};
  for (std::size_t i = 0; i < numbers; ++i)
    number_width[i] = std::max(usual_width[i], std::string(number_headers[i]).size());
  for (const auto& c : rows) {
    key_width = std::max(key_width, display_width(c.key));
    error_width = std::max(error_width, display_width(c.error));
    for (std::size_t i = 0; i < numbers; ++i)
      number_width[i] = std::max(number_width[i], display_width(c.number[i]));
  }
  if (options.width > 0) {
    // The numbers keep their width; the key and the error share the rest,
    // the error giving way first.
    std::size_t fixed = column_gap * (numbers + 1);
    for (auto w : number_width)
      fixed += w;
    std::size_t room = options.width > fixed ? options.width - fixed : 0;
    if (key_width + error_width > room) {
      std::size_t error_floor = std::min(error_width, min_error_width);
      std::size_t key_floor = std::min(key_width, min_key_width);
      key_width = std::min(key_width, std::max(key_floor, room > error_floor ? room - error_floor : 0));
      error_width = room > key_width ? room - key_width : 0;
    }
  }

  auto row_line = [&](const std::string& key, const std::array<std::string, numbers>& number,
                      const std::string& error) {
    std::string gap(column_gap, ' ');
    std::string line = pad_right(fit_width(key, key_width), key_width);
    for (std::size_t i = 0; i < numbers; ++i)
      line += gap + pad_left(number[i], number_width[i]);
    line += gap + fit_width(error, error_width);
    return line;
  };

  std::vector<std::string> lines;
  if (!options.title.empty())
    lines.push_back(options.title);
  if (!options.status.empty())
    lines.push_back(printable(options.status));
  lines.push_back(row_line("KEY", {number_headers[0], number_headers[1], number_headers[2], number_headers[3]},
                           "LAST ERROR"));

  auto lines_rate = [](double per_second) {
    auto text = format_count_rate(per_second); // "1.2k/s" -> "1.2k lines/s"
    auto unit = text.rfind("/s");
    return unit == std::string::npos ? text : text.substr(0, unit) + " lines/s";
  };
  std::string footer = "sink " + or_dash(view.sink_lines_per_s, lines_rate) + ", " +
                       or_dash(view.sink_bytes_per_s, format_byte_rate);
  if (view.sink_write_errors)
    footer += ", " + format_count(*view.sink_write_errors) + " write errors";
  if (view.remote_connected)
    footer += *view.remote_connected ? ", remote connected" : ", remote DISCONNECTED";
  footer += "   rss " + or_dash(view.resident_bytes, format_bytes);
  if (view.uptime_seconds)
    footer += "   up " + format_uptime(*view.uptime_seconds);
  if (!view.version.empty())
    footer += "   logcatch " + printable(view.version);

  // With a height limit, rows that do not fit become one "more" line.
  std::size_t shown = rows.size();
  if (options.height > 0) {
    std::size_t room = options.height > lines.size() + 1 ? options.height - lines.size() - 1 : 0;
    if (shown > room)
      shown = room > 0 ? room - 1 : 0;
  }
  if (rows.empty())
    lines.push_back("(no keys)");
  for (std::size_t i = 0; i < shown; ++i)
    lines.push_back(row_line(rows[i].key, rows[i].number, rows[i].error));
  if (shown < rows.size())
    lines.push_back("... " + std::to_string(rows.size() - shown) + " more keys (make the window taller)");
  lines.push_back(footer);

  std::string out;
  for (auto& line : lines) {
    out += trim_right(options.width > 0 ? fit_width(line, options.width) : line);
    out += '\n';
  }
  return out;
}

} // namespace logcatch

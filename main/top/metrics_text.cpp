#include "main/top/metrics_text.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace logcatch {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

/// A cursor over one line; every parse step either advances or reports why not.
class line_reader {
public:
  explicit line_reader(std::string_view line) : line_(line) {}

  bool at_end() const { return pos_ >= line_.size(); }
  char peek() const { return at_end() ? '\0' : line_[pos_]; }
  void skip_blanks() {
    while (!at_end() && is_blank(line_[pos_]))
      ++pos_;
  }
  bool consume(char c) {
    if (peek() != c)
      return false;
    ++pos_;
    return true;
  }

  /// A metric name, or (with `label`) a label name, which may not hold ':'.
  std::string name(bool label) {
    auto start = pos_;
    if (!at_end() && is_name_start(line_[pos_]) && !(label && line_[pos_] == ':'))
      ++pos_;
    else
      return {};
    while (!at_end() && is_name_char(line_[pos_]) && !(label && line_[pos_] == ':'))
      ++pos_;
    return std::string(line_.substr(start, pos_ - start));
  }

  /// A double-quoted label value after the opening quote, unescaped.
  std::optional<std::string> quoted_rest(std::string& cause) {
    std::string value;
    while (!at_end()) {
      char c = line_[pos_++];
      if (c == '"')
        return value;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (at_end())
        break;
      char e = line_[pos_++];
      if (e == '\\' || e == '"')
        value += e;
      else if (e == 'n')
        value += '\n';
      else {
        cause = std::string("unknown escape \\") + e + " in a label value";
        return std::nullopt;
      }
    }
    cause = "unterminated label value";
    return std::nullopt;
  }

  /// The next run of non-blank characters.
  std::string_view token() {
    auto start = pos_;
    while (!at_end() && !is_blank(line_[pos_]))
      ++pos_;
    return line_.substr(start, pos_ - start);
  }

private:
  std::string_view line_;
  std::size_t pos_ = 0;
};

/// Go's strconv.ParseFloat spellings as Prometheus writes them: decimals,
/// exponents, NaN, +Inf, -Inf (case-insensitive, as Prometheus reads them).
std::optional<double> parse_value(std::string_view text) {
  bool negative = false;
  std::string_view body = text;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (auto& c : out)
      if (c >= 'A' && c <= 'Z')
        c = static_cast<char>(c - 'A' + 'a');
    return out;
  };
  auto word = lower(body);
  if (word == "nan" && body.size() == text.size())
    return std::numeric_limits<double>::quiet_NaN();
  if (word == "inf" || word == "infinity")
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  if (body.empty() || !((body.front() >= '0' && body.front() <= '9') || body.front() == '.'))
    return std::nullopt;
  double value = 0;
  auto [end, err] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (end != body.data() + body.size())
    return std::nullopt;
  if (err == std::errc::result_out_of_range)
    value = std::numeric_limits<double>::infinity(); // as ParseFloat: overflow is +-Inf
  else if (err != std::errc())
    return std::nullopt;
  return negative ? -value : value;
}

bool is_timestamp(std::string_view text) {
  if (!text.empty() && text.front() == '-')
    text.remove_prefix(1);
  if (text.empty())
    return false;
  for (char c : text)
    if (c < '0' || c > '9')
      return false;
  return true;
}

/// One non-blank, non-comment line; nullopt with `cause` set when malformed.
std::optional<metric_sample> parse_sample(std::string_view line, std::string& cause) {
  line_reader in{line};
  metric_sample sample;
  sample.name = in.name(false);
  if (sample.name.empty()) {
    cause = "expected a metric name";
    return std::nullopt;
  }
  in.skip_blanks();
  if (in.consume('{')) {
    for (;;) {
      in.skip_blanks();
      if (in.consume('}'))
        break;
      auto label = in.name(true);
      if (label.empty()) {
        cause = in.at_end() ? "unterminated label set" : "expected a label name";
        return std::nullopt;
      }
      in.skip_blanks();
      if (!in.consume('=')) {
        cause = "expected '=' after label " + label;
        return std::nullopt;
      }
      in.skip_blanks();
      if (!in.consume('"')) {
        cause = "expected '\"' to open the value of label " + label;
        return std::nullopt;
      }
      auto value = in.quoted_rest(cause);
      if (!value)
        return std::nullopt;
      if (!sample.labels.emplace(label, std::move(*value)).second) {
        cause = "label " + label + " given twice";
        return std::nullopt;
      }
      in.skip_blanks();
      if (in.consume(','))
        continue; // 0.0.4 allows a trailing comma before '}'
      if (in.consume('}'))
        break;
      cause = "expected ',' or '}' in the label set";
      return std::nullopt;
    }
  }
  in.skip_blanks();
  auto value_text = in.token();
  if (value_text.empty()) {
    cause = "missing value after " + sample.name;
    return std::nullopt;
  }
  auto value = parse_value(value_text);
  if (!value) {
    constexpr std::size_t shown = 40; // the cause is for people: a hint, not a dump
    cause = "bad value '" + std::string(value_text.substr(0, shown)) +
            (value_text.size() > shown ? "...'" : "'");
    return std::nullopt;
  }
  sample.value = *value;
  in.skip_blanks();
  if (!in.at_end()) {
    auto timestamp = in.token();
    in.skip_blanks();
    if (!is_timestamp(timestamp) || !in.at_end()) {
      cause = "unexpected text after the value";
      return std::nullopt;
    }
  }
  return sample;
}

} // namespace

metrics_text parse_metrics_text(std::string_view text) {
  metrics_text page;
  std::size_t number = 0;
  while (!text.empty()) {
    auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++number;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    std::size_t first = 0;
    while (first < line.size() && is_blank(line[first]))
      ++first;
    line.remove_prefix(first);
    if (line.empty() || line.front() == '#')
      continue;
    std::string cause;
    if (auto sample = parse_sample(line, cause))
      page.samples.push_back(std::move(*sample));
    else
      page.errors.push_back(metrics_text_error{number, std::move(cause)});
  }
  return page;
}

} // namespace logcatch

#include "actors/sink/checkpoint_file.hpp"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <zlib.h>

namespace logcatch {

namespace {

constexpr const char* header_word = "logcatch-state";
constexpr int version = 3;
constexpr int oldest_version = 1;   // 1: no READING field; 2: no output identity
constexpr int first_with_reading = 2;
constexpr int first_with_identity = 3;
constexpr const char* trailer_word = "crc32";
constexpr std::size_t file_fields = 10;
constexpr std::size_t sink_fields = 7;
constexpr const char* hex_digits = "0123456789ABCDEF";

/// CRC-32 (IEEE 802.3, reflected): zlib's, several times faster than a
/// byte-wise table over a state file of ten thousand positions.
uint32_t state_crc32(const char* data, std::size_t n) {
  uLong c = ::crc32(0L, Z_NULL, 0);
  while (n > 0) {
    auto chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    c = ::crc32(c, reinterpret_cast<const Bytef*>(data), chunk);
    data += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(c);
}

std::string hex8(uint32_t v) {
  std::string s(8, '0');
  for (int i = 7; i >= 0; --i, v >>= 4)
    s[static_cast<std::size_t>(i)] = hex_digits[v & 0xF];
  return s;
}

bool needs_escape(unsigned char c) { return c < 0x21 || c == 0x7F || c == '%'; }

/// Percent-encodes the bytes that would break the line and field structure.
std::string escape_bytes(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (needs_escape(c)) {
      out += '%';
      out += hex_digits[c >> 4];
      out += hex_digits[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string escape(const std::string& s) {
  // "-" stands for the empty string, since a field cannot be empty.
  if (s.empty())
    return "-";
  return s == "-" ? "%2D" : escape_bytes(s);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// A piece of file text fit for an error message: escaped and cut short.
std::string quoted(const std::string& s) {
  constexpr std::size_t max_shown = 40;
  auto e = escape_bytes(s.substr(0, max_shown));
  return "'" + e + (s.size() > max_shown ? "...'" : "'");
}

enum class number_status { ok, not_a_number, out_of_range };

/// Reads the decimal digits of `s` from `from` on into `out`, up to `max`.
number_status parse_digits(const std::string& s, std::size_t from, uint64_t max, uint64_t& out) {
  if (from >= s.size())
    return number_status::not_a_number;
  out = 0;
  for (std::size_t i = from; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9')
      return number_status::not_a_number;
    auto digit = static_cast<uint64_t>(s[i] - '0');
    if (out > (max - digit) / 10)
      return number_status::out_of_range;
    out = out * 10 + digit;
  }
  return number_status::ok;
}

/// Parses one line's fields, throwing checkpoint_error at that line.
class record_parser {
public:
  record_parser(const std::string& source, std::size_t line_no) : source_(source), line_no_(line_no) {}

  [[noreturn]] void fail(const std::string& cause) const { throw checkpoint_error(source_, line_no_, cause); }

  void check_number(number_status status, const std::string& field, const char* name) const {
    if (status == number_status::not_a_number)
      fail(std::string("bad record: ") + name + " is not a number: " + quoted(field));
    if (status == number_status::out_of_range)
      fail(std::string("bad record: ") + name + " is out of range: " + quoted(field));
  }

  std::string text(const std::string& field, const char* name) const {
    if (field.empty())
      fail(std::string("bad record: empty ") + name + " field");
    if (field == "-")
      return {};
    std::string out;
    out.reserve(field.size());
    for (std::size_t i = 0; i < field.size(); ++i) {
      auto c = static_cast<unsigned char>(field[i]);
      if (c == '%') {
        int hi = i + 2 < field.size() ? hex_value(field[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(field[i + 2]) : -1;
        if (lo < 0)
          fail(std::string("bad record: invalid escape in ") + name + ": " + quoted(field));
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else if (needs_escape(c)) {
        fail(std::string("bad record: unescaped control byte in ") + name);
      } else {
        out += field[i];
      }
    }
    return out;
  }

  uint64_t unsigned_number(const std::string& field, const char* name,
                           uint64_t max = std::numeric_limits<uint64_t>::max()) const {
    uint64_t v = 0;
    check_number(parse_digits(field, 0, max, v), field, name);
    return v;
  }

  int64_t signed_number(const std::string& field, const char* name) const {
    constexpr auto max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    bool negative = !field.empty() && field[0] == '-';
    uint64_t magnitude = 0;
    // -2^63 is representable although +2^63 is not.
    check_number(parse_digits(field, negative ? 1 : 0, negative ? max + 1 : max, magnitude), field, name);
    if (!negative)
      return static_cast<int64_t>(magnitude);
    return magnitude == max + 1 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(magnitude);
  }

private:
  const std::string& source_;
  std::size_t line_no_;
};

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    auto space = line.find(' ', start);
    fields.push_back(line.substr(start, space - start));
    if (space == std::string::npos)
      return fields;
    start = space + 1;
  }
}

std::string errno_text(int err) { return std::strerror(err); }

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Makes a rename in `folder` durable; best effort (the caller cannot do better).
void sync_folder_quietly(const std::string& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  ::fsync(fd);
  ::close(fd);
}

std::string utc_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

/// Why a read of the state file failed, or the file's text.
struct read_outcome {
  bool missing = false;
  std::string error; ///< non-empty: the file exists but cannot be read
  std::string text;
};

read_outcome read_whole(const std::string& path) {
  read_outcome r;
  // O_NONBLOCK: opening a FIFO placed at the path must not hang the start.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT)
      r.missing = true;
    else
      r.error = path + ": cannot open state file: " + errno_text(errno);
    return r;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    r.error = path + ": cannot stat state file: " + errno_text(errno);
  } else if (!S_ISREG(st.st_mode)) {
    r.error = path + ": state file is not a regular file";
  } else {
    char buf[65536];
    for (;;) {
      auto n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        r.error = path + ": cannot read state file: " + errno_text(errno);
        break;
      }
      if (n == 0)
        break;
      r.text.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return r;
}

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

} // namespace

bool operator==(const file_checkpoint& a, const file_checkpoint& b) {
  return a.key == b.key && a.file.device == b.file.device && a.file.inode == b.file.inode &&
         a.file.prefix_len == b.file.prefix_len && a.file.prefix_hash == b.file.prefix_hash &&
         a.offset == b.offset && a.path == b.path && a.updated_ms == b.updated_ms &&
         a.reading == b.reading;
}

bool operator==(const sink_checkpoint& a, const sink_checkpoint& b) {
  return a.has_sink_length == b.has_sink_length && (!a.has_sink_length || a.sink_length == b.sink_length) &&
         a.sink_path == b.sink_path && a.has_sink_identity == b.has_sink_identity &&
         (!a.has_sink_identity ||
          (a.sink_file == b.sink_file && a.sink_file.prefix_len == b.sink_file.prefix_len &&
           a.sink_file.prefix_hash == b.sink_file.prefix_hash)) &&
         a.files == b.files;
}

checkpoint_error::checkpoint_error(const std::string& source, std::size_t line, const std::string& cause)
    : std::runtime_error(source + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + cause),
      source_(source), line_(line), cause_(cause) {}

std::string encode_checkpoint(const sink_checkpoint& state) {
  std::string out;
  out.reserve(64 + state.files.size() * 96);
  out += std::string(header_word) + " " + std::to_string(version) + "\n";
  out += "sink ";
  out += state.has_sink_length ? std::to_string(state.sink_length) : "-";
  if (state.has_sink_identity) {
    const auto& id = state.sink_file;
    for (uint64_t n : {id.device, id.inode, uint64_t{id.prefix_len}, id.prefix_hash})
      out += " " + std::to_string(n);
  } else {
    out += " - - - -";
  }
  out += " " + escape(state.sink_path) + "\n";
  // Appended in place, not through temporaries: ten thousand records per
  // commit, five commits a second.
  auto number = [&out](auto n) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out += ' ';
    out.append(digits, end);
  };
  for (const auto& f : state.files) {
    out += "file ";
    out += escape(f.key);
    for (uint64_t n : {f.file.device, f.file.inode, uint64_t{f.file.prefix_len}, f.file.prefix_hash, f.offset})
      number(n);
    number(f.updated_ms);
    number(f.reading);
    out += ' ';
    out += escape(f.path);
    out += '\n';
  }
  out += std::string(trailer_word) + " " + hex8(state_crc32(out.data(), out.size())) + "\n";
  return out;
}

sink_checkpoint decode_checkpoint(const std::string& text, const std::string& source) {
  auto fail = [&](std::size_t line, const std::string& cause) { throw checkpoint_error(source, line, cause); };
  if (text.empty())
    fail(0, "empty file (truncated)");
  auto nl = text.find('\n');
  if (nl == std::string::npos)
    fail(1, "truncated header (no complete first line)");
  auto header = split_fields(text.substr(0, nl));
  if (header.size() != 2 || header[0] != header_word)
    fail(1, "not a logcatch state file (bad header)");
  int format = 0;
  for (int v = oldest_version; v <= version; ++v)
    if (header[1] == std::to_string(v))
      format = v;
  if (format == 0)
    fail(1, "unsupported version " + quoted(header[1]) + " (this build reads versions " +
              std::to_string(oldest_version) + " to " + std::to_string(version) + ")");
  const std::size_t fields_expected = format >= first_with_reading ? file_fields : file_fields - 1;
  const std::size_t sink_fields_expected = format >= first_with_identity ? sink_fields : sink_fields - 4;

  // Locate and check the trailer before parsing records: a corrupt file is
  // then reported as such rather than by whichever field the damage hit.
  struct line_ref {
    std::string text;
    std::size_t line_no;
  };
  std::vector<line_ref> records;
  std::size_t pos = nl + 1;
  std::size_t line_no = 2;
  const std::string trailer_prefix = std::string(trailer_word) + " ";
  for (;; ++line_no) {
    nl = text.find('\n', pos);
    if (nl == std::string::npos)
      fail(0, "missing checksum trailer (file is truncated)");
    auto line = text.substr(pos, nl - pos);
    if (line.compare(0, trailer_prefix.size(), trailer_prefix) == 0) {
      auto digits = line.substr(trailer_prefix.size());
      bool well_formed = digits.size() == 8;
      uint32_t stored = 0;
      for (char c : digits) {
        int v = hex_value(c);
        well_formed = well_formed && v >= 0;
        stored = (stored << 4) | static_cast<uint32_t>(v < 0 ? 0 : v);
      }
      if (!well_formed)
        fail(line_no, "bad checksum trailer: expected 'crc32' and 8 uppercase hex digits");
      if (stored != state_crc32(text.data(), pos))
        fail(0, "checksum mismatch (file is corrupt)");
      if (nl + 1 != text.size())
        fail(line_no, "unexpected bytes after the checksum trailer");
      break;
    }
    records.push_back({std::move(line), line_no});
    pos = nl + 1;
  }

  sink_checkpoint state;
  bool seen_sink = false;
  for (const auto& rec : records) {
    record_parser p{source, rec.line_no};
    auto fields = split_fields(rec.text);
    if (fields[0] == "sink") {
      if (fields.size() != sink_fields_expected)
        p.fail("bad sink record: expected " + std::to_string(sink_fields_expected) + " fields, got " +
               std::to_string(fields.size()));
      if (seen_sink)
        p.fail("duplicate sink record");
      seen_sink = true;
      state.has_sink_length = fields[1] != "-";
      if (state.has_sink_length)
        state.sink_length = p.unsigned_number(fields[1], "sink length");
      if (format >= first_with_identity) {
        // All known or all unknown: part of an identity names no file.
        state.has_sink_identity = fields[2] != "-" || fields[3] != "-" || fields[4] != "-" || fields[5] != "-";
        if (state.has_sink_identity) {
          auto& id = state.sink_file;
          id.device = p.unsigned_number(fields[2], "sink device");
          id.inode = p.unsigned_number(fields[3], "sink inode");
          id.prefix_len = static_cast<uint32_t>(
            p.unsigned_number(fields[4], "sink prefix_len", std::numeric_limits<uint32_t>::max()));
          id.prefix_hash = p.unsigned_number(fields[5], "sink prefix_hash");
        }
      }
      state.sink_path = p.text(fields.back(), "sink path");
    } else if (fields[0] == "file") {
      if (fields.size() != fields_expected)
        p.fail("bad record: expected " + std::to_string(fields_expected) + " fields, got " +
               std::to_string(fields.size()));
      file_checkpoint f;
      f.key = p.text(fields[1], "key");
      f.file.device = p.unsigned_number(fields[2], "device");
      f.file.inode = p.unsigned_number(fields[3], "inode");
      f.file.prefix_len =
          static_cast<uint32_t>(p.unsigned_number(fields[4], "prefix_len", std::numeric_limits<uint32_t>::max()));
      f.file.prefix_hash = p.unsigned_number(fields[5], "prefix_hash");
      f.offset = p.unsigned_number(fields[6], "offset");
      f.updated_ms = p.signed_number(fields[7], "updated_ms");
      if (format >= first_with_reading)
        f.reading = p.unsigned_number(fields[8], "reading");
      f.path = p.text(fields.back(), "path");
      state.files.push_back(std::move(f));
    } else {
      p.fail("unknown record type " + quoted(fields[0]));
    }
  }
  if (!seen_sink)
    fail(0, "missing sink record");
  return state;
}

checkpoint_file::checkpoint_file(std::string path) : path_(std::move(path)) {}

checkpoint_file::load_result checkpoint_file::load() {
  load_result result;
  auto read = read_whole(path_);
  if (read.missing)
    return result;
  if (read.error.empty()) {
    try {
      result.state = decode_checkpoint(read.text, path_);
      return result;
    } catch (const checkpoint_error& e) {
      result.problem = e.what();
    }
  } else {
    result.problem = read.error;
  }

  // Keep the bad file for inspection, out of the way of the next save.
  auto base = path_ + ".corrupt-" + utc_stamp();
  auto target = base;
  struct stat st {};
  for (int n = 1; ::lstat(target.c_str(), &st) == 0; ++n)
    target = base + "-" + std::to_string(n);
  if (::rename(path_.c_str(), target.c_str()) == 0) {
    sync_folder_quietly(folder_of(path_));
    result.moved_to = target;
    result.problem += "; moved aside to " + target;
  } else {
    result.problem += "; left in place (cannot rename it to " + target + ": " + errno_text(errno) + ")";
  }
  return result;
}

void checkpoint_file::save(const sink_checkpoint& state) {
  const auto text = encode_checkpoint(state);
  const auto tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw_errno(errno, tmp + ": cannot create state file");

  // Closes and removes PATH.tmp, then throws; PATH is not touched.
  auto abandon = [&](int err, const std::string& what) {
    if (fd >= 0)
      ::close(fd);
    ::unlink(tmp.c_str());
    throw_errno(err, what);
  };
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      abandon(errno, tmp + ": cannot write state file");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0)
    abandon(errno, tmp + ": cannot sync state file");
  // close() can report a deferred write error (NFS quota, for one).
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0)
    abandon(errno, tmp + ": cannot close state file");
  if (::rename(tmp.c_str(), path_.c_str()) != 0)
    abandon(errno, path_ + ": cannot replace state file with " + tmp);

  auto folder = folder_of(path_);
  int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    throw_errno(errno, path_ + ": state file replaced but its folder " + folder + " cannot be opened to sync it");
  // EINVAL: the file system cannot sync folders; nothing more can be done.
  if (::fsync(dir) != 0 && errno != EINVAL) {
    int err = errno;
    ::close(dir);
    throw_errno(err, path_ + ": state file replaced but its folder " + folder + " cannot be synced");
  }
  ::close(dir);
}

} // namespace logcatch

#include "bench/sim/sim_files.hpp"

#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>
#include <zlib.h>

namespace fs = std::filesystem;

namespace logcatch::sim {

namespace {

void append_bytes(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("cannot open " + path + " for writing");
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

} // namespace

sim_files::sim_files(const program& p, std::string dir, std::mt19937_64& rng,
                     committed_fn committed)
  : p_(p), dir_(std::move(dir)), rng_(rng), committed_(std::move(committed)) {
  uint32_t first = 0;
  for (auto& k : p_.keys) {
    first_stream_.push_back(first);
    first += k.streams;
  }
}

std::string sim_files::pattern(uint32_t key) const {
  auto& k = p_.keys[key];
  switch (k.shape) {
    case key_shape::plain: return dir_ + "/" + k.name + ".log";
    case key_shape::glob_with_rotated: return dir_ + "/" + k.name + "-*.log*";
    case key_shape::glob_without_rotated: return dir_ + "/" + k.name + "-*.log";
  }
  return {};
}

std::string sim_files::path_of(uint32_t key, uint32_t stream) const {
  auto& k = p_.keys[key];
  if (k.shape == key_shape::plain)
    return dir_ + "/" + k.name + ".log";
  return dir_ + "/" + k.name + "-" + std::to_string(stream) + ".log";
}

uint32_t sim_files::global_stream(uint32_t key, uint32_t stream) const {
  return first_stream_[key] + stream;
}

uint32_t sim_files::key_of(uint32_t global_stream) const {
  uint32_t key = 0;
  for (uint32_t k = 0; k < first_stream_.size(); ++k)
    if (first_stream_[k] <= global_stream)
      key = k;
  return key;
}

uint64_t sim_files::file_id(const std::string& path) {
  auto it = file_ids_.find(path);
  if (it != file_ids_.end())
    return it->second;
  return file_ids_[path] = next_file_id_++;
}

void sim_files::complete_partial(const std::string& path) {
  auto it = partial_.find(path);
  if (it == partial_.end())
    return;
  append_bytes(path, it->second + "\n");
  partial_.erase(it);
}

void sim_files::finish_writes() {
  auto pending = partial_;
  for (auto& [path, rest] : pending)
    complete_partial(path);
}

void sim_files::write_line(uint32_t key, uint32_t stream, std::size_t filler, bool partial) {
  auto path = path_of(key, stream);
  complete_partial(path);
  auto line = model_.write(global_stream(key, stream), file_id(path));
  auto text = delivery_model::text(line, filler);
  if (!partial) {
    append_bytes(path, text + "\n");
    return;
  }
  auto half = text.size() / 2;
  append_bytes(path, text.substr(0, half));
  partial_[path] = text.substr(half);
}

void sim_files::destroy(const std::string& path) {
  auto it = file_ids_.find(path);
  if (it == file_ids_.end())
    return;
  model_.destroy(it->second, committed_);
}

void sim_files::remove_file(const std::string& path) {
  destroy(path);
  file_ids_.erase(path);
  partial_.erase(path);
  ::unlink(path.c_str());
}

void sim_files::rename_file(const std::string& from, const std::string& to) {
  if (fs::exists(to))
    remove_file(to);
  fs::rename(from, to);
  file_ids_[to] = file_ids_[from];
  file_ids_.erase(from);
}

/// The name the next rotated copy of `path` gets, making room for it
/// (numbered: shift .1 -> .2 ...; dateext: a new dated name), and deleting
/// what falls beyond keep_rotated.
std::string sim_files::rotated_name(const std::string& path, bool dateext) {
  auto keep = p_.keep_rotated;
  if (dateext) {
    auto& dated = dated_[path];
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "-2026%08u", ++date_counter_);
    auto name = path + suffix;
    dated.push_back(name);
    while (dated.size() > keep) {
      remove_file(dated.front());
      dated.erase(dated.begin());
    }
    return name;
  }
  auto numbered = [&](uint32_t i) { return path + "." + std::to_string(i); };
  if (fs::exists(numbered(keep)))
    remove_file(numbered(keep));
  for (uint32_t i = keep - 1; i >= 1; --i)
    if (fs::exists(numbered(i)))
      rename_file(numbered(i), numbered(i + 1));
  return numbered(1);
}

void sim_files::rotate(uint32_t key, uint32_t stream, bool copy, bool dateext) {
  auto path = path_of(key, stream);
  complete_partial(path);
  if (!fs::exists(path))
    return;
  auto target = rotated_name(path, dateext);
  last_rotated_[path] = target;
  if (!copy) {
    rename_file(path, target);
    append_bytes(path, ""); // logrotate's create
    file_id(path);
    return;
  }
  fs::copy_file(path, target, fs::copy_options::overwrite_existing);
  auto copy_id = next_file_id_++;
  file_ids_[target] = copy_id;
  model_.copy(file_id(path), copy_id);
  destroy(path); // every line lives on in the copy
  ::truncate(path.c_str(), 0);
}

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

void sim_files::compress(uint32_t key, uint32_t stream) {
  auto path = path_of(key, stream);
  auto it = last_rotated_.find(path);
  if (it == last_rotated_.end() || !fs::exists(it->second))
    return;
  auto target = it->second;
  auto gz_path = target + ".gz";
  if (fs::exists(gz_path))
    remove_file(gz_path);
  auto text = read_all(target);
  auto* gz = ::gzopen(gz_path.c_str(), "wb");
  if (gz == nullptr)
    throw std::runtime_error("cannot write " + gz_path);
  ::gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  ::gzclose(gz);
  auto id = file_id(target);
  auto gz_id = next_file_id_++;
  file_ids_[gz_path] = gz_id;
  model_.copy(id, gz_id);
  // Read only as the rest of a file the collector had read some of.
  if (!model_.any_line(id, committed_))
    model_.put_at_risk(gz_id);
  remove_file(target); // the lines live on in the .gz
  last_rotated_.erase(it);
}

bool sim_files::is_file_op(op_kind k) {
  switch (k) {
    case op_kind::append:
    case op_kind::append_partial:
    case op_kind::append_long:
    case op_kind::rotate_create:
    case op_kind::rotate_copy:
    case op_kind::truncate:
    case op_kind::remove:
    case op_kind::compress:
      return true;
    default:
      return false;
  }
}

bool sim_files::apply(const op& o) {
  if (!is_file_op(o.kind))
    return false;
  switch (o.kind) {
    case op_kind::append:
      for (uint32_t i = 0; i < o.n; ++i)
        write_line(o.key, o.stream, 8 + rng_() % 40, false);
      break;
    case op_kind::append_partial:
      write_line(o.key, o.stream, 8 + rng_() % 40, true);
      break;
    case op_kind::append_long:
      write_line(o.key, o.stream, p_.max_line_bytes * 2, false);
      break;
    case op_kind::rotate_create:
      rotate(o.key, o.stream, false, o.n == 1);
      break;
    case op_kind::rotate_copy:
      rotate(o.key, o.stream, true, o.n == 1);
      break;
    case op_kind::truncate: {
      auto path = path_of(o.key, o.stream);
      complete_partial(path);
      if (fs::exists(path)) {
        destroy(path);
        ::truncate(path.c_str(), 0);
      }
      break;
    }
    case op_kind::remove: {
      auto path = path_of(o.key, o.stream);
      complete_partial(path);
      if (fs::exists(path))
        remove_file(path);
      break;
    }
    case op_kind::compress:
      compress(o.key, o.stream);
      break;
    default:
      break;
  }
  return true;
}

} // namespace logcatch::sim

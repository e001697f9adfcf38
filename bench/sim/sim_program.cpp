#include "bench/sim/sim_program.hpp"

#include <random>
#include <sstream>

namespace logcatch::sim {

namespace {

template <class T>
T pick(std::mt19937_64& rng, std::initializer_list<std::pair<T, int>> weighted) {
  int total = 0;
  for (auto& [v, w] : weighted)
    total += w;
  auto r = static_cast<int>(rng() % static_cast<uint64_t>(total));
  for (auto& [v, w] : weighted) {
    if (r < w)
      return v;
    r -= w;
  }
  return weighted.begin()->first;
}

uint32_t below(std::mt19937_64& rng, uint32_t n) {
  return n == 0 ? 0 : static_cast<uint32_t>(rng() % n);
}

} // namespace

program generate(uint64_t seed, const program_shape& shape) {
  std::mt19937_64 rng{seed};
  program p;
  p.seed = seed;
  auto keys = 1 + below(rng, shape.max_keys);
  for (uint32_t k = 0; k < keys; ++k) {
    sim_key key;
    key.name = std::string("k") + static_cast<char>('a' + k);
    key.shape = pick<key_shape>(rng, {{key_shape::plain, 4},
                                      {key_shape::glob_with_rotated, 3},
                                      {key_shape::glob_without_rotated, 2}});
    key.streams = key.shape == key_shape::plain ? 1 : 1 + below(rng, shape.max_streams);
    p.keys.push_back(key);
  }
  // 0 (inode only) cannot tell a copytruncate copy or a reused inode: only
  // with programs that neither copy nor delete.
  bool inode_only_fits = !shape.destructive && !shape.collector_events;
  p.fingerprint_bytes = pick<uint32_t>(rng, {{0, 0 * inode_only_fits}, {16, 2}, {64, 2}, {1024, 3}});
  p.read_block = pick<uint32_t>(rng, {{7, 1}, {64, 2}, {512, 2}, {4096, 3}, {256 * 1024, 2}});
  p.max_line_bytes = pick<uint32_t>(rng, {{40, 1}, {256, 3}});
  p.keep_rotated = 1 + below(rng, 4);
  p.open_files = pick<uint32_t>(rng, {{0, 3}, {2, 1}, {5, 1}, {16, 1}});
  bool running = true;
  for (uint32_t i = 0; i < shape.ops; ++i) {
    op o;
    o.key = below(rng, keys);
    o.stream = below(rng, p.keys[o.key].streams);
    o.kind = pick<op_kind>(rng, {{op_kind::append, 30},
                                 {op_kind::append_partial, 3},
                                 {op_kind::append_long, 2},
                                 {op_kind::rotate_create, 6},
                                 {op_kind::rotate_copy, p.fingerprint_bytes == 0 || !shape.copytruncate ? 0 : 4},
                                 {op_kind::truncate, shape.destructive ? 1 : 0},
                                 {op_kind::remove, shape.destructive ? 1 : 0},
                                 {op_kind::compress, shape.compress ? 2 : 0},
                                 {op_kind::step, 30},
                                 {op_kind::commit, 6},
                                 {op_kind::crash_tailer, shape.collector_events ? 3 : 0},
                                 {op_kind::kill, shape.collector_events ? 2 : 0},
                                 {op_kind::stop, shape.collector_events ? 1 : 0},
                                 {op_kind::start, shape.collector_events ? 4 : 0},
                                 {op_kind::reload_update, shape.collector_events ? 1 : 0},
                                 {op_kind::resend, shape.collector_events ? 2 : 0}});
    switch (o.kind) {
      case op_kind::append:
        o.n = 1 + below(rng, 40);
        break;
      case op_kind::rotate_create:
      case op_kind::rotate_copy:
        o.n = below(rng, 2);
        break;
      case op_kind::step:
        o.n = 1 + below(rng, 12);
        break;
      default:
        o.n = 1;
    }
    if (o.kind == op_kind::kill || o.kind == op_kind::stop)
      running = false;
    if (o.kind == op_kind::start)
      running = true;
    if (!running && o.kind == op_kind::step)
      continue; // steps while down do nothing: spend the op on files instead
    p.ops.push_back(o);
  }
  return p;
}

std::string to_string(op_kind k) {
  switch (k) {
    case op_kind::append: return "append";
    case op_kind::append_partial: return "append_partial";
    case op_kind::append_long: return "append_long";
    case op_kind::rotate_create: return "rotate_create";
    case op_kind::rotate_copy: return "rotate_copy";
    case op_kind::truncate: return "truncate";
    case op_kind::remove: return "remove";
    case op_kind::compress: return "compress";
    case op_kind::step: return "step";
    case op_kind::commit: return "commit";
    case op_kind::crash_tailer: return "crash_tailer";
    case op_kind::kill: return "kill";
    case op_kind::stop: return "stop";
    case op_kind::start: return "start";
    case op_kind::reload_update: return "reload_update";
    case op_kind::resend: return "resend";
  }
  return "?";
}

std::string to_string(const op& o) {
  std::ostringstream s;
  s << to_string(o.kind) << " key " << o.key << " stream " << o.stream << " n " << o.n;
  return s.str();
}

std::string describe(const program& p) {
  std::ostringstream s;
  s << "seed " << p.seed << ", fingerprint_bytes " << p.fingerprint_bytes << ", read_block "
    << p.read_block << ", max_line_bytes " << p.max_line_bytes << ", keep_rotated "
    << p.keep_rotated << ", open_files " << p.open_files << "\n";
  for (auto& k : p.keys)
    s << "  key " << k.name << ": "
      << (k.shape == key_shape::plain               ? "plain"
          : k.shape == key_shape::glob_with_rotated ? "glob NAME-*.log*"
                                                    : "glob NAME-*.log")
      << ", " << k.streams << " file(s)\n";
  for (std::size_t i = 0; i < p.ops.size(); ++i)
    s << "  " << i << ": " << to_string(p.ops[i]) << "\n";
  return s.str();
}

} // namespace logcatch::sim

#pragma once

// The files side of a simulation run, shared by the in-process runner
// (core_simulation) and the real-binary runner (binary_simulation): where a
// key's files live, the writes, rotations (numbered and dated, rename and
// copytruncate, keeping keep_rotated copies), truncations and deletions of a
// program's file operations on real files, and the model's bookkeeping of
// which physical file holds which line.

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/sim/delivery_model.hpp"
#include "bench/sim/sim_program.hpp"

namespace logcatch::sim {

class sim_files {
public:
  /// Whether a line is committed by the collector (it survives any kill): a
  /// line whose last copy is destroyed is at risk unless it is.
  using committed_fn = std::function<bool(const line_ref&)>;

  /// Files go to `dir`; `rng` (the run's) draws the lines' filler lengths.
  sim_files(const program& p, std::string dir, std::mt19937_64& rng, committed_fn committed);

  /// Applies `o` if it is a file operation (append..remove) and returns
  /// true; a collector event is left to the runner (false).
  bool apply(const op& o);
  /// Completes every partial line (the writers' last words before the end).
  void finish_writes();

  /// The key's path or glob, as its config names it.
  std::string pattern(uint32_t key) const;
  /// The file `stream` of `key` writes to.
  std::string path_of(uint32_t key, uint32_t stream) const;
  /// Streams are numbered across keys in the lines' text ("s<global>").
  uint32_t global_stream(uint32_t key, uint32_t stream) const;
  /// The key a global stream belongs to.
  uint32_t key_of(uint32_t global_stream) const;

  const delivery_model& model() const { return model_; }

private:
  static bool is_file_op(op_kind k);
  uint64_t file_id(const std::string& path);
  void complete_partial(const std::string& path);
  void write_line(uint32_t key, uint32_t stream, std::size_t filler, bool partial);
  void destroy(const std::string& path);
  void remove_file(const std::string& path);
  void rename_file(const std::string& from, const std::string& to);
  std::string rotated_name(const std::string& path, bool dateext);
  void rotate(uint32_t key, uint32_t stream, bool copy, bool dateext);
  void compress(uint32_t key, uint32_t stream);
  std::map<std::string, std::string> last_rotated_; // path -> its newest rotated copy

  const program& p_;
  std::string dir_;
  std::mt19937_64& rng_;
  committed_fn committed_;
  delivery_model model_;
  std::vector<uint32_t> first_stream_;
  std::map<std::string, uint64_t> file_ids_;
  uint64_t next_file_id_ = 1;
  std::map<std::string, std::string> partial_;
  std::map<std::string, std::vector<std::string>> dated_;
  uint32_t date_counter_ = 0;
};

} // namespace logcatch::sim

#include "actors/sink/sink_recovery.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <system_error>
#include <sys/stat.h>
#include <unistd.h>

#include "actors/sink/output_writer.hpp"

namespace logcatch {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

struct opened_output {
  uint64_t size = 0; ///< of the file at the path, after any cut
};

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Cuts the open file `fd` (named `path`, `size` bytes long) to `committed`
/// when it is longer; notes what it did. Returns the length after.
uint64_t cut_to(int fd, const std::string& path, uint64_t size, uint64_t committed, sink_recovery& out) {
  if (size > committed) {
    if (::ftruncate(fd, static_cast<off_t>(committed)) != 0 || ::fsync(fd) != 0) {
      int err = errno;
      ::close(fd);
      errno = err;
      fail(path, "cannot cut uncommitted output");
    }
    out.notes.push_back(path + ": cut " + std::to_string(size - committed) +
                        " bytes written after the last commit (their lines are read again)");
    return committed;
  }
  if (size < committed)
    out.problems.push_back(path + " is shorter (" + std::to_string(size) + " bytes) than committed (" +
                           std::to_string(committed) +
                           "): it was truncated or replaced outside logcatch; appending at its end");
  return size;
}

/// The open file is the one `cp` names: same inode, same first bytes (not a
/// file that reused the inode of a deleted output).
bool is_committed_output(int fd, const struct stat& st, const sink_checkpoint& cp) {
  return static_cast<uint64_t>(st.st_dev) == cp.sink_file.device &&
         static_cast<uint64_t>(st.st_ino) == cp.sink_file.inode && starts_like(fd, cp.sink_file);
}

/// The output that the last commit covers, rotated away from the sink's path
/// since: cut where it is now, if it can be found.
void cut_rotated(const std::string& sink_path, const sink_checkpoint& cp, sink_recovery& out) {
  auto folder = folder_of(sink_path);
  auto gone = [&] {
    out.problems.push_back(
      sink_path + ": the output the last commit covers (" + cp.sink_file.to_string() +
      ") was rotated away and is no longer in " + folder +
      " (compressed, moved or deleted): lines written to it after that commit cannot be cut and "
      "are delivered again into the new " + sink_path);
  };
  auto rotated = find_by_identity(folder, cp.sink_file);
  if (!rotated)
    return gone();
  // Nothing committed in it (a commit right after a start or a switch): no
  // content to check, so a file that reused the inode must at least be named
  // like a rotation of the output (out.log.1, out.log-20261124).
  auto slash = sink_path.rfind('/');
  copy_search names{folder, slash == std::string::npos ? sink_path : sink_path.substr(slash + 1), {}};
  if (cp.sink_file.prefix_len == 0 &&
      !named_like_a_copy(names, rotated->substr(rotated->rfind('/') + 1)))
    return gone();
  int fd = ::open(rotated->c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    fail(*rotated, "cannot open the rotated sink file");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !is_committed_output(fd, st, cp)) {
    ::close(fd);
    return gone();
  }
  out.notes.push_back(sink_path + " was rotated to " + *rotated + " after the last commit");
  cut_to(fd, *rotated, static_cast<uint64_t>(st.st_size), cp.sink_length, out);
  ::close(fd);
}

/// Opens the output at `path` (created when missing) and cuts whichever file
/// `committed` (if any) covers. Returns the file now at the path.
opened_output recover_output(const std::string& path, const sink_checkpoint* committed, sink_recovery& out) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    fail(path, "cannot open sink file");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    errno = err;
    fail(path, "cannot stat sink file");
  }
  opened_output o{static_cast<uint64_t>(st.st_size)};
  if (committed != nullptr && committed->has_sink_identity && !is_committed_output(fd, st, *committed)) {
    ::close(fd);
    // The file at the path is not the one committed: never cut it to
    // another file's length. It holds no line of ours that no state names
    // (the sink commits a new output before writing to it).
    cut_rotated(path, *committed, out);
    out.notes.push_back(path + " is a new file (" + std::to_string(o.size) +
                        " bytes) that the last commit does not cover: appending at its end");
    return o;
  }
  if (committed != nullptr) // the same file, or a state too old to name it
    o.size = cut_to(fd, path, o.size, committed->sink_length, out);
  ::close(fd);
  return o;
}

/// The identity a state names for the output at `path` now: with the hash of
/// its first bytes, as the sink's commits have it.
file_identity identity_now(const std::string& path, uint64_t length) {
  sink_config cfg;
  cfg.type = sink_type::file;
  cfg.path = path;
  return output_writer{cfg}.identity(length);
}

} // namespace

sink_recovery recover_sink(const sink_config& sink, checkpoint_file& state) {
  sink_recovery out;
  auto loaded = state.load();
  if (!loaded.problem.empty())
    out.problems.push_back(loaded.problem + "; starting without checkpoints (per read_from)");
  const sink_checkpoint* committed = nullptr;
  if (loaded.state) {
    out.files = loaded.state->files;
    // The committed length belongs to the output it was measured on; a sink
    // moved to another file starts at that file's end.
    if (loaded.state->has_sink_length && sink.type == sink_type::file &&
        loaded.state->sink_path == sink.path)
      committed = &*loaded.state;
    out.notes.push_back(state.path() + ": " + std::to_string(out.files.size()) +
                        " checkpoints loaded");
  }
  sink_checkpoint now;
  if (loaded.state)
    now.files = loaded.state->files;
  if (sink.type == sink_type::file) {
    auto o = recover_output(sink.path, committed, out);
    out.output_length = o.size;
    now.has_sink_length = true;
    now.sink_length = o.size;
    now.sink_path = sink.path;
    now.has_sink_identity = true;
    now.sink_file = identity_now(sink.path, o.size);
  }
  // Commit the starting point before anything is written, whenever the state
  // does not name the output as it is now (no state yet, a new file at the
  // path, an older version): a kill before the first regular commit must
  // also cut what this run wrote, and only from this file.
  if (!loaded.state || *loaded.state != now) {
    try {
      state.save(now);
    } catch (const std::system_error& e) {
      out.state_saved = false;
      out.problems.push_back(std::string(e.what()) +
                             "; collecting without durable checkpoints until it can be written");
    }
  }
  return out;
}

} // namespace logcatch

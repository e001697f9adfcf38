#include "actors/sink/sink_recovery.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <system_error>
#include <sys/stat.h>
#include <unistd.h>

namespace logcatch {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

/// The output file's length, cut to `committed` when it is longer.
uint64_t cut_output(const std::string& path, const uint64_t* committed, sink_recovery& out) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    fail(path, "cannot open sink file");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail(path, "cannot stat sink file");
  }
  auto size = static_cast<uint64_t>(st.st_size);
  if (committed != nullptr && size > *committed) {
    if (::ftruncate(fd, static_cast<off_t>(*committed)) != 0 || ::fsync(fd) != 0) {
      ::close(fd);
      fail(path, "cannot cut uncommitted output");
    }
    out.notes.push_back(path + ": cut " + std::to_string(size - *committed) +
                        " bytes written after the last commit (their lines are read again)");
    size = *committed;
  } else if (committed != nullptr && size < *committed) {
    out.problems.push_back(path + " is shorter (" + std::to_string(size) + " bytes) than committed (" +
                           std::to_string(*committed) +
                           "): it was truncated or replaced outside logcatch; appending at its end");
  }
  ::close(fd);
  return size;
}

} // namespace

sink_recovery recover_sink(const sink_config& sink, checkpoint_file& state) {
  sink_recovery out;
  auto loaded = state.load();
  if (!loaded.problem.empty())
    out.problems.push_back(loaded.problem + "; starting without checkpoints (per read_from)");
  const uint64_t* committed = nullptr;
  if (loaded.state) {
    out.files = loaded.state->files;
    // The committed length belongs to the output it was measured on; a sink
    // moved to another file starts at that file's end.
    if (loaded.state->has_sink_length && sink.type == sink_type::file &&
        loaded.state->sink_path == sink.path)
      committed = &loaded.state->sink_length;
    out.notes.push_back(state.path() + ": " + std::to_string(out.files.size()) +
                        " checkpoints loaded");
  }
  if (sink.type == sink_type::file)
    out.output_length = cut_output(sink.path, committed, out);
  if (!loaded.state) {
    // Commit the starting point before anything is written: a kill before
    // the first regular commit must also cut what that run wrote.
    sink_checkpoint initial;
    initial.has_sink_length = sink.type == sink_type::file;
    initial.sink_length = out.output_length;
    initial.sink_path = sink.type == sink_type::file ? sink.path : std::string();
    try {
      state.save(initial);
    } catch (const std::system_error& e) {
      out.problems.push_back(std::string(e.what()) +
                             "; collecting without durable checkpoints until it can be written");
    }
  }
  return out;
}

} // namespace logcatch

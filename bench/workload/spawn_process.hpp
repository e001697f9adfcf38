#pragma once

// Starting a child program with its standard streams in files: what the
// benchmark driver, the simulation and the tests do to run build/logcatch.

#include <string>
#include <sys/types.h>
#include <vector>

namespace logcatch {

/// Where one of a child's standard streams goes.
struct child_stream {
  std::string path = "/dev/null";
  bool append = false; ///< append to the file, else truncate it
};

/// fork + execv of `argv` (argv[0] is the program's path) with stdin from
/// /dev/null and stdout, stderr to `out`, `err`, and no signal blocked (a
/// parent running CAF threads may block some). Everything the child needs
/// is prepared before the fork: a forked child of a threaded parent must
/// not allocate. Returns once the child has exec'd (or failed to: it then
/// exits 127), so /proc/PID is the new program's. Throws
/// std::runtime_error when fork fails.
pid_t spawn_process(const std::vector<std::string>& argv, const child_stream& out,
                    const child_stream& err);

} // namespace logcatch

#pragma once

#include <chrono>

namespace logcatch {

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (call first in
/// main, so every thread started later, CAF's included, inherits the mask and
/// only wait_for_signal sees them) and ignores SIGPIPE and SIGXFSZ (a closed
/// stdout or a file size limit is reported as a write error instead of
/// killing the process).
void block_signals();

/// Waits for one of the blocked signals for at most `timeout`; returns it,
/// or 0 on timeout.
int wait_for_signal(std::chrono::milliseconds timeout);

} // namespace logcatch

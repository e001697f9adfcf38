#pragma once

// Reading an inotify descriptor's queued events, for the tailers' change
// waiter and the config watcher alike.

#include <algorithm>
#include <chrono>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace logcatch {

/// Calls f(event) for every event queued on the non-blocking inotify
/// descriptor `fd`, until none is left.
template <class F>
void for_each_inotify_event(int fd, F&& f) {
  alignas(inotify_event) char buf[16 * 1024];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n <= 0)
      return;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      f(ev);
    }
  }
}

/// Waits up to `timeout` for events on `fd` that `drain` (which reads every
/// queued event and says whether one mattered) finds relevant. Unrelated
/// events (other files in a busy folder) do not end the wait: each would
/// cost its caller a whole round. True when a relevant event came.
template <class Drain>
bool wait_for_relevant_events(int fd, std::chrono::milliseconds timeout, Drain&& drain) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd, POLLIN, 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count())));
    if (rc <= 0)
      return false;
    if (drain())
      return true;
    if (left.count() <= 0)
      return false;
  }
}

} // namespace logcatch

#pragma once

// Reading an inotify descriptor's queued events, for the tailers' change
// waiter and the config watcher alike.

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

} // namespace logcatch

#pragma once

// The secret an aggregator hands a collector after a hello with the right
// token. CAF 0.17 lets a peer declare its own node id (and any source node in
// a routed message), so the connection's claimed identity proves nothing;
// this credential, carried in every batch, sync and forget, does.

#include <cstdint>
#include <string>

namespace logcatch {

struct session_credential {
  uint64_t hi = 0;
  uint64_t lo = 0;

  /// 128 bits from the kernel's CSPRNG (getrandom); throws std::runtime_error
  /// if it cannot be read, rather than hand out a guessable credential.
  static session_credential random();

  /// All zero: "no session" (a batch from a local tailer, or a collector
  /// that has not said hello yet). random() never returns it.
  bool empty() const { return hi == 0 && lo == 0; }
  /// The first 8 hex digits: enough to tell sessions apart in a log line,
  /// too few to be of use to whoever reads the log.
  std::string short_name() const;

  friend bool operator==(const session_credential& a, const session_credential& b) {
    return a.hi == b.hi && a.lo == b.lo;
  }
  friend bool operator!=(const session_credential& a, const session_credential& b) {
    return !(a == b);
  }
  friend bool operator<(const session_credential& a, const session_credential& b) {
    return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo;
  }
};

} // namespace logcatch

#pragma once

#include <atomic>
#include <cstddef>

namespace logcatch {

/// How many log files the process may hold open at once, shared by every
/// tailer. File descriptors are a process resource: a glob over thousands
/// of files must not take the ones the state file, the config, the sink and
/// the network need (EMFILE there loses durability, not just a file). A
/// follower takes a slot before it keeps a file open and gives it back when
/// it closes; when none is left, its key closes a file that has been idle
/// longest, and reopens it by identity when it changes.
class open_file_budget {
public:
  explicit open_file_budget(std::size_t limit) : limit_(limit) {}
  open_file_budget(const open_file_budget&) = delete;
  open_file_budget& operator=(const open_file_budget&) = delete;

  /// One more open file, if a slot is left. A refusal marks the budget
  /// starved: every key then closes a file it has not read from for a
  /// while (the slots may all be another key's).
  bool try_take() {
    auto n = used_.load(std::memory_order_relaxed);
    while (n < limit_.load(std::memory_order_relaxed))
      if (used_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed))
        return true;
    starved_.store(true, std::memory_order_relaxed);
    return false;
  }
  bool starved() const { return starved_.load(std::memory_order_relaxed); }
  void clear_starved() { starved_.store(false, std::memory_order_relaxed); }
  void give_back() { used_.fetch_sub(1, std::memory_order_relaxed); }
  std::size_t limit() const { return limit_.load(std::memory_order_relaxed); }
  std::size_t in_use() const { return used_.load(std::memory_order_relaxed); }
  void set_limit(std::size_t limit) { limit_.store(limit, std::memory_order_relaxed); }

  /// The process's budget (every tailer shares it). Unlimited until
  /// configure_process() sets it.
  static open_file_budget& process();
  /// Raises the soft RLIMIT_NOFILE to the hard one and sets the process's
  /// budget: `configured` when not 0, else the limit less a reserve for
  /// everything else (an eighth, at least 64). Returns the budget.
  static std::size_t configure_process(std::size_t configured);
  /// What configure_process(0) would choose for a descriptor limit of `nofile`.
  static std::size_t default_for(std::size_t nofile);

private:
  std::atomic<std::size_t> limit_;
  std::atomic<std::size_t> used_{0};
  std::atomic<bool> starved_{false};
};

} // namespace logcatch

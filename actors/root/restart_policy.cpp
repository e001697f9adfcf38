#include "actors/root/restart_policy.hpp"

#include <algorithm>

namespace logcatch {

restart_policy::restart_policy(const supervision_config& cfg) : cfg_(cfg) {
}

millis restart_policy::on_failure(clock::time_point now, clock::time_point started) {
  if (now - started >= cfg_.reset_after)
    attempt_ = 0;
  while (!recent_.empty() && now - recent_.front() > cfg_.window)
    recent_.pop_front();
  recent_.push_back(now);
  failing_ = recent_.size() > cfg_.max_restarts;
  if (failing_)
    return cfg_.backoff_max;
  // initial * 2^attempt, computed without overflowing for long runs of failures.
  millis delay = cfg_.backoff_initial;
  for (unsigned i = 0; i < attempt_ && delay < cfg_.backoff_max; ++i)
    delay *= 2;
  ++attempt_;
  return std::min(delay, cfg_.backoff_max);
}

} // namespace logcatch

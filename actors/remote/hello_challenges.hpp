#pragma once

// The challenges (nonces) an aggregator that checks certificate names hands
// out: a collector asks for one, signs it into its hello (hello_proof), and
// the aggregator takes it back once. 128 random bits each, single use, a
// short lifetime, and at most `capacity` outstanding (the oldest goes
// first), so a stranger asking for many costs bounded memory. No actor code.

#include <chrono>
#include <cstddef>
#include <map>
#include <set>
#include <utility>
#include <string>

namespace logcatch {

class hello_challenges {
public:
  using clock = std::chrono::steady_clock;

  explicit hello_challenges(std::size_t capacity = 1024,
                            std::chrono::milliseconds lifetime = std::chrono::seconds(10));

  /// A fresh challenge (32 hex digits from getrandom), valid for the
  /// lifetime from `now`; throws std::runtime_error if getrandom fails.
  std::string issue(clock::time_point now = clock::now());

  /// Takes `nonce` back: "" when it was issued, not yet taken and not
  /// expired; else why not. Either way it cannot be taken again.
  std::string take(const std::string& nonce, clock::time_point now = clock::now());

  std::size_t outstanding() const { return expiry_.size(); }

private:
  void drop_expired(clock::time_point now);

  std::size_t capacity_;
  std::chrono::milliseconds lifetime_;
  std::map<std::string, clock::time_point> expiry_;
  std::set<std::pair<clock::time_point, std::string>> by_expiry_; ///< the same, oldest first
};

} // namespace logcatch

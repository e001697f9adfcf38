#include "actors/remote/hello_challenges.hpp"

#include "actors/remote/random_bytes.hpp"

namespace logcatch {

hello_challenges::hello_challenges(std::size_t capacity, std::chrono::milliseconds lifetime)
  : capacity_(capacity == 0 ? 1 : capacity), lifetime_(lifetime) {
}

void hello_challenges::drop_expired(clock::time_point now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    expiry_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

std::string hello_challenges::issue(clock::time_point now) {
  drop_expired(now);
  while (expiry_.size() >= capacity_) { // full: the oldest goes
    expiry_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
  unsigned char bytes[16];
  fill_random(bytes, sizeof bytes, "a hello challenge");
  static const char digits[] = "0123456789abcdef";
  std::string nonce;
  for (auto b : bytes) {
    nonce += digits[b >> 4];
    nonce += digits[b & 15];
  }
  if (!expiry_.emplace(nonce, now + lifetime_).second)
    return issue(now); // 2^-128: drawn again rather than handed out twice
  by_expiry_.emplace(now + lifetime_, nonce);
  return nonce;
}

std::string hello_challenges::take(const std::string& nonce, clock::time_point now) {
  auto it = expiry_.find(nonce);
  if (it == expiry_.end())
    return "its challenge was never issued, already used or dropped";
  bool expired = it->second <= now;
  by_expiry_.erase({it->second, nonce}); // single use, whatever the outcome
  expiry_.erase(it);
  drop_expired(now);
  return expired ? "its challenge expired" : "";
}

} // namespace logcatch

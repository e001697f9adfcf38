#pragma once

// The peer addresses (host, port) of the connections that carry a live
// session: what lets connection_guard, which sees only sockets, tell a known
// collector's connection from a stranger's. The sink adds one when a hello
// succeeds (asking CAF's BASP broker which connection the collector's node
// came on); the guard forgets those whose socket is gone. Shared between the
// sink's thread and the guard's, hence the mutex. No actor code.

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>

namespace logcatch {

class session_endpoints {
public:
  using endpoint = std::pair<std::string, uint16_t>;

  /// "::ffff:127.0.0.1" and "127.0.0.1" are one peer (CAF and getpeername
  /// may spell an IPv4 peer either way).
  static std::string normalized(const std::string& host) {
    const std::string mapped = "::ffff:";
    if (host.size() > mapped.size() && host.compare(0, mapped.size(), mapped) == 0 &&
        host.find('.') != std::string::npos)
      return host.substr(mapped.size());
    return host;
  }

  void add(const std::string& host, uint16_t port) {
    std::lock_guard<std::mutex> lock(mutex_);
    added_[{normalized(host), port}] = ++generation_;
  }

  bool contains(const std::string& host, uint16_t port) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return added_.count({normalized(host), port}) != 0;
  }

  /// Taken before listing the sockets: an entry added after it may belong
  /// to a socket accepted after the listing, and is kept by retain().
  uint64_t generation() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return generation_;
  }

  /// Forgets entries added up to `listed_at` whose connection is not in
  /// `open` (it closed: a later stranger may get the same port).
  void retain(const std::set<endpoint>& open, uint64_t listed_at) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = added_.begin(); it != added_.end();) {
      if (it->second <= listed_at && open.count(it->first) == 0)
        it = added_.erase(it);
      else
        ++it;
    }
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return added_.size();
  }

private:
  mutable std::mutex mutex_;
  std::map<endpoint, uint64_t> added_; ///< endpoint -> generation it was added in
  uint64_t generation_ = 0;
};

} // namespace logcatch

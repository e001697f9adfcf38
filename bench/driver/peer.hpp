#pragma once

// Peer collectors for `--compare`: rsyslog (imfile -> omfile) and syslog-ng
// (file() -> file()), each started as a private instance on a config of its
// own in the scenario's folder, tailing the same files from their head into
// a raw file sink, so the same verifier counts their lines.
//
// The two Debian packages conflict (both are "the system log daemon"), so
// `scripts/setup.sh --bench-peers` unpacks them side by side into
// BUILD/bench-peers/<name>/ instead of installing either; an installed
// rsyslogd or syslog-ng is used when no unpacked copy is there.

#include <optional>
#include <string>
#include <vector>

namespace logcatch::bench {

struct peer {
  std::string name;        ///< "rsyslog" | "syslog-ng"
  std::string binary;      ///< rsyslogd | syslog-ng
  std::string module_dir;  ///< its plugins
  std::string library_dir; ///< private shared libraries (unpacked syslog-ng); may be empty
};

/// The peers `--compare` knows.
const std::vector<std::string>& known_peers();

/// Finds `name` under `peers_dir/<name>` or installed; nullopt and `why`
/// (what to run to get it) otherwise.
std::optional<peer> find_peer(const std::string& name, const std::string& peers_dir,
                              std::string& why);

/// Writes the peer's config and private state into `dir` and returns the
/// argv that runs it in the foreground, tailing each of `inputs` (plain
/// paths, rotated by rename) from the head into `out`, one raw line per line.
std::vector<std::string> peer_command(const peer& p, const std::string& dir,
                                      const std::vector<std::string>& inputs,
                                      const std::string& out);

} // namespace logcatch::bench

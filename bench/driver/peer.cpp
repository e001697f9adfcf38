#include "bench/driver/peer.hpp"

#include <filesystem>
#include <fstream>

namespace logcatch::bench {

namespace fs = std::filesystem;

const std::vector<std::string>& known_peers() {
  static const std::vector<std::string> names{"rsyslog", "syslog-ng"};
  return names;
}

std::optional<peer> find_peer(const std::string& name, const std::string& peers_dir,
                              std::string& why) {
  auto unpacked = peers_dir + "/" + name;
  peer p;
  p.name = name;
  if (name == "rsyslog") {
    for (auto& root : {unpacked, std::string{}}) {
      p.binary = root + "/usr/sbin/rsyslogd";
      p.module_dir = root + "/usr/lib/x86_64-linux-gnu/rsyslog";
      if (fs::exists(p.binary) && fs::exists(p.module_dir + "/imfile.so"))
        return p;
    }
  } else if (name == "syslog-ng") {
    for (auto& root : {unpacked, std::string{}}) {
      p.binary = root + "/usr/sbin/syslog-ng";
      p.library_dir = root.empty() ? "" : root + "/usr/lib/syslog-ng";
      // The module folder is named after the version (3.38, ...).
      std::error_code ec;
      for (auto& entry : fs::directory_iterator(root + "/usr/lib/syslog-ng", ec))
        if (fs::exists(entry.path() / "libaffile.so"))
          p.module_dir = entry.path().string();
      if (fs::exists(p.binary) && !p.module_dir.empty())
        return p;
    }
  } else {
    why = name + ": not a peer logcatch-bench knows (rsyslog, syslog-ng)";
    return std::nullopt;
  }
  why = name + ": not found in " + unpacked +
        " nor installed; run scripts/setup.sh --bench-peers to unpack it there";
  return std::nullopt;
}

namespace {

// imfile in inotify mode follows renames itself; the main queue pushes back
// on imfile when full, so nothing is dropped. The output buffer is sized like
// logcatch's reads and flushed at the end of every batch, as a user tuning
// it for throughput without giving up latency would.
std::vector<std::string> rsyslog_command(const peer& p, const std::string& dir,
                                         const std::vector<std::string>& inputs,
                                         const std::string& out) {
  auto config = dir + "/rsyslog.conf";
  std::ofstream c(config);
  c << "global(workDirectory=\"" << dir << "\" maxMessageSize=\"64k\")\n"
    << "module(load=\"imfile\" mode=\"inotify\")\n"
    << "template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")\n";
  for (std::size_t i = 0; i < inputs.size(); ++i)
    c << "input(type=\"imfile\" file=\"" << inputs[i] << "\" tag=\"in" << i
      << "\" readMode=\"0\" freshStartTail=\"off\")\n";
  c << "action(type=\"omfile\" file=\"" << out
    << "\" template=\"raw\" ioBufferSize=\"256k\" flushOnTXEnd=\"on\")\n";
  return {p.binary, "-n", "-M", p.module_dir, "-f", config, "-i", dir + "/rsyslog.pid"};
}

// file() sources polled every 100 ms (syslog-ng's follow-freq); flow control
// on the log path, because without it syslog-ng drops what its destination
// queue cannot hold.
std::vector<std::string> syslog_ng_command(const peer& p, const std::string& dir,
                                           const std::vector<std::string>& inputs,
                                           const std::string& out) {
  auto config = dir + "/syslog-ng.conf";
  std::ofstream c(config);
  c << "@version: 3.38\n"
    << "options { log-msg-size(65536); flush-lines(100); stats-freq(0); };\n";
  for (std::size_t i = 0; i < inputs.size(); ++i)
    c << "source s" << i << " { file(\"" << inputs[i]
      << "\" flags(no-parse) follow-freq(0.1) log-fetch-limit(1000) log-iw-size(10000)); };\n";
  c << "destination d_out { file(\"" << out
    << "\" template(\"${MESSAGE}\\n\") log-fifo-size(100000)); };\n"
    << "log {";
  for (std::size_t i = 0; i < inputs.size(); ++i)
    c << " source(s" << i << ");";
  c << " destination(d_out); flags(flow-control); };\n";
  std::vector<std::string> argv;
  if (!p.library_dir.empty())
    argv = {"/usr/bin/env", "LD_LIBRARY_PATH=" + p.library_dir};
  for (auto& a : {p.binary, std::string("-F"), "--cfgfile=" + config, "--module-path=" + p.module_dir,
                  "--persist-file=" + dir + "/syslog-ng.persist", "--pidfile=" + dir + "/syslog-ng.pid",
                  "--control=" + dir + "/syslog-ng.ctl", std::string("--no-caps")})
    argv.push_back(a);
  return argv;
}

} // namespace

std::vector<std::string> peer_command(const peer& p, const std::string& dir,
                                      const std::vector<std::string>& inputs,
                                      const std::string& out) {
  return p.name == "rsyslog" ? rsyslog_command(p, dir, inputs, out)
                             : syslog_ng_command(p, dir, inputs, out);
}

} // namespace logcatch::bench

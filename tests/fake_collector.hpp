#pragma once

// A CAF node on 127.0.0.1 that talks to a `logcatch aggregate` the way a
// collector's remote sink does (hello, batches, syncs), or the way a
// stranger might (no hello, made-up credentials, system messages). It is a
// real CAF node over TCP: what it sends crosses BASP like any peer's.

#include <catch2/catch.hpp>

#include <caf/io/all.hpp>

#include "actors/messages.hpp"
#include "actors/system_config.hpp"
#include "actors/tailer/line_splitter.hpp"

namespace logcatch::test {

/// A batch of `text` (whole lines) read from offset `start` of one file.
inline line_batch batch_of(uint64_t start, const std::string& text, bool restart,
                           const std::string& key = "app") {
  line_splitter split{1024};
  line_batch b;
  b.key = key;
  b.file = file_identity{1, 42, 0, 0};
  b.path = "/var/log/" + key + ".log";
  b.restart = restart;
  b.reading = 7; // one reading of the file, as a tailer's batches are
  b.start_offset = start;
  split.feed(text.data(), text.size(), b);
  b.end_offset = start + text.size();
  return b;
}

struct fake_collector {
  system_config cfg{true};
  caf::actor_system system{cfg};
  caf::actor aggregator;
  /// Says hello, sends and receives the acknowledgements: one actor, as a
  /// remote sink is (acknowledgements go to the session, not the sender).
  caf::scoped_actor self{system};
  session_credential session;
  std::string instance = "c0ffee";
  std::string last_error;

  bool connect(uint16_t port) {
    auto handle = system.middleman().remote_actor("127.0.0.1", port);
    if (!handle)
      return false;
    aggregator = *handle;
    return true;
  }

  /// The hello's answer: true if accepted (the credential is kept).
  bool hello(const std::string& node, const std::string& token) {
    bool ok = false;
    self->request(aggregator, std::chrono::seconds(30), hello_atom::value, node, token, instance)
      .receive(
        [&](const session_credential& c) {
          session = c;
          ok = true;
        },
        [&](caf::error& e) {
          last_error = system.render(e);
          ok = false;
        });
    return ok;
  }

  /// Sends a batch under this collector's credential and waits for its
  /// acknowledgement; false if none came in `wait`.
  bool deliver(line_batch batch, std::chrono::milliseconds wait = std::chrono::seconds(30)) {
    batch.session = session;
    self->send(aggregator, std::move(batch));
    return acknowledged(wait);
  }

  /// An acknowledgement within `wait`: false at a refusal naming this
  /// collector's credential or at the deadline. A refusal naming another
  /// credential (one a forger sent in this collector's name) is ignored, as
  /// the remote sink ignores it.
  bool acknowledged(std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      bool acked = false;
      bool refused = false;
      self->receive([&](ack_atom, uint64_t) { acked = true; },
                    [&](refused_atom, const session_credential& c, const std::string& why) {
                      refused = c == session;
                      if (refused)
                        last_error = why;
                    },
                    caf::after(left) >> [] {});
      if (acked || refused)
        return acked;
    }
  }

  /// A refusal naming this collector's credential, within `wait`.
  bool refused(std::chrono::milliseconds wait = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      bool got = false;
      self->receive(
        [&](refused_atom, const session_credential& c, const std::string& why) {
          got = c == session;
          if (got)
            last_error = why;
        },
        caf::after(left) >> [] {});
      if (got)
        return true;
    }
  }

  /// A sync's answer: true with positions, false with an error (kept).
  bool sync(const std::string& key, const session_credential& credential) {
    bool ok = false;
    self->request(aggregator, std::chrono::seconds(30), sync_atom::value, credential, key)
      .receive([&](std::vector<delivered_position>&) { ok = true; },
               [&](caf::error& e) {
                 last_error = system.render(e);
                 ok = false;
               });
    return ok;
  }
};

inline std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

} // namespace logcatch::test

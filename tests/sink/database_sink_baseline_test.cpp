// The database sink's baselines (the time since which a key tracks its
// files) when the database is not there yet: stamped when the key's first
// sync reached the sink, as the file sink does, not when the connection
// came; and a stop writes the baselines of the syncs that waited for it.
// Against an in-memory destination that comes up late: no server needed.

#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/sink/database_sink_actor.hpp"
#include "actors/sink/database_start_baselines.hpp"
#include "actors/system_config.hpp"
#include "actors/tailer/file_set.hpp"

using namespace logcatch;
using namespace std::chrono_literals;

namespace {

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// A database that refuses connections until `up_at`, then keeps what is
/// written in memory; each write takes `write_time`.
class late_database final : public database_destination {
public:
  late_database(std::chrono::steady_clock::time_point up_at, std::chrono::milliseconds write_time)
    : up_at_(up_at), write_time_(write_time) {}

  std::string name() const override { return "late database"; }
  destination_result prepare() override {
    if (std::chrono::steady_clock::now() < up_at_)
      return destination_result::failed(write_outcome::not_written, "not up yet");
    return destination_result::success();
  }
  destination_result load_positions(stored_positions& out) override {
    std::lock_guard<std::mutex> guard(mutex_);
    out = stored_;
    return destination_result::success();
  }
  destination_result write(const destination_write& w) override {
    std::this_thread::sleep_for(write_time_);
    std::lock_guard<std::mutex> guard(mutex_);
    for (auto& [key, list] : w.positions)
      stored_[key] = list;
    return destination_result::success();
  }
  /// The key's baseline as stored: its offset is the time (ms); -1 when none.
  int64_t stored_baseline(const std::string& key) {
    std::lock_guard<std::mutex> guard(mutex_);
    return baseline_in(stored_[key]);
  }
  static int64_t baseline_in(const std::vector<delivered_position>& list) {
    for (auto& p : list)
      if (file_set::is_baseline(p.file))
        return static_cast<int64_t>(p.offset);
    return -1;
  }

private:
  std::chrono::steady_clock::time_point up_at_;
  std::chrono::milliseconds write_time_;
  std::mutex mutex_;
  stored_positions stored_;
};

sink_config database_sink() {
  sink_config cfg;
  cfg.type = sink_type::clickhouse;
  return cfg;
}

} // namespace

TEST_CASE("database sink: a key's baseline is the time its first sync came, also when the database came up later") {
  system_config cfg{false};
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  auto db = std::make_shared<late_database>(std::chrono::steady_clock::now() + 1500ms, 0ms);
  auto sink = system.spawn(database_sink_actor,
                           database_sink_options{database_sink(), db, nullptr, nullptr});
  int64_t asked = unix_ms();
  int64_t answered_baseline = -1;
  self->request(sink, 30s, sync_atom::value, std::string("app"))
    .receive(
      [&](const std::vector<delivered_position>& positions) {
        answered_baseline = late_database::baseline_in(positions);
      },
      [&](caf::error& err) { FAIL("sync failed: " << system.render(err)); });
  int64_t connected = unix_ms();
  INFO("sync sent at " << asked << " ms, answered at " << connected << " ms");
  // Rotated copies modified since the baseline (minus 2 s) are read whole:
  // a baseline taken when the database answered would make history of
  // every copy rotated while it was not there.
  CHECK(connected - asked >= 1400);
  CHECK(answered_baseline >= asked);
  CHECK(answered_baseline < asked + 500);
  CHECK(db->stored_baseline("app") == answered_baseline);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}

TEST_CASE("database sink: a stop's drain writes the baselines of syncs that waited for the database") {
  system_config cfg{false};
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  // Writes take a while: a drain answered before the baseline's write
  // ended would find nothing stored.
  auto db = std::make_shared<late_database>(std::chrono::steady_clock::now() + 500ms, 300ms);
  auto sink = system.spawn(database_sink_actor,
                           database_sink_options{database_sink(), db, nullptr, nullptr});
  int64_t asked = unix_ms();
  // The root's sync for a key, then its stop (no tailer ever ran).
  caf::anon_send(sink, sync_atom::value, std::string("app"));
  bool drained = false;
  self->request(sink, 30s, drain_atom::value)
    .receive([&](caf::ok_atom) { drained = true; },
             [&](caf::error& err) { FAIL("drain failed: " << system.render(err)); });
  REQUIRE(drained);
  auto stored = db->stored_baseline("app");
  CHECK(stored >= asked);
  CHECK(stored < asked + 400);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}

TEST_CASE("database start: the keys without a baseline get one before any tailer runs, the others keep theirs") {
  auto db = std::make_shared<late_database>(std::chrono::steady_clock::now(), 0ms);
  REQUIRE(write_start_baselines(*db, {"old"}, 1000).ok());
  REQUIRE(db->stored_baseline("old") == 1000);
  // A restart: "old" keeps the baseline it has, "new" gets one now.
  REQUIRE(write_start_baselines(*db, {"old", "new"}, 5000).ok());
  CHECK(db->stored_baseline("old") == 1000);
  CHECK(db->stored_baseline("new") == 5000);
  // Nothing to write: no database write at all.
  REQUIRE(write_start_baselines(*db, {"old", "new"}, 9000).ok());
  CHECK(db->stored_baseline("new") == 5000);
}

TEST_CASE("database start: a database that cannot be read leaves the baselines to the sink") {
  struct unreadable final : database_destination {
    std::string name() const override { return "unreadable"; }
    destination_result prepare() override { return destination_result::success(); }
    destination_result load_positions(stored_positions&) override {
      return destination_result::failed(write_outcome::not_written, "connection reset");
    }
    destination_result write(const destination_write&) override {
      FAIL("nothing may be written when the positions could not be read");
      return destination_result::success();
    }
  } broken;
  auto r = write_start_baselines(broken, {"app"}, 1000);
  CHECK_FALSE(r.ok());
  CHECK(r.error == "connection reset");
}

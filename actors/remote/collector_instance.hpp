#pragma once

// A collector's persistent instance id: drawn once and kept in its state_dir,
// so an aggregator tells "the same collector again" (restarted, reconnected:
// it takes its node name over) from "another collector using the same node
// name" (refused while the first is live).

#include <string>

namespace logcatch {

/// The id in `state_dir`/collector-instance, created (32 random hex digits,
/// written atomically) when missing. Throws std::runtime_error naming the
/// file when it cannot be read or created, or holds something else.
std::string collector_instance_id(const std::string& state_dir);

/// A fresh id (32 random hex digits), kept nowhere: when state_dir is not writable.
std::string one_run_instance_id();

/// True for what collector_instance_id returns: 1..64 hex digits.
bool valid_instance_id(const std::string& id);

} // namespace logcatch

#pragma once

// A collector's keys' baselines (the time since which a key tracks its
// files), written into the database at start, before any tailer runs.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/sink/database_destination.hpp"

namespace logcatch {

/// Writes a baseline at `now_ms` for each of `keys` that has none in the
/// database yet (reading the positions back first). The sink would write
/// the same at each key's first sync, but only once it has connected: a
/// collector SIGKILLed before then left no baseline, and the next start's
/// made history of the files rotated in between (a rotated copy modified
/// more than 2 s before a key's baseline is not read). Called right after
/// a successful prepare(); a failure only leaves the sink to do it.
destination_result write_start_baselines(database_destination& destination,
                                         const std::vector<std::string>& keys, int64_t now_ms);

} // namespace logcatch

#pragma once

// `logcatch-bench soak`: the model-based simulation without bound (see
// bench/sim): random programs against the delivery core (or, with --binary,
// the real logcatch binary) until the time is up or one fails; a failure is
// shrunk and printed with its seed.

namespace logcatch::bench {

/// Parses the soak's own flags (argv[0] is "soak") and runs it; the exit
/// code: 0 nothing lost or duplicated, 1 a failing program, 2 bad flags.
int run_soak(int argc, char** argv);

} // namespace logcatch::bench

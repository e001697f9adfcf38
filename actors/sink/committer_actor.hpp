#pragma once

#include <string>

#include <caf/all.hpp>

namespace logcatch {

/// Makes the sink's commits durable off its writing thread: fdatasync of the
/// output, then the state file (atomic save). fdatasync covers every byte
/// written before it is called, so a state naming a length captured earlier
/// never claims bytes the disk lacks, while the sink goes on writing instead
/// of waiting for the disk (a slow flush used to stall every line behind
/// it). Detached (it blocks in fdatasync), linked to the sink. Answers a
/// commit_request with (commit_atom, seq, error): error empty when committed.
/// `state_path` names it in CAF's view (and gives the spawn an argument:
/// CAF 0.17 dereferences a null tuple pointer for a function actor without
/// any, which UBSan reports).
caf::behavior committer_actor(caf::event_based_actor* self, std::string state_path);

} // namespace logcatch

#include "actors/sink/committer_actor.hpp"

#include <cstring>
#include <system_error>

#include "actors/messages.hpp"

namespace logcatch {

caf::behavior committer_actor(caf::event_based_actor*, std::string) {
  return {
    [](const commit_request& req) -> caf::result<commit_atom, uint64_t, std::string> {
      std::string error;
      if (int e = req.out->sync_errno(); e != 0) {
        error = req.out->name() + ": cannot sync sink output: " + std::strerror(e);
      } else {
        try {
          req.state->save(req.checkpoint);
        } catch (const std::system_error& ex) {
          error = ex.what();
        }
      }
      return {commit_atom::value, req.seq, std::move(error)};
    },
  };
}

} // namespace logcatch

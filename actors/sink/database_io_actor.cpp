#include "actors/sink/database_io_actor.hpp"

#include "actors/messages.hpp"

#include <utility>

namespace logcatch {

caf::behavior database_io_actor(caf::stateful_actor<database_io_state>* self,
                                std::shared_ptr<database_destination> destination,
                                bool prepared) {
  self->state.destination = std::move(destination);
  self->state.prepared = prepared;
  return {
    [self](connect_atom) {
      auto& dest = *self->state.destination;
      database_reply reply;
      if (!std::exchange(self->state.prepared, false))
        reply.result = dest.prepare();
      if (reply.result.ok())
        reply.result = dest.load_positions(reply.positions);
      return reply;
    },
    [self](const database_job_ref& ref) {
      database_reply reply;
      reply.result = self->state.destination->write(ref.job->write);
      return reply;
    },
  };
}

} // namespace logcatch

#include "actors/sink/database_io_actor.hpp"

#include "actors/messages.hpp"

namespace logcatch {

caf::behavior database_io_actor(caf::stateful_actor<database_io_state>* self,
                                std::shared_ptr<database_destination> destination) {
  self->state.destination = std::move(destination);
  return {
    [self](connect_atom) {
      auto& dest = *self->state.destination;
      database_reply reply;
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

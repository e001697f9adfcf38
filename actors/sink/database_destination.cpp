#include "actors/sink/database_destination.hpp"

#include <stdexcept>

#include "actors/sink/database_destination_postgresql.hpp"

namespace logcatch {

std::unique_ptr<database_destination> make_database_destination(const sink_config& cfg) {
  switch (cfg.type) {
    case sink_type::postgresql:
      return std::make_unique<postgresql_destination>(cfg.database);
    case sink_type::clickhouse:
      // The ClickHouse destination (issue 13, branch wip-13b) plugs in here.
      throw std::invalid_argument("sink type clickhouse: not built into this logcatch yet");
    default:
      throw std::invalid_argument("not a database sink type");
  }
}

} // namespace logcatch

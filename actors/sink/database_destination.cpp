#include "actors/sink/database_destination.hpp"

#include <stdexcept>

#include "actors/sink/database_destination_clickhouse.hpp"
#include "actors/sink/database_destination_postgresql.hpp"

namespace logcatch {

std::unique_ptr<database_destination> make_database_destination(const sink_config& cfg) {
  switch (cfg.type) {
    case sink_type::postgresql:
      return std::make_unique<postgresql_destination>(cfg.database);
    case sink_type::clickhouse:
      return std::make_unique<clickhouse_destination>(cfg.database);
    default:
      throw std::invalid_argument("not a database sink type");
  }
}

} // namespace logcatch

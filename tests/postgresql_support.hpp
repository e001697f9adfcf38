#pragma once

// The private PostgreSQL the database sink tests run against
// (bench/workload/postgresql_server: the benchmark starts the same one).

#include "bench/workload/postgresql_server.hpp"

namespace logcatch::test {

using logcatch::postgresql_server;

} // namespace logcatch::test

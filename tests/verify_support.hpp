#pragma once

// The exactly-once check every delivery test ends with.

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "bench/workload/delivery_verifier.hpp"

namespace logcatch::test {

/// Every stream in `written` (stream -> lines written) was seen exactly once
/// and in order, and no line was malformed; each stream's figures are shown
/// on failure.
inline void require_clean(const delivery_verifier& v, const std::map<std::string, uint64_t>& written) {
  for (auto& r : v.report(written)) {
    INFO("stream " << r.stream << ": written " << r.written << ", unique " << r.unique
                   << ", lost " << r.lost << ", duplicated " << r.duplicated
                   << ", out of order " << r.out_of_order);
    CHECK(r.lost == 0);
    CHECK(r.duplicated == 0);
    CHECK(r.out_of_order == 0);
  }
  CHECK(v.malformed() == 0);
}

} // namespace logcatch::test

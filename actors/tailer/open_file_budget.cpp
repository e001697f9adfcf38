#include "actors/tailer/open_file_budget.hpp"

#include <algorithm>
#include <limits>
#include <sys/resource.h>

namespace logcatch {

open_file_budget& open_file_budget::process() {
  static open_file_budget budget{std::numeric_limits<std::size_t>::max()};
  return budget;
}

std::size_t open_file_budget::default_for(std::size_t nofile) {
  auto reserve = std::max<std::size_t>(64, nofile / 8);
  return nofile > reserve + 16 ? nofile - reserve : 16;
}

std::size_t open_file_budget::configure_process(std::size_t configured) {
  struct rlimit rl {};
  std::size_t nofile = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur < rl.rlim_max) {
      auto raised = rl;
      raised.rlim_cur = rl.rlim_max;
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
        rl = raised;
    }
    nofile = rl.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20 : static_cast<std::size_t>(rl.rlim_cur);
  }
  auto budget = configured != 0 ? configured : default_for(nofile);
  process().set_limit(budget);
  return budget;
}

} // namespace logcatch

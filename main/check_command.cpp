#include <iostream>

#include "config/config_loader.hpp"
#include "main/commands.hpp"

namespace logcatch {

int check_command(const std::string& config_path) {
  try {
    auto cfg = load_config_file(config_path);
    std::cout << summarize(cfg) << "\n";
    return 0;
  } catch (const config_error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
}

} // namespace logcatch

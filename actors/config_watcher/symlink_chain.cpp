#include "actors/config_watcher/symlink_chain.hpp"

#include <climits>
#include <deque>
#include <unistd.h>

namespace logcatch {

namespace {

constexpr int max_links = 40; // the kernel's limit before ELOOP

/// Appends the components of `path` in front of `pending`, in order.
void push_front_components(const std::string& path, std::deque<std::string>& pending) {
  std::deque<std::string> parts;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string::npos)
      slash = path.size();
    if (slash > pos)
      parts.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  pending.insert(pending.begin(), parts.begin(), parts.end());
}

std::string parent_of(const std::string& folder) {
  auto slash = folder.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : folder.substr(0, slash);
}

std::string join(const std::string& folder, const std::string& name) {
  return folder == "/" ? "/" + name : folder + "/" + name;
}

void add_once(std::vector<watched_name>& chain, watched_name name) {
  for (const auto& known : chain)
    if (known == name)
      return; // a link loop comes back to names it already has
  chain.push_back(std::move(name));
}

} // namespace

std::optional<std::string> read_link_on_disk(const std::string& path) {
  char buf[PATH_MAX];
  auto n = ::readlink(path.c_str(), buf, sizeof(buf));
  if (n < 0 || static_cast<std::size_t>(n) >= sizeof(buf))
    return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

std::vector<watched_name> symlink_chain(const std::string& path, const std::string& cwd,
                                        const link_reader& read_link) {
  std::vector<watched_name> chain;
  std::deque<std::string> pending;
  push_front_components(path, pending);
  if (path.empty() || path.front() != '/')
    push_front_components(cwd, pending);
  std::string resolved = "/";
  std::string last_name; // the component `resolved` ends with (empty at "/")
  int links = 0;
  while (!pending.empty()) {
    auto part = std::move(pending.front());
    pending.pop_front();
    if (part == ".")
      continue;
    if (part == "..") {
      resolved = parent_of(resolved);
      last_name.clear();
      continue;
    }
    auto candidate = join(resolved, part);
    auto target = links < max_links ? read_link(candidate) : std::nullopt;
    if (!target || target->empty()) {
      resolved = candidate;
      last_name = part;
      continue;
    }
    ++links;
    add_once(chain, watched_name{resolved, part});
    push_front_components(*target, pending);
    if (target->front() == '/') {
      resolved = "/";
      last_name.clear();
    }
  }
  // The file the chain ends at (a path ending in "/" or ".." names a folder:
  // nothing to add).
  if (!last_name.empty())
    add_once(chain, watched_name{parent_of(resolved), last_name});
  return chain;
}

} // namespace logcatch

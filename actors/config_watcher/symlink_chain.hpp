#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace logcatch {

/// One name whose events in one folder concern a watched file.
struct watched_name {
  std::string folder; ///< absolute, with the symlinks before it resolved
  std::string name;   ///< one path component, never empty

  bool operator==(const watched_name& o) const { return folder == o.folder && name == o.name; }
  bool operator<(const watched_name& o) const {
    return folder != o.folder ? folder < o.folder : name < o.name;
  }
};

/// What a symlink at an absolute path points to, or nullopt when the path is
/// not a symlink (or is absent).
using link_reader = std::function<std::optional<std::string>(const std::string& path)>;

/// Reads links from the filesystem (readlink(2)).
std::optional<std::string> read_link_on_disk(const std::string& path);

/// The names a file's content depends on: every symlink met while resolving
/// `path` (as realpath does, component by component), each as its name in
/// its folder, and last the file it ends at. Replacing any of them (an
/// editor's rename, Kubernetes' "..data" swap, a link retargeted elsewhere)
/// changes what `path` reads; events on any other name cannot.
///
/// `config.yaml -> ..data/config.yaml`, `..data -> ..v1` in /etc/app gives
/// (/etc/app, config.yaml), (/etc/app, ..data), (/etc/app/..v1, config.yaml).
/// A relative `path` is taken from `cwd`. A missing component ends nothing:
/// the names are those the file would have once it is there. A link loop
/// stops after 40 links (as the kernel's ELOOP).
std::vector<watched_name> symlink_chain(const std::string& path, const std::string& cwd,
                                        const link_reader& read_link = read_link_on_disk);

} // namespace logcatch

#pragma once

#include <cstddef>
#include <string>

#include "config/config_model.hpp"

namespace logcatch {

/// The sink's destination: stdout or a file opened for appending.
class output_writer {
public:
  /// Opens the destination; throws std::runtime_error "PATH: cause".
  explicit output_writer(const sink_config& cfg);
  ~output_writer();
  output_writer(const output_writer&) = delete;
  output_writer& operator=(const output_writer&) = delete;

  /// Writes as much of [data, data+n) as it can. Returns the bytes written;
  /// fewer than n means an error, whose errno is in last_error().
  std::size_t write(const char* data, std::size_t n);
  int last_error() const { return last_error_; }
  /// Makes what was written durable (fdatasync) for a file; true for stdout.
  /// On failure, last_error() has the errno.
  bool sync();
  /// sync() that may run on another thread while this one writes: 0 or the errno.
  int sync_errno() const;
  const std::string& name() const { return name_; }

private:
  int fd_ = -1;
  bool owned_ = false;
  int last_error_ = 0;
  std::string name_;
};

} // namespace logcatch

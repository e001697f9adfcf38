#pragma once

// The terminal while `logcatch top` draws on it: keys without Enter, no
// echo, the alternate screen, no cursor; all restored by the destructor.

#include <string>
#include <termios.h>

namespace logcatch {

/// Owns the terminal on fds 0 (keys) and 1 (screen) for its lifetime.
/// Ctrl-C still raises SIGINT (the caller reads it), so the terminal is
/// restored on a normal return, on q and on every handled signal.
class terminal_screen {
public:
  terminal_screen();
  ~terminal_screen();
  terminal_screen(const terminal_screen&) = delete;
  terminal_screen& operator=(const terminal_screen&) = delete;

  /// Gives the terminal back as it was (before a stop on Ctrl-Z)...
  void suspend();
  /// ...and takes it again (after SIGCONT).
  void resume();

  /// Replaces the screen's content with `frame` ('\n'-separated lines);
  /// false when the terminal is gone.
  bool draw(const std::string& frame);

  /// Columns and lines of the window (80x24 when unknown).
  int columns() const;
  int lines() const;

  /// Whether keys can be read from fd 0 (it is a terminal).
  bool reads_keys() const { return keys_; }

private:
  bool keys_ = false;   // fd 0 is a terminal and `saved_` holds its mode
  bool active_ = false; // our mode and screen are in place
  termios saved_{};
};

} // namespace logcatch

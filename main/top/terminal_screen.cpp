#include "main/top/terminal_screen.hpp"

#include <cerrno>
#include <sys/ioctl.h>
#include <unistd.h>

namespace logcatch {

namespace {

// Alternate screen on, cursor hidden, cleared / cursor shown, alternate screen off.
constexpr const char* enter_screen = "\x1b[?1049h\x1b[?25l\x1b[2J";
constexpr const char* leave_screen = "\x1b[?25h\x1b[?1049l";

bool write_all(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(1, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

winsize window_size() {
  winsize size{};
  if (::ioctl(1, TIOCGWINSZ, &size) != 0 || size.ws_col == 0 || size.ws_row == 0) {
    size.ws_col = 80;
    size.ws_row = 24;
  }
  return size;
}

} // namespace

terminal_screen::terminal_screen() {
  keys_ = ::isatty(0) && ::tcgetattr(0, &saved_) == 0;
  resume();
}

terminal_screen::~terminal_screen() {
  suspend();
}

void terminal_screen::suspend() {
  if (!active_)
    return;
  active_ = false;
  write_all(leave_screen);
  if (keys_)
    ::tcsetattr(0, TCSADRAIN, &saved_);
}

void terminal_screen::resume() {
  if (active_)
    return;
  active_ = true;
  if (keys_) {
    // Keys one at a time and unechoed; ISIG stays, so Ctrl-C is SIGINT.
    termios raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    ::tcsetattr(0, TCSADRAIN, &raw);
  }
  write_all(enter_screen);
}

bool terminal_screen::draw(const std::string& frame) {
  // Home, each line then clear-to-end-of-line, then clear the rest: no
  // full-screen clear, so no flicker.
  std::string out = "\x1b[H";
  std::size_t start = 0;
  while (start < frame.size()) {
    auto end = frame.find('\n', start);
    if (end == std::string::npos)
      end = frame.size();
    out.append(frame, start, end - start);
    out += "\x1b[K";
    if (end + 1 < frame.size())
      out += "\r\n";
    start = end + 1;
  }
  out += "\x1b[J";
  return write_all(out);
}

int terminal_screen::columns() const {
  return window_size().ws_col;
}

int terminal_screen::lines() const {
  return window_size().ws_row;
}

} // namespace logcatch

// `logcatch top`: a live table of a collector's /metrics. On a terminal it
// redraws every interval until q, Ctrl-C or SIGTERM; otherwise (or with
// --once) it prints one plain snapshot whose rates span one interval.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "config/duration.hpp"
#include "config/network_names.hpp"
#include "main/commands.hpp"
#include "main/signals.hpp"
#include "main/top/metrics_scraper.hpp"
#include "main/top/terminal_screen.hpp"
#include "main/top/top_table.hpp"
#include "main/top/top_view.hpp"

namespace logcatch {

namespace {

using clock_type = std::chrono::steady_clock;

/// One successful scrape and when it came back.
struct timed_scrape {
  std::vector<metric_sample> samples;
  clock_type::time_point at;
};

double seconds_between(const timed_scrape& earlier, const timed_scrape& later) {
  return std::chrono::duration<double>(later.at - earlier.at).count();
}

std::string rates_over(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2fs", seconds);
  return text;
}

/// Not a terminal, or --once: two scrapes one interval apart, one table.
int print_snapshot(metrics_scraper& scraper, millis interval) {
  auto first = scraper.scrape();
  auto first_at = clock_type::now();
  if (!first.ok()) {
    std::cerr << "logcatch top: " << printable(first.error) << "\n";
    return 1;
  }
  if (wait_for_signal(interval) != 0) {
    std::cerr << "logcatch top: interrupted before the second scrape\n";
    return 1;
  }
  auto second = scraper.scrape();
  auto second_at = clock_type::now();
  if (!second.ok()) {
    std::cerr << "logcatch top: " << printable(second.error) << "\n";
    return 1;
  }
  timed_scrape before{std::move(first.samples), first_at};
  timed_scrape now{std::move(second.samples), second_at};
  double seconds = seconds_between(before, now);
  auto view = build_top_view(&before.samples, now.samples, seconds);
  top_table_options options;
  options.title = "logcatch top: " + scraper.url() + ", rates over " + rates_over(seconds);
  std::cout << render_top_table(view, options) << std::flush;
  return std::cout ? 0 : 1;
}

/// What the signalfd and the keyboard asked for.
enum class request { none, quit, redraw, stop };

request read_signals(int fd) {
  request wanted = request::none;
  signalfd_siginfo info{};
  while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    switch (info.ssi_signo) {
      case SIGWINCH:
        if (wanted == request::none)
          wanted = request::redraw;
        break;
      case SIGTSTP:
        if (wanted != request::quit)
          wanted = request::stop;
        break;
      default: // SIGINT, SIGTERM, SIGHUP, SIGQUIT
        wanted = request::quit;
    }
  }
  return wanted;
}

/// On a terminal: redraw every interval until q, Ctrl-C or a stop signal.
int watch(metrics_scraper& scraper, millis interval) {
  // The stop signals are blocked since main; the terminal's own signals are
  // blocked here too, so every one arrives on the signalfd and the terminal
  // is restored by the normal return path, never from a handler.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP})
    sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) {
    std::cerr << "logcatch top: cannot watch signals\n";
    return 1;
  }

  std::optional<timed_scrape> previous;
  std::optional<timed_scrape> current;
  std::string status;
  std::string title = "logcatch top  " + scraper.url() + "  every " + format_duration(interval) +
                      "  (q quits)";
  int code = 0;
  {
    terminal_screen screen;
    bool keys = screen.reads_keys();
    auto next_scrape = clock_type::now();
    bool redraw = false;
    for (bool quit = false; !quit;) {
      if (clock_type::now() >= next_scrape) {
        auto result = scraper.scrape();
        auto at = clock_type::now();
        if (result.ok()) {
          previous = std::move(current);
          current = timed_scrape{std::move(result.samples), at};
          status.clear();
        } else {
          status = "error: " + result.error + " (retrying every " + format_duration(interval) + ")";
        }
        next_scrape = at + interval;
        redraw = true;
      }
      if (redraw) {
        top_view view;
        if (current)
          view = build_top_view(previous ? &previous->samples : nullptr, current->samples,
                                previous ? seconds_between(*previous, *current) : 0);
        top_table_options options;
        options.width = static_cast<std::size_t>(screen.columns());
        options.height = static_cast<std::size_t>(screen.lines());
        options.title = title;
        options.status = status;
        if (!screen.draw(render_top_table(view, options))) {
          code = 1; // the terminal is gone
          break;
        }
        redraw = false;
      }

      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_scrape - clock_type::now());
      pollfd fds[2] = {{signal_fd, POLLIN, 0}, {0, POLLIN, 0}};
      int ready = ::poll(fds, keys ? 2 : 1, static_cast<int>(std::max<long long>(0, wait.count())));
      if (ready < 0 && errno != EINTR) {
        code = 1;
        break;
      }
      if (keys && fds[1].revents != 0) {
        char pressed[64];
        auto n = ::read(0, pressed, sizeof pressed);
        if (n <= 0)
          keys = false; // hung up: the signals still end it
        for (ssize_t i = 0; i < n; ++i)
          if (pressed[i] == 'q' || pressed[i] == 'Q')
            quit = true;
      }
      if (fds[0].revents != 0) {
        switch (read_signals(signal_fd)) {
          case request::quit:
            quit = true;
            break;
          case request::redraw:
            redraw = true;
            break;
          case request::stop:
            // Ctrl-Z: give the terminal back, stop for real, take it again.
            screen.suspend();
            ::kill(::getpid(), SIGSTOP);
            screen.resume();
            redraw = true;
            break;
          case request::none:
            break;
        }
      }
    }
  } // the terminal is restored here
  ::close(signal_fd);
  return code;
}

} // namespace

int top_command(const top_flags& flags) {
  auto address = parse_host_port(flags.metrics);
  if (!address || address->port == 0) {
    std::cerr << "logcatch top: --metrics: expected HOST:PORT with a port 1..65535, got '"
              << flags.metrics << "'\n";
    return 2;
  }
  auto interval = parse_duration(flags.interval);
  if (!interval || interval->count() <= 0) {
    std::cerr << "logcatch top: --interval: expected a positive duration such as 500ms or 2s, got '"
              << flags.interval << "'\n";
    return 2;
  }
  try {
    metrics_scraper scraper{*address};
    if (flags.once || !::isatty(1))
      return print_snapshot(scraper, *interval);
    return watch(scraper, *interval);
  } catch (const std::exception& e) {
    std::cerr << "logcatch top: " << e.what() << "\n";
    return 1;
  }
}

} // namespace logcatch

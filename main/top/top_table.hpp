#pragma once

// The text `logcatch top` prints: a title, one row per key with aligned
// columns, and a footer. The same text serves the terminal (redrawn) and a
// pipe (one snapshot); escape codes are the caller's business.

#include <cstddef>
#include <string>

#include "main/top/top_view.hpp"

namespace logcatch {

struct top_table_options {
  std::size_t width = 0;  ///< columns; 0 = no limit (keys and errors in full)
  std::size_t height = 0; ///< lines; 0 = no limit, else rows beyond it are summarized
  std::string title;      ///< first line when not empty
  std::string status;     ///< second line when not empty (e.g. a scrape error)
};

/// Renders `view` as '\n'-terminated lines without trailing blanks, each at
/// most `width` characters (code points). Rates not known yet show as "-".
/// Control characters in keys and errors (which come from the network) are
/// shown as '?' (newlines and tabs as spaces), so they cannot move the cursor.
std::string render_top_table(const top_view& view, const top_table_options& options);

/// `text` made printable as above.
std::string printable(const std::string& text);

/// `text` cut to at most `width` code points, ending in "..." when cut.
std::string fit_width(const std::string& text, std::size_t width);

} // namespace logcatch

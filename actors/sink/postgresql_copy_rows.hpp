#pragma once

// The rows a PostgreSQL sink sends, in COPY's text format: the lines table
// and the positions table. Pure encoding, no libpq: unit-tested alone.
//
// PostgreSQL `text` refuses NUL and invalid UTF-8. A line that is valid
// UTF-8 without NUL (nearly all) is stored as is in `line` and `raw` is
// NULL. Any other line keeps its exact bytes in `raw` (bytea), and `line`
// holds a readable form in which each byte of an invalid sequence, and
// NUL, is U+FFFD. So `line` is always searchable text and
// coalesce(raw, convert_to(line, 'UTF8')) gives every line's exact bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/line_batch.hpp"
#include "actors/sink/delivery_positions.hpp"

namespace logcatch {

/// The lines table's columns, in COPY order, with their PostgreSQL types.
struct postgresql_column {
  const char* name;
  const char* type; ///< as information_schema.columns.data_type says it
};
extern const std::vector<postgresql_column> postgresql_line_columns;
extern const std::vector<postgresql_column> postgresql_position_columns;

/// True when `text` is valid UTF-8 without NUL: PostgreSQL `text` takes it as is.
bool exact_postgresql_text(std::string_view text);

/// `text` with each byte of an invalid UTF-8 sequence, and NUL, replaced by
/// U+FFFD (the readable form of a line that needs `raw`).
std::string readable_utf8(std::string_view text);

/// Appends `text` as one COPY text field (backslash, tab, newline, CR escaped).
void append_copy_text(std::string& out, std::string_view text);

/// Appends `bytes` as one COPY text field of type bytea (hex form).
void append_copy_bytea(std::string& out, std::string_view bytes);

/// "2026-11-30 00:13:46.123456+00" for UTC microseconds since the epoch.
std::string postgresql_timestamp(int64_t unix_us);

/// Appends lines [first_line, end) of `batch` as COPY text rows of the lines
/// table: time, node, key, file, inode, offset, line, cut, raw.
void append_line_rows(std::string& out, const line_batch& batch, std::size_t first_line,
                      int64_t collected_us);

/// COPY's binary format (COPY ... FROM STDIN WITH (FORMAT binary)): the same
/// rows without text escaping on our side nor text parsing on the server's
/// (a timestamptz is 8 bytes, not a string to parse). Text fields hold the
/// same values as in the text format (exact UTF-8, else the readable form
/// and `raw`). The data is the header, the rows, then the trailer.
void append_binary_copy_header(std::string& out);
void append_binary_copy_trailer(std::string& out);
void append_line_rows_binary(std::string& out, const line_batch& batch, std::size_t first_line,
                             int64_t collected_us);

/// A position key ("key", or "node/key" at an aggregator) split in two.
struct node_and_key {
  std::string node; ///< empty for a collector's own keys
  std::string key;
};
node_and_key split_position_key(const std::string& position_key);
std::string join_position_key(const std::string& node, const std::string& key);

/// Appends a key's positions as COPY text rows of the positions table, in
/// order (`ordinal` 0, 1, ...): node, key, ordinal, device, inode,
/// prefix_len, prefix_hash, offset, path, reading, updated. Unsigned 64-bit
/// values (hashes, reading ids) are stored as bigint bit for bit.
void append_position_rows(std::string& out, const std::string& position_key,
                          const std::vector<delivered_position>& positions);

/// Appends one row of the positions table as an SQL VALUES tuple
/// "(node, key, ordinal, device, ...)" in the column order of
/// append_position_rows, for an INSERT ... ON CONFLICT (the literals
/// assume standard_conforming_strings, the default the destination sets).
void append_position_values(std::string& out, const node_and_key& names, int64_t ordinal,
                            const delivered_position& pos);

/// `text` as an SQL string literal ('...' with quotes doubled).
std::string sql_string_literal(std::string_view text);

/// Decodes bytea's text output ("\x48656c6c6f") into bytes; false if malformed.
bool decode_bytea_hex(std::string_view text, std::string& out);

} // namespace logcatch

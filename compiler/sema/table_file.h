// compiler/sema/table_file: reads a table's reference data (LANGUAGE.md §6) at
// compile time. The file is CSV (RFC 4180, `.csv`) or JSON lines (`.jsonl`,
// `.ndjson`, `.json`); every cell is converted to its declared column type and
// the key is checked (present, unique, never null), so that what gets compiled
// into the handler is a well-formed lookup table. Every problem with the file's
// contents is reported at the file name in the .flow (TableDecl::fileRange),
// the message naming the file's own line: `countries.csv:3: column 'code': …`.
//
// Choices where the formats are silent (docs/language.md should repeat them):
// - CSV: the first record is the header; columns are matched by name, extra
//   file columns are ignored. Blank lines are skipped. A UTF-8 byte order mark
//   is skipped. Cells are not trimmed, except that spaces and tabs around an
//   int, float, bool or timestamp are ignored. An empty unquoted cell is null
//   in a nullable column; a quoted empty cell ("") is the empty string in any
//   string column; a required string column reads an empty cell as "".
// - JSON lines: one object per non-empty line; a column reads the member of
//   its name, or its `= $.path`; a missing member (or a path through
//   something that is not an object or array) is null.
// - timestamp: RFC 3339 (`2026-11-23T10:15:30.250Z`, `t`/space separator,
//   offset optional meaning UTC, fraction truncated to milliseconds), a bare
//   date (`2026-11-23`, midnight UTC), or a number of epoch milliseconds
//   (`timestamp(seconds)`: epoch seconds, fractions rounded to milliseconds).
//   Years 0000–9999 only. In JSON a timestamp is a string or a number.
// - Reading never throws and never crashes on any bytes (it is fuzzed).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "diagnostics/diagnostics.h"
#include "syntax/ast.h"

namespace flowc::sema {

// A table is compiled into the handler: past this it is not reference data.
inline constexpr size_t kMaxTableRows = 1'000'000;
// Errors reported for one table file before the rest are summed up in a note.
inline constexpr size_t kMaxTableFileErrors = 20;

// Reads table.file (relative to baseDir unless absolute) and fills table.rows with one ast::Value per
// declared column (table.columns order). Returns false after reporting errors to diags.
bool readTableFile(ast::TableDecl& table, const std::string& baseDir, size_t maxBytes, Diagnostics& diags);

// The same from the file's text already in memory (the format still comes
// from table.file's extension): for tests and fuzzing.
bool readTableText(ast::TableDecl& table, std::string_view text, Diagnostics& diags);

}  // namespace flowc::sema

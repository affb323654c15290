// Slurm's print_fields tables, as sacct and sshare print them (src/common/print_fields.c):
// every cell is padded to its field's width and followed by one space (the last one too), a
// header line and a line of dashes come first, and a value longer than the width is cut to
// width - 1 characters and ends with '+' (dates are cut without '+'). A field is right-
// aligned unless its default width is negative (sacct's JobID, sshare's Account); a width the
// user gives ("JobName%20") is always right-aligned. Parsable output (sacct -p / -P) joins the
// cells with '|' (-p also ends each line with one) and prints no dashes.
// Recorded Slurm output: tests/testdata/slurm/sacct.txt, sshare_long.txt.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace fairway::cli {

struct PrintField {
  std::string header;
  int width = 10;     // > 0
  bool left = false;  // left-aligned (Slurm: a negative default width)
  bool date = false;  // cut without '+'
};

enum class PrintMode { kTable, kParsable, kParsable2 };

struct PrintOptions {
  PrintMode mode = PrintMode::kTable;
  bool header = true;
};

// The whole table; `rows` hold one value per field.
std::string PrintFields(const std::vector<PrintField>& fields,
                        const std::vector<std::vector<std::string>>& rows,
                        const PrintOptions& options);

}  // namespace fairway::cli

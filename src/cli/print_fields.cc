#include "cli/print_fields.h"

namespace fairway::cli {
namespace {

// One cell: padded, aligned, cut to the width. `header`: a field name is cut without '+', as a date
// is.
std::string Cell(const PrintField& f, const std::string& value, bool header) {
  const size_t width = static_cast<size_t>(f.width);
  std::string v = value;
  if (v.size() > width) v = f.date || header ? v.substr(0, width) : v.substr(0, width - 1) + "+";
  const std::string pad(width - v.size(), ' ');
  return (f.left ? v + pad : pad + v) + " ";
}

std::string Line(const std::vector<PrintField>& fields, const std::vector<std::string>& values,
                 PrintMode mode, bool header) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string& v = i < values.size() ? values[i] : std::string();
    if (mode == PrintMode::kTable) {
      out += Cell(fields[i], v, header);
    } else {
      out += v;
      if (i + 1 < fields.size() || mode == PrintMode::kParsable) out += "|";
    }
  }
  return out + "\n";
}

}  // namespace

std::string PrintFields(const std::vector<PrintField>& fields,
                        const std::vector<std::vector<std::string>>& rows,
                        const PrintOptions& options) {
  std::string out;
  if (options.header) {
    std::vector<std::string> names;
    std::string dashes;
    for (const PrintField& f : fields) {
      names.push_back(f.header);
      dashes += std::string(static_cast<size_t>(f.width), '-') + " ";
    }
    out += Line(fields, names, options.mode, true);
    if (options.mode == PrintMode::kTable) out += dashes + "\n";
  }
  for (const std::vector<std::string>& row : rows) out += Line(fields, row, options.mode, false);
  return out;
}

}  // namespace fairway::cli

#include "sim/philly_reader.h"

#include <array>
#include <charconv>
#include <memory>
#include <utility>

#include "common/status_macros.h"
#include "sim/internal/line_reader.h"
#include "sim/internal/text.h"

namespace fairway::sim {
namespace {

using internal::LineError;

constexpr std::array<std::string_view, 5> kColumns = {"timestamp", "duration", "num_gpus",
                                                      "gpu_time", "cluster"};

// Fixed-width unsigned decimal at text[pos, pos+width).
bool Digits(std::string_view text, size_t pos, size_t width, int* out) {
  if (pos + width > text.size()) {
    return false;
  }
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

// Column index of each of kColumns in the header.
struct ColumnMap {
  std::array<size_t, kColumns.size()> index{};
  size_t field_count = 0;
};

Status ParseHeaderLine(std::string_view line, std::string_view source, int64_t line_number,
                       ColumnMap* map) {
  const std::vector<std::string_view> names = internal::SplitCsv(line);
  map->field_count = names.size();
  for (size_t c = 0; c < kColumns.size(); ++c) {
    bool found = false;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == kColumns[c]) {
        map->index[c] = i;
        found = true;
        break;
      }
    }
    if (!found) {
      return LineError(source, line_number,
                       "header lacks column '" + std::string(kColumns[c]) + "'");
    }
  }
  return OkStatus();
}

Status ParseJobLine(std::string_view line, std::string_view source, int64_t line_number,
                    const ColumnMap& map, PhillyJob* job) {
  const std::vector<std::string_view> f = internal::SplitCsv(line);
  if (f.size() != map.field_count) {
    return LineError(
        source, line_number,
        "expected " + std::to_string(map.field_count) + " fields, got " + std::to_string(f.size()));
  }
  const std::string_view timestamp = f[map.index[0]];
  StatusOr<std::chrono::sys_seconds> submit = ParseUtcTimestamp(timestamp);
  if (!submit.ok()) {
    return LineError(source, line_number, submit.status().message());
  }
  job->submit_time = *submit;
  auto bad = [&](size_t column, std::string_view what) {
    return LineError(source, line_number,
                     std::string(kColumns[column]) + " is not " + std::string(what) + ": '" +
                         std::string(f[map.index[column]]) + "'");
  };
  if (!internal::ParseDouble(f[map.index[1]], &job->duration_s) || job->duration_s < 0) {
    return bad(1, "a non-negative number");
  }
  if (!internal::ParseInt64(f[map.index[2]], &job->num_gpus) || job->num_gpus < 0) {
    return bad(2, "a non-negative integer");
  }
  if (!internal::ParseDouble(f[map.index[3]], &job->gpu_time_s) || job->gpu_time_s < 0) {
    return bad(3, "a non-negative number");
  }
  job->cluster = std::string(f[map.index[4]]);
  if (job->cluster.empty()) {
    return LineError(source, line_number, "cluster is empty");
  }
  job->line_number = line_number;
  return OkStatus();
}

// Line-at-a-time parser shared by the file and the string entry points.
class Parser {
 public:
  explicit Parser(std::string_view source) { trace_.source = std::string(source); }

  Status Consume(std::string_view raw, int64_t line_number) {
    const std::string_view line = internal::Trim(raw);
    if (line.empty()) {
      return OkStatus();
    }
    if (!have_header_) {
      have_header_ = true;
      return ParseHeaderLine(line, trace_.source, line_number, &columns_);
    }
    PhillyJob job;
    FAIRWAY_RETURN_IF_ERROR(ParseJobLine(line, trace_.source, line_number, columns_, &job));
    trace_.jobs.push_back(std::move(job));
    return OkStatus();
  }

  StatusOr<PhillyTrace> Finish() && {
    if (!have_header_) {
      return InvalidArgumentError(trace_.source + ": empty file, expected a header line");
    }
    return std::move(trace_);
  }

 private:
  PhillyTrace trace_;
  ColumnMap columns_;
  bool have_header_ = false;
};

}  // namespace

StatusOr<std::chrono::sys_seconds> ParseUtcTimestamp(std::string_view text) {
  using namespace std::chrono;
  // YYYY-MM-DD HH:MM:SS
  // 0123456789012345678
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const bool shape_ok = text.size() == 19 && text[4] == '-' && text[7] == '-' &&
                        (text[10] == ' ' || text[10] == 'T') && text[13] == ':' &&
                        text[16] == ':' && Digits(text, 0, 4, &y) && Digits(text, 5, 2, &mo) &&
                        Digits(text, 8, 2, &d) && Digits(text, 11, 2, &h) &&
                        Digits(text, 14, 2, &mi) && Digits(text, 17, 2, &s);
  if (!shape_ok) {
    return InvalidArgumentError("timestamp is not 'YYYY-MM-DD HH:MM:SS': '" + std::string(text) +
                                "'");
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) {
    return InvalidArgumentError("timestamp out of range: '" + std::string(text) + "'");
  }
  return sys_seconds{sys_days{date}} + hours{h} + minutes{mi} + seconds{s};
}

StatusOr<PhillyTrace> ReadPhillyCsv(const std::string& path) {
  Parser parser(path);
  FAIRWAY_RETURN_IF_ERROR(internal::ForEachFileLine(
      path, [&](std::string_view line, int64_t n) { return parser.Consume(line, n); }));
  return std::move(parser).Finish();
}

StatusOr<PhillyTrace> ParsePhillyCsvText(std::string_view text, std::string_view source) {
  Parser parser(source);
  FAIRWAY_RETURN_IF_ERROR(internal::ForEachTextLine(
      text, [&](std::string_view line, int64_t n) { return parser.Consume(line, n); }));
  return std::move(parser).Finish();
}

}  // namespace fairway::sim

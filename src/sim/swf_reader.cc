#include "sim/swf_reader.h"

#include <array>
#include <memory>
#include <utility>

#include "common/status_macros.h"
#include "sim/internal/line_reader.h"
#include "sim/internal/text.h"

namespace fairway::sim {
namespace {

using internal::ParseDouble;
using internal::ParseInt64;
using internal::Trim;

constexpr std::array<const char*, kSwfFieldCount> kFieldNames = {
    "job number",       "submit time",   "wait time",       "run time",       "allocated procs",
    "average CPU time", "used memory",   "requested procs", "requested time", "requested memory",
    "status",           "user id",       "group id",        "executable",     "queue",
    "partition",        "preceding job", "think time"};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Parses "; Key: value" headers we care about. Returns OK for every other comment.
Status ParseHeader(std::string_view line, std::string_view source, int64_t line_number,
                   SwfTrace* trace) {
  std::string_view body = Trim(line.substr(1));
  const size_t colon = body.find(':');
  if (colon == std::string_view::npos) {
    return OkStatus();
  }
  const std::string_view key = Trim(body.substr(0, colon));
  std::optional<int64_t>* target = nullptr;
  if (key == "MaxNodes") {
    target = &trace->max_nodes;
  } else if (key == "MaxProcs") {
    target = &trace->max_procs;
  } else {
    return OkStatus();
  }
  const std::string_view value_text = Trim(body.substr(colon + 1));
  int64_t integer = 0;
  if (!ParseInt64(value_text, &integer) || integer <= 0) {
    return internal::LineError(
        source, line_number,
        std::string(key) + " header is not a positive integer: '" + std::string(value_text) + "'");
  }
  *target = integer;
  return OkStatus();
}

Status ParseJobLine(std::string_view line, std::string_view source, int64_t line_number,
                    SwfRecord* record) {
  std::array<std::string_view, kSwfFieldCount> tokens;
  int count = 0;
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && IsSpace(line[pos])) {
      ++pos;
    }
    if (pos >= line.size()) {
      break;
    }
    size_t end = pos;
    while (end < line.size() && !IsSpace(line[end])) {
      ++end;
    }
    if (count < kSwfFieldCount) {
      tokens[count] = line.substr(pos, end - pos);
    }
    ++count;
    pos = end;
  }
  if (count != kSwfFieldCount) {
    return internal::LineError(source, line_number,
                               "expected " + std::to_string(kSwfFieldCount) + " fields, got " +
                                   std::to_string(count) +
                                   (count < kSwfFieldCount ? " (truncated line?)" : ""));
  }
  std::array<double, kSwfFieldCount> values;
  for (int i = 0; i < kSwfFieldCount; ++i) {
    if (!ParseDouble(tokens[i], &values[i])) {
      return internal::LineError(source, line_number,
                                 "field " + std::to_string(i + 1) + " (" + kFieldNames[i] +
                                     ") is not a number: '" + std::string(tokens[i]) + "'");
    }
  }
  std::array<int64_t*, kSwfFieldCount> int_fields = {&record->job_number,
                                                     &record->submit_time_s,
                                                     &record->wait_time_s,
                                                     &record->run_time_s,
                                                     &record->allocated_procs,
                                                     nullptr,
                                                     &record->used_memory_kb,
                                                     &record->requested_procs,
                                                     &record->requested_time_s,
                                                     &record->requested_memory_kb,
                                                     &record->status,
                                                     &record->user_id,
                                                     &record->group_id,
                                                     &record->executable,
                                                     &record->queue,
                                                     &record->partition,
                                                     &record->preceding_job,
                                                     &record->think_time_s};
  for (int i = 0; i < kSwfFieldCount; ++i) {
    if (int_fields[i] == nullptr) {
      continue;
    }
    if (!ParseInt64(tokens[i], int_fields[i])) {
      return internal::LineError(source, line_number,
                                 "field " + std::to_string(i + 1) + " (" + kFieldNames[i] +
                                     ") is not an integer: '" + std::string(tokens[i]) + "'");
    }
  }
  record->avg_cpu_time_s = values[5];
  record->line_number = line_number;
  return OkStatus();
}

// Feeds one physical line into the trace.
Status ConsumeLine(std::string_view raw, std::string_view source, int64_t line_number,
                   SwfTrace* trace) {
  if (!raw.empty() && raw.back() == '\r') {  // CRLF files
    raw.remove_suffix(1);
  }
  const std::string_view line = Trim(raw);
  if (line.empty()) {
    return OkStatus();
  }
  if (line.front() == ';') {
    trace->header_comments.emplace_back(raw);
    return ParseHeader(line, source, line_number, trace);
  }
  SwfRecord record;
  FAIRWAY_RETURN_IF_ERROR(ParseJobLine(line, source, line_number, &record));
  trace->records.push_back(record);
  return OkStatus();
}

}  // namespace

StatusOr<SwfTrace> ReadSwfFile(const std::string& path) {
  SwfTrace trace;
  trace.source = path;
  FAIRWAY_RETURN_IF_ERROR(internal::ForEachFileLine(
      path, [&](std::string_view line, int64_t n) { return ConsumeLine(line, path, n, &trace); }));
  return trace;
}

StatusOr<SwfTrace> ParseSwfText(std::string_view text, std::string_view source) {
  SwfTrace trace;
  trace.source = std::string(source);
  FAIRWAY_RETURN_IF_ERROR(internal::ForEachTextLine(text, [&](std::string_view line, int64_t n) {
    return ConsumeLine(line, source, n, &trace);
  }));
  return trace;
}

}  // namespace fairway::sim

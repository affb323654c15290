// Structured logging (STYLE.md §8).
//
// Each component owns a named Logger. A record is a level, a message and key-value fields,
// written by the sink as one logfmt line:
//   ts=2026-11-25T22:40:01.123Z level=info logger=scheduler msg="cycle done" cycle=12 started=3
// The level is checked before any formatting work:
//   FAIRWAY_LOG(logger, kInfo, "cycle done", {{"cycle", n}, {"started", k}});
//
// Thread-safety: Logger and the default sinks are thread-safe. SetLogSink and SetLogLevel are
// meant for start-up and tests.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fairway {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

std::string_view LogLevelName(LogLevel level);
// Parses "debug", "info", "warn", "error", "off".
bool ParseLogLevel(std::string_view text, LogLevel* level);

// One key=value pair; the value is pre-rendered as text.
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  LogField(std::string_view k, double v);
  template <typename Int,
            typename = std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>>>
  LogField(std::string_view k, Int v) : key(k), value(std::to_string(v)) {}

  std::string key;
  std::string value;
};

struct LogRecord {
  LogLevel level;
  std::string_view logger;
  std::string_view message;
  const std::vector<LogField>* fields;
};

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(const LogRecord& record) = 0;
};

// Renders a record as one logfmt line (no trailing newline, no timestamp).
std::string FormatLogfmt(const LogRecord& record);

// Replaces the process-wide sink (default: logfmt lines on stderr with a UTC timestamp).
// Passing nullptr restores the default.
void SetLogSink(std::shared_ptr<LogSink> sink);
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();

class Logger {
 public:
  explicit Logger(std::string name) : name_(std::move(name)) {}
  bool Enabled(LogLevel level) const { return level >= GetLogLevel(); }
  // Writes `context` fields (With) first, then `fields`.
  void Log(LogLevel level, std::string_view message, std::vector<LogField> fields = {}) const;
  const std::string& name() const { return name_; }
  // The same logger with `fields` on every record, e.g. a scheduling cycle's number:
  //   Logger cycle_log = log_.With({{"cycle", n}});
  Logger With(std::vector<LogField> fields) const;

 private:
  std::string name_;
  std::vector<LogField> context_;
};

}  // namespace fairway

#define FAIRWAY_LOG(logger, level, msg, ...)                        \
  do {                                                              \
    if ((logger).Enabled(::fairway::LogLevel::level)) {             \
      (logger).Log(::fairway::LogLevel::level, msg, ##__VA_ARGS__); \
    }                                                               \
  } while (false)

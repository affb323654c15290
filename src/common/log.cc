#include "common/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace fairway {
namespace {

std::atomic<int>& LevelStorage() {
  static std::atomic<int> level{static_cast<int>(LogLevel::kInfo)};
  return level;
}

class StderrSink : public LogSink {
 public:
  void Write(const LogRecord& record) override {
    auto now = std::chrono::system_clock::now();
    std::time_t secs = std::chrono::system_clock::to_time_t(now);
    auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char ts[64];
    std::snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(millis.count()));
    std::string line = "ts=";
    line += ts;
    line += ' ';
    line += FormatLogfmt(record);
    line += '\n';
    std::lock_guard<std::mutex> lock(mu_);
    std::fwrite(line.data(), 1, line.size(), stderr);
  }

 private:
  std::mutex mu_;
};

struct SinkHolder {
  std::mutex mu;
  std::shared_ptr<LogSink> sink = std::make_shared<StderrSink>();
};

SinkHolder& Sink() {
  static SinkHolder holder;
  return holder;
}

bool NeedsQuoting(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

void AppendValue(std::string& out, std::string_view v) {
  if (!NeedsQuoting(v)) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

LogField::LogField(std::string_view k, double v) : key(k) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  value = buf;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "unknown";
}

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  for (LogLevel l :
       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError, LogLevel::kOff}) {
    if (text == LogLevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

std::string FormatLogfmt(const LogRecord& record) {
  std::string out = "level=";
  out += LogLevelName(record.level);
  out += " logger=";
  AppendValue(out, record.logger);
  out += " msg=";
  AppendValue(out, record.message);
  if (record.fields != nullptr) {
    for (const LogField& f : *record.fields) {
      out += ' ';
      out += f.key;
      out += '=';
      AppendValue(out, f.value);
    }
  }
  return out;
}

void SetLogSink(std::shared_ptr<LogSink> sink) {
  SinkHolder& holder = Sink();
  std::lock_guard<std::mutex> lock(holder.mu);
  holder.sink = sink ? std::move(sink) : std::make_shared<StderrSink>();
}

void SetLogLevel(LogLevel level) { LevelStorage().store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(LevelStorage().load()); }

void Logger::Log(LogLevel level, std::string_view message, std::vector<LogField> fields) const {
  if (!Enabled(level)) return;
  std::shared_ptr<LogSink> sink;
  {
    SinkHolder& holder = Sink();
    std::lock_guard<std::mutex> lock(holder.mu);
    sink = holder.sink;
  }
  if (!context_.empty()) fields.insert(fields.begin(), context_.begin(), context_.end());
  LogRecord record{level, name_, message, &fields};
  sink->Write(record);
}

Logger Logger::With(std::vector<LogField> fields) const {
  Logger out = *this;
  out.context_.insert(out.context_.end(), fields.begin(), fields.end());
  return out;
}

}  // namespace fairway

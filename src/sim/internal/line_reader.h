// Line-by-line reading of plain or gzip-compressed text files, for the trace readers.
//
// zlib's gzopen reads an uncompressed file transparently, so one code path serves `.swf`,
// `.swf.gz`, `.csv` and `.csv.gz`. Lines of any length are returned whole, without the trailing
// "\n" or "\r\n". Line numbers are 1-based and count physical lines, blank ones included.
//
// Thread-compatible: one thread owns each reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace fairway::sim::internal {

class LineReader {
 public:
  // Opens `path`. NotFound when the file cannot be opened (missing or unreadable).
  [[nodiscard]] static StatusOr<std::unique_ptr<LineReader>> Open(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Reads the next line into *line. Returns true when a line was read, false at end of file.
  // A read or decompression error becomes InvalidArgument naming the file and line number and
  // is reported through *status (left OK otherwise); the reader then returns false.
  bool Next(std::string* line, Status* status);

  // Number of the line last returned by Next (0 before the first call).
  int64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

 private:
  LineReader(std::string path, void* file) : path_(std::move(path)), file_(file) {}

  std::string path_;
  void* file_;  // gzFile; void* keeps zlib.h out of this header.
  int64_t line_number_ = 0;
  bool eof_ = false;
};

// "path:line: message" as InvalidArgument, the readers' error shape.
Status LineError(std::string_view path, int64_t line_number, std::string_view message);

// Calls consume(line, line_number) for every line of a file (plain or gzip), stopping at the
// first error.
template <typename Consume>
Status ForEachFileLine(const std::string& path, Consume consume) {
  StatusOr<std::unique_ptr<LineReader>> reader = LineReader::Open(path);
  if (!reader.ok()) return reader.status();
  std::string line;
  Status status;
  while ((*reader)->Next(&line, &status)) {
    Status consumed = consume(std::string_view(line), (*reader)->line_number());
    if (!consumed.ok()) return consumed;
  }
  return status;
}

// The same over text in memory; lines end at '\n' (the last may not).
template <typename Consume>
Status ForEachTextLine(std::string_view text, Consume consume) {
  int64_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++line_number;
    Status consumed = consume(text.substr(pos, end - pos), line_number);
    if (!consumed.ok()) return consumed;
    pos = end + 1;
  }
  return OkStatus();
}

}  // namespace fairway::sim::internal

#include "sim/internal/line_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace fairway::sim::internal {

StatusOr<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  errno = 0;
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int err = errno;
    return NotFoundError("cannot open " + path + ": " +
                         (err != 0 ? std::strerror(err) : "out of memory"));
  }
  return std::unique_ptr<LineReader>(new LineReader(path, file));
}

LineReader::~LineReader() { gzclose(static_cast<gzFile>(file_)); }

bool LineReader::Next(std::string* line, Status* status) {
  line->clear();
  if (eof_) {
    return false;
  }
  gzFile file = static_cast<gzFile>(file_);
  char buffer[4096];
  bool got_any = false;
  while (true) {
    char* read = gzgets(file, buffer, sizeof(buffer));
    if (read == nullptr) {
      int errnum = Z_OK;
      const char* message = gzerror(file, &errnum);
      eof_ = true;
      if (errnum != Z_OK && errnum != Z_BUF_ERROR) {
        *status = LineError(path_, line_number_ + 1,
                            std::string("read error: ") + (message ? message : "unknown"));
        return false;
      }
      if (errnum == Z_BUF_ERROR) {  // truncated gzip stream
        *status = LineError(path_, line_number_ + 1, "unexpected end of compressed data");
        return false;
      }
      break;
    }
    got_any = true;
    const size_t n = std::strlen(buffer);
    line->append(buffer, n);
    if (n > 0 && buffer[n - 1] == '\n') {
      break;
    }
  }
  if (!got_any) {
    return false;
  }
  ++line_number_;
  if (!line->empty() && line->back() == '\n') {
    line->pop_back();
  }
  if (!line->empty() && line->back() == '\r') {
    line->pop_back();
  }
  return true;
}

Status LineError(std::string_view path, int64_t line_number, std::string_view message) {
  std::string text(path);
  text += ":";
  text += std::to_string(line_number);
  text += ": ";
  text += message;
  return InvalidArgumentError(std::move(text));
}

}  // namespace fairway::sim::internal

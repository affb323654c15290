#include "sandbox/persistence.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/status_macros.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

constexpr size_t kHeaderBytes = 8;
// A record larger than this is not one the sandbox wrote (bodies are limited to 3 MiB).
constexpr uint32_t kMaxRecordBytes = 64u << 20;

// (bucket, namespace, name) -> object, while recovering.
using State = std::map<std::tuple<std::string, std::string, std::string>, json>;

const Logger& Log() {
  static const Logger* const kLog = new Logger("sandbox.persistence");
  return *kLog;
}

std::string ErrnoText() { return std::strerror(errno); }

uint32_t Crc32(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

void PutLe32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetLe32(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
  return v;
}

// The file's bytes; nullopt when it does not exist.
StatusOr<std::optional<std::string>> ReadIfExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::optional<std::string>();
    return UnavailableError("cannot read " + path);
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::optional<std::string>(bytes.str());
}

Status WriteAll(int fd, const std::string& bytes, const std::string& what) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return UnavailableError("cannot write " + what + ": " + ErrnoText());
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

Status FsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return UnavailableError("cannot open " + path + ": " + ErrnoText());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return UnavailableError("cannot fsync " + path + ": " + ErrnoText());
  return OkStatus();
}

Status LoadSnapshot(const std::string& path, State* state, int64_t* rv, bool* found) {
  FAIRWAY_ASSIGN_OR_RETURN(std::optional<std::string> text, ReadIfExists(path));
  *found = text.has_value();
  if (!text) return OkStatus();
  json doc = json::parse(*text, nullptr, false);
  if (!doc.is_object() || !doc.contains("objects") || !doc["objects"].is_array()) {
    return DataLossError(path + " is not a sandbox snapshot");
  }
  *rv = doc.value("resourceVersion", int64_t{0});
  for (json& entry : doc["objects"]) {
    if (!entry.is_object() || !entry.contains("object") || !entry["object"].is_object()) {
      return DataLossError(path + " holds an entry that is not an object");
    }
    json& obj = entry["object"];
    state->insert_or_assign(
        {entry.value("bucket", ""), internal::NamespaceOf(obj), internal::NameOf(obj)},
        std::move(obj));
  }
  return OkStatus();
}

// Applies one log payload; records at or below the snapshot's revision are already in it.
Status ApplyRecord(const std::string& payload, int64_t snapshot_rv, State* state, int64_t* rv) {
  json r = json::parse(payload, nullptr, false);
  if (!r.is_object() || !r.contains("rv") || !r["rv"].is_number_integer() ||
      !(r["object"].is_object() || r["object"].is_null())) {
    return DataLossError("a log record with a valid checksum does not parse");
  }
  int64_t record_rv = r["rv"];
  if (record_rv <= snapshot_rv) return OkStatus();
  auto key = std::make_tuple(r.value("bucket", ""), r.value("ns", ""), r.value("name", ""));
  if (r["object"].is_null()) {
    state->erase(key);
  } else {
    state->insert_or_assign(std::move(key), std::move(r["object"]));
  }
  *rv = std::max(*rv, record_rv);
  return OkStatus();
}

// Replays DIR/log onto `state`; a torn last record is cut off the file.
Status ReplayLog(const std::string& path, int64_t snapshot_rv, State* state, int64_t* rv,
                 FileJournal::Recovery* recovery) {
  FAIRWAY_ASSIGN_OR_RETURN(std::optional<std::string> bytes, ReadIfExists(path));
  if (!bytes) return OkStatus();
  size_t at = 0;
  while (at < bytes->size()) {
    const size_t left = bytes->size() - at;
    const uint32_t len = left >= kHeaderBytes ? GetLe32(*bytes, at) : 0;
    const bool whole = left >= kHeaderBytes && len <= kMaxRecordBytes && kHeaderBytes + len <= left;
    const bool valid = whole && Crc32(std::string_view(*bytes).substr(at + kHeaderBytes, len)) ==
                                    GetLe32(*bytes, at + 4);
    if (!valid) {
      if (whole && at + kHeaderBytes + len < bytes->size()) {
        return DataLossError(path + ": record at byte " + std::to_string(at) +
                             " fails its checksum and is not the last; refusing to guess");
      }
      recovery->torn_bytes = left;
      FAIRWAY_LOG(Log(), kWarn, "dropped a torn last log record",
                  {{"path", path}, {"offset", at}, {"bytes", left}});
      std::filesystem::resize_file(path, at);
      return FsyncPath(path, O_WRONLY);
    }
    FAIRWAY_RETURN_IF_ERROR(
        ApplyRecord(bytes->substr(at + kHeaderBytes, len), snapshot_rv, state, rv));
    ++recovery->log_records;
    at += kHeaderBytes + len;
  }
  return OkStatus();
}

// Writes the snapshot to a temporary file, syncs it and renames it into place; *bytes: its size.
Status WriteSnapshot(const std::string& dir, const std::vector<BucketObject>& objects, int64_t rv,
                     uint64_t* bytes) {
  json list = json::array();
  for (const BucketObject& o : objects)
    list.push_back({{"bucket", o.bucket}, {"object", *o.object}});
  const std::string text = json{{"resourceVersion", rv}, {"objects", std::move(list)}}.dump();
  *bytes = text.size();
  const std::string tmp = dir + "/snapshot.json.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return UnavailableError("cannot create " + tmp + ": " + ErrnoText());
  Status written = WriteAll(fd, text, tmp);
  if (written.ok() && ::fsync(fd) != 0) written = UnavailableError("cannot fsync " + tmp);
  ::close(fd);
  FAIRWAY_RETURN_IF_ERROR(written);
  if (::rename(tmp.c_str(), (dir + "/snapshot.json").c_str()) != 0) {
    return UnavailableError("cannot rename " + tmp + ": " + ErrnoText());
  }
  return FsyncPath(dir, O_RDONLY | O_DIRECTORY);
}

// Replaces DIR/log with a synced file holding `records`; returns its descriptor.
StatusOr<int> ReplaceLog(const std::string& dir, const std::string& records) {
  const std::string tmp = dir + "/log.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return UnavailableError("cannot create " + tmp + ": " + ErrnoText());
  Status s = WriteAll(fd, records, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = UnavailableError("cannot fsync " + tmp + ": " + ErrnoText());
  if (s.ok() && ::rename(tmp.c_str(), (dir + "/log").c_str()) != 0) {
    s = UnavailableError("cannot rename " + tmp + ": " + ErrnoText());
  }
  if (s.ok()) s = FsyncPath(dir, O_RDONLY | O_DIRECTORY);
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  return fd;
}

// The bytes of `fd` from `from` to `to`.
StatusOr<std::string> ReadRange(int fd, uint64_t from, uint64_t to) {
  std::string out(to - from, '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(from + done));
    if (n <= 0) return UnavailableError("cannot read the data log: " + ErrnoText());
    done += static_cast<size_t>(n);
  }
  return out;
}

}  // namespace

FileJournal::LogFile::~LogFile() { ::close(fd); }

FileJournal::FileJournal(std::string dir, ObjectStore* store, JournalOptions options, int fd,
                         uint64_t snapshot_bytes)
    : dir_(std::move(dir)),
      store_(store),
      options_(options),
      log_(std::make_shared<LogFile>(fd)),
      compact_at_(std::max(options.compact_min_bytes, snapshot_bytes)) {}

StatusOr<std::unique_ptr<FileJournal>> FileJournal::Open(const std::string& dir, ObjectStore* store,
                                                         Recovery* recovery,
                                                         JournalOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return UnavailableError("cannot create --data-dir " + dir + ": " + ec.message());
  State state;
  int64_t snapshot_rv = 0;
  bool found = false;
  FAIRWAY_RETURN_IF_ERROR(LoadSnapshot(dir + "/snapshot.json", &state, &snapshot_rv, &found));
  int64_t rv = snapshot_rv;
  FAIRWAY_RETURN_IF_ERROR(ReplayLog(dir + "/log", snapshot_rv, &state, &rv, recovery));
  if (found || recovery->log_records > 0) {
    std::vector<BucketObject> objects;
    for (auto& [key, obj] : state) {
      objects.push_back({std::get<0>(key), std::make_shared<const json>(std::move(obj))});
    }
    recovery->objects = objects.size();
    store->Restore(std::move(objects), rv);
  }
  // Dump first: it sets the revision (argument evaluation order is unspecified).
  int64_t current_rv = 0;
  const std::vector<BucketObject> current = store->Dump(&current_rv);
  uint64_t snapshot_bytes = 0;
  FAIRWAY_RETURN_IF_ERROR(WriteSnapshot(dir, current, current_rv, &snapshot_bytes));
  recovery->resource_version = current_rv;
  // The snapshot holds everything the log did; start the log over.
  FAIRWAY_ASSIGN_OR_RETURN(int fd, ReplaceLog(dir, ""));
  std::unique_ptr<FileJournal> journal(new FileJournal(dir, store, options, fd, snapshot_bytes));
  store->SetJournal(journal.get());
  return journal;
}

FileJournal::~FileJournal() = default;

std::shared_ptr<FileJournal::LogFile> FileJournal::CurrentLog() {
  MutexLock lock(&file_mu_);
  return log_;
}

Status FileJournal::Compact() {
  uint64_t from = 0;
  {
    MutexLock lock(&file_mu_);
    from = bytes_;  // every record before this is in the dump below (appends precede it)
  }
  int64_t rv = 0;
  const std::vector<BucketObject> objects = store_->Dump(&rv);
  uint64_t snapshot_bytes = 0;
  FAIRWAY_RETURN_IF_ERROR(WriteSnapshot(dir_, objects, rv, &snapshot_bytes));
  // Appends wait while the tail moves: it holds only what was written since the dump.
  MutexLock lock(&file_mu_);
  const uint64_t old_bytes = bytes_;
  FAIRWAY_ASSIGN_OR_RETURN(std::string tail, ReadRange(log_->fd, from, bytes_));
  FAIRWAY_ASSIGN_OR_RETURN(int fd, ReplaceLog(dir_, tail));
  log_ = std::make_shared<LogFile>(fd);
  bytes_ = tail.size();
  compact_at_ = std::max(options_.compact_min_bytes, snapshot_bytes) + bytes_;
  FAIRWAY_LOG(Log(), kInfo, "data log compacted",
              {{"resource_version", rv},
               {"snapshot_bytes", snapshot_bytes},
               {"log_bytes_before", old_bytes},
               {"log_bytes_after", bytes_}});
  return OkStatus();
}

Result<uint64_t> FileJournal::Append(const std::string& bucket, const std::string& ns,
                                     const std::string& name, int64_t rv, const json* object) {
  const std::string payload = json{{"rv", rv},
                                   {"bucket", bucket},
                                   {"ns", ns},
                                   {"name", name},
                                   {"object", object != nullptr ? *object : json()}}
                                  .dump();
  std::string record;
  record.reserve(kHeaderBytes + payload.size());
  PutLe32(static_cast<uint32_t>(payload.size()), &record);
  PutLe32(Crc32(payload), &record);
  record += payload;
  MutexLock lock(&file_mu_);
  Status s = WriteAll(log_->fd, record, dir_ + "/log");
  if (!s.ok()) {
    // Cut off what part of the record made it, so that later records do not follow a torn one.
    if (::ftruncate(log_->fd, static_cast<off_t>(bytes_)) != 0) {
      FAIRWAY_LOG(Log(), kError, "data log truncation failed", {{"error", ErrnoText()}});
    }
    FAIRWAY_LOG(Log(), kError, "write refused: data log append failed", {{"error", s.message()}});
    return ServiceUnavailable("the sandbox cannot persist the write: " + s.message());
  }
  bytes_ += record.size();
  if (bytes_ >= compact_at_) compact_due_ = true;
  return appended_.fetch_add(1) + 1;
}

void FileJournal::SyncLog(uint64_t ticket) {
  MutexLock lock(&sync_mu_);
  if (synced_ >= ticket) return;  // another writer's flush covered it
  const uint64_t target = appended_.load();
  // Records of a log a compaction replaced meanwhile were synced into its successor.
  if (::fdatasync(CurrentLog()->fd) != 0) {
    FAIRWAY_LOG(Log(), kError, "data log fdatasync failed", {{"error", ErrnoText()}});
    return;
  }
  synced_ = target;
}

void FileJournal::Sync(uint64_t ticket) {
  SyncLog(ticket);
  if (!compact_due_ || compacting_.exchange(true)) return;
  compact_due_ = false;
  if (Status s = Compact(); !s.ok()) {
    // The log grows on; the next attempt waits until it has doubled.
    FAIRWAY_LOG(Log(), kError, "data log compaction failed", {{"error", s.message()}});
    MutexLock lock(&file_mu_);
    compact_at_ = 2 * bytes_;
  }
  compacting_ = false;
}

}  // namespace fairway::sandbox

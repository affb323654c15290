// Durable sandbox state for `fairway sandbox --data-dir DIR`: objects and resourceVersions
// survive restarts (and with them whatever lives in objects, such as the operator's jobID
// counter).
//
//   DIR/snapshot.json  {"resourceVersion":N,"objects":[{"bucket":B,"object":{...}},...]},
//                      replaced atomically (write, fsync, rename, fsync DIR)
//   DIR/log            one record per store write since the snapshot, appended under the store
//                      lock and fsynced before the write is acknowledged (concurrent writers
//                      share one fdatasync)
//
// A record is a 4-byte little-endian payload length, the payload's CRC-32 (4 bytes, little
// endian), then the payload: {"rv":N,"bucket":B,"ns":NS,"name":N,"object":{...}|null}, null
// for a removal.
//
// Open() replays the snapshot and then the log. A last record cut short or failing its checksum
// (a crash in the middle of an append) is dropped whole and the log truncated before it: a write
// is either restored entirely or, never acknowledged, not at all. A bad record with whole
// records after it is corruption, not a crash, and Open() fails rather than guess. Then the state
// is written as a new snapshot and the log starts empty, so the log holds one run's writes.
//
// Thread-safety: Append is called under the ObjectStore's lock; Sync from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/mutex.h"
#include "common/status.h"
#include "sandbox/object_store.h"

namespace fairway::sandbox {

class FileJournal : public StoreJournal {
 public:
  // What Open() found.
  struct Recovery {
    size_t objects = 0;  // objects restored
    int64_t resource_version = 0;
    size_t log_records = 0;  // records replayed from the log
    size_t torn_bytes = 0;   // bytes of a torn last record dropped (0: none)
  };

  // Opens (creating) `dir`, restores its saved state into `store` (left as it is when the
  // directory holds none), snapshots, and journals every later write of `store`. The journal
  // must outlive the store's writes.
  static StatusOr<std::unique_ptr<FileJournal>> Open(const std::string& dir, ObjectStore* store,
                                                     Recovery* recovery);
  ~FileJournal() override;
  FileJournal(const FileJournal&) = delete;
  FileJournal& operator=(const FileJournal&) = delete;

  Result<uint64_t> Append(const std::string& bucket, const std::string& ns, const std::string& name,
                          int64_t rv, const nlohmann::json* object) override;
  void Sync(uint64_t ticket) override;

 private:
  FileJournal(std::string dir, int fd) : dir_(std::move(dir)), fd_(fd) {}

  const std::string dir_;
  const int fd_;
  // Records and bytes written; Append runs under the store's lock, Sync reads appended_.
  std::atomic<uint64_t> appended_{0};
  uint64_t bytes_ = 0;
  Mutex sync_mu_;
  uint64_t synced_ FAIRWAY_GUARDED_BY(sync_mu_) = 0;  // records known to be on disk
};

}  // namespace fairway::sandbox

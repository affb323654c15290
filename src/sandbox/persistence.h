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
// is written as a new snapshot and the log starts empty.
//
// During a run the log is compacted the same way once it outgrows the last snapshot (and
// JournalOptions::compact_min_bytes): the writer whose Sync finds it due dumps the store, writes
// the snapshot, and replaces the log with the records appended since the dump (a new file,
// fsynced, renamed into place). Every step leaves a state Open() restores: records at or below
// the snapshot's revision are skipped on replay.
//
// Thread-safety: Append is called under the ObjectStore's lock; Sync from any thread, never
// under the store's lock (compaction takes it to dump the store).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/mutex.h"
#include "common/status.h"
#include "sandbox/object_store.h"

namespace fairway::sandbox {

struct JournalOptions {
  // The log is compacted when it exceeds both this and the last snapshot's size.
  uint64_t compact_min_bytes = 64u << 20;
};

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
                                                     Recovery* recovery,
                                                     JournalOptions options = JournalOptions());
  ~FileJournal() override;
  FileJournal(const FileJournal&) = delete;
  FileJournal& operator=(const FileJournal&) = delete;

  Result<uint64_t> Append(const std::string& bucket, const std::string& ns, const std::string& name,
                          int64_t rv, const nlohmann::json* object) override;
  void Sync(uint64_t ticket) override;

 private:
  // An open log file; closed when the last user (an fdatasync in flight) lets go of it.
  struct LogFile {
    explicit LogFile(int fd) : fd(fd) {}
    ~LogFile();
    const int fd;
  };

  FileJournal(std::string dir, ObjectStore* store, JournalOptions options, int fd,
              uint64_t snapshot_bytes);
  // fdatasync of the log unless an earlier one covered `ticket` (one flush for many writers).
  void SyncLog(uint64_t ticket);
  // Snapshots the store and restarts the log from the records the snapshot lacks.
  Status Compact();
  std::shared_ptr<LogFile> CurrentLog();

  const std::string dir_;
  ObjectStore* const store_;
  const JournalOptions options_;
  // Records written; Append runs under the store's lock, Sync reads appended_.
  std::atomic<uint64_t> appended_{0};
  std::atomic<bool> compact_due_{false};
  std::atomic<bool> compacting_{false};
  Mutex file_mu_;
  std::shared_ptr<LogFile> log_ FAIRWAY_GUARDED_BY(file_mu_);
  uint64_t bytes_ FAIRWAY_GUARDED_BY(file_mu_) = 0;       // size of the current log
  uint64_t compact_at_ FAIRWAY_GUARDED_BY(file_mu_) = 0;  // log size that makes compaction due
  Mutex sync_mu_;
  uint64_t synced_ FAIRWAY_GUARDED_BY(sync_mu_) = 0;  // records known to be on disk
};

}  // namespace fairway::sandbox

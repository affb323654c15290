// A mutex, scoped lock and condition variable that clang's thread-safety analysis understands
// (thread_annotations.h), after leveldb's port::Mutex / port::CondVar. libstdc++'s std::mutex
// carries no capability annotations, so state guarded by a std::mutex cannot be checked.
//
//   mutable Mutex mu_;
//   int n_ FAIRWAY_GUARDED_BY(mu_) = 0;
//   ...
//   MutexLock lock(&mu_);
//   while (n_ == 0) cv_.Wait(&mu_);
//
// Thread-safety: Mutex and CondVar are thread-safe; a MutexLock belongs to one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/thread_annotations.h"

namespace fairway {

class FAIRWAY_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() FAIRWAY_ACQUIRE() { mu_.lock(); }
  void Unlock() FAIRWAY_RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` from construction to destruction.
class FAIRWAY_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) FAIRWAY_ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() FAIRWAY_RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

class CondVar {
 public:
  // Atomically releases `mu`, blocks until signalled (or a spurious wake-up), and re-acquires
  // `mu` before returning. Callers loop on their condition.
  void Wait(Mutex* mu) FAIRWAY_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held; the caller's MutexLock unlocks it
  }
  // As Wait(), for at most `timeout`. False when the timeout elapsed.
  bool WaitFor(Mutex* mu, std::chrono::nanoseconds timeout) FAIRWAY_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    bool signalled = cv_.wait_for(lock, timeout) == std::cv_status::no_timeout;
    lock.release();
    return signalled;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace fairway

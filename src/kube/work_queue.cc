#include "kube/work_queue.h"

#include <algorithm>
#include <cmath>

namespace fairway::kube {

WorkQueue::WorkQueue(Clock* clock) : WorkQueue(clock, Options{}) {}

WorkQueue::WorkQueue(Clock* clock, Options options)
    : clock_(clock), options_(std::move(options)),
      bucket_tokens_(std::max(1, options_.burst)), bucket_last_(clock->Monotonic()),
      alive_(std::make_shared<bool>(true)) {}

WorkQueue::~WorkQueue() {
  ShutDown();
  std::lock_guard<std::mutex> lock(mu_);
  *alive_ = false;
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_) return;
  if (dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // requeued by Done()
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, Duration delay) {
  std::unique_lock<std::mutex> lock(mu_);
  if (shutting_down_) return;
  if (delay <= Duration::zero()) {
    AddLocked(key);
    return;
  }
  MonotonicTime due = clock_->Monotonic() + delay;
  auto it = delayed_.find(key);
  if (it != delayed_.end() && it->second.due <= due) return;  // an earlier add is pending
  if (it != delayed_.end() && it->second.timer) it->second.timer->Cancel();
  uint64_t gen = ++next_generation_;
  Pending& p = delayed_[key];
  p.due = due;
  p.generation = gen;
  std::weak_ptr<bool> alive = alive_;
  // Schedule without holding mu_: FakeClock/RealClock never run the callback synchronously, but
  // release anyway to keep mu_ a leaf.
  lock.unlock();
  auto timer = clock_->Schedule(delay, [this, alive, key, gen] {
    auto a = alive.lock();
    if (!a || !*a) return;
    FireDelayed(key, gen);
  });
  lock.lock();
  auto it2 = delayed_.find(key);
  if (it2 != delayed_.end() && it2->second.generation == gen) {
    it2->second.timer = std::move(timer);
  }
}

void WorkQueue::FireDelayed(const std::string& key, uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = delayed_.find(key);
  if (it == delayed_.end() || it->second.generation != generation) return;
  delayed_.erase(it);
  AddLocked(key);
}

Duration WorkQueue::When(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = failures_[key]++;
  double base_s = std::chrono::duration<double>(options_.base_delay).count();
  double max_s = std::chrono::duration<double>(options_.max_delay).count();
  double item_s = n >= 60 ? max_s : std::min(max_s, base_s * std::pow(2.0, n));
  double bucket_s = 0;
  if (options_.qps > 0) {
    MonotonicTime now = clock_->Monotonic();
    if (now > bucket_last_) {
      double elapsed = std::chrono::duration<double>(now - bucket_last_).count();
      bucket_tokens_ = std::min<double>(std::max(1, options_.burst), bucket_tokens_ + elapsed * options_.qps);
      bucket_last_ = now;
    }
    bucket_tokens_ -= 1.0;
    if (bucket_tokens_ < 0) bucket_s = -bucket_tokens_ / options_.qps;
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(std::max(item_s, bucket_s)));
}

void WorkQueue::AddRateLimited(const std::string& key) { AddAfter(key, When(key)); }

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || shutting_down_; });
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

std::optional<std::string> WorkQueue::TryGet() {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key)) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::vector<std::unique_ptr<TimerHandle>> timers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
    for (auto& [k, p] : delayed_) {
      if (p.timer) timers.push_back(std::move(p.timer));
    }
    delayed_.clear();
    cv_.notify_all();
  }
  for (auto& t : timers) t->Cancel();
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

size_t WorkQueue::DelayedLen() const {
  std::lock_guard<std::mutex> lock(mu_);
  return delayed_.size();
}

}  // namespace fairway::kube

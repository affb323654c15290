#include "kube/watch.h"

#include <algorithm>

namespace fairway::kube {

namespace {

std::string RvOf(const json& obj) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return "";
  return m->value("resourceVersion", "");
}

uint64_t SplitMix(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

Reflector::Reflector(ApiClient* client, ResourceRef ref, std::string ns, ReflectorSink* sink,
                     Clock* clock, ReflectorOptions options)
    : client_(client), ref_(std::move(ref)), ns_(std::move(ns)), sink_(sink), clock_(clock),
      options_(std::move(options)),
      log_("kube.reflector." + (options_.name.empty() ? ref_.GroupResource() : options_.name)),
      backoff_(options_.backoff, options_.seed), rng_state_(options_.seed * 7919 + 17) {}

Reflector::~Reflector() { Stop(); }

std::string Reflector::LastSyncResourceVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_rv_;
}

void Reflector::Stop() {
  stop_.store(true);
  std::shared_ptr<CancelToken> c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    c = cancel_;
    ++wake_seq_;
    cv_.notify_all();
  }
  if (c) c->Cancel();
}

bool Reflector::SleepFor(Duration d) {
  if (stopped()) return false;
  uint64_t seq;
  auto fired = std::make_shared<bool>(false);
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = wake_seq_;
  }
  auto timer = clock_->Schedule(d, [this, fired] {
    std::lock_guard<std::mutex> lock(mu_);
    *fired = true;
    cv_.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return *fired || wake_seq_ != seq || stopped(); });
  }
  timer->Cancel();
  return !stopped();
}

Status Reflector::ListAndReplace(bool* relist_from_scratch) {
  ListOptions lo;
  lo.label_selector = options_.label_selector;
  lo.field_selector = options_.field_selector;
  lo.limit = options_.page_size;
  std::string rv = LastSyncResourceVersion();
  lo.resource_version = *relist_from_scratch ? "" : (rv.empty() ? "0" : rv);
  lists_.fetch_add(1);
  StatusOr<ObjectList> list = client_->List(ref_, ns_, lo);
  if (!list.ok() && !lo.resource_version.empty() && lo.resource_version != "0" &&
      (list.status().code() == StatusCode::kOutOfRange ||
       list.status().message().find("too large resource version") != std::string::npos)) {
    FAIRWAY_LOG(log_, kInfo, "list from resourceVersion failed; consistent relist",
                {{"resourceVersion", lo.resource_version}, {"error", list.status().message()}});
    lo.resource_version.clear();
    lists_.fetch_add(1);
    list = client_->List(ref_, ns_, lo);
  }
  if (!list.ok()) return list.status();
  *relist_from_scratch = false;
  size_t n = list->items.size();
  std::string list_rv = list->resource_version;
  sink_->Replace(std::move(list->items), list_rv);
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_rv_ = list_rv;
  }
  FAIRWAY_LOG(log_, kDebug, "listed", {{"items", static_cast<int64_t>(n)}, {"resourceVersion", list_rv}});
  return OkStatus();
}

Status Reflector::WatchOnce(bool* got_events) {
  WatchOptions wo;
  wo.label_selector = options_.label_selector;
  wo.field_selector = options_.field_selector;
  wo.resource_version = LastSyncResourceVersion();
  wo.allow_bookmarks = true;
  int64_t lo_s = options_.min_watch_timeout.count();
  int64_t hi_s = std::max(lo_s, static_cast<int64_t>(options_.max_watch_timeout.count()));
  uint64_t r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    r = SplitMix(&rng_state_);
  }
  wo.timeout = std::chrono::seconds(lo_s + static_cast<int64_t>(r % static_cast<uint64_t>(hi_s - lo_s + 1)));
  auto cancel = std::make_shared<CancelToken>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_ = cancel;
  }
  if (stopped()) cancel->Cancel();
  watches_.fetch_add(1);
  *got_events = false;
  Status s = client_->Watch(
      ref_, ns_, wo,
      [&](const WatchEvent& ev) {
        *got_events = true;
        std::string rv = RvOf(ev.object);
        switch (ev.type) {
          case WatchEventType::kAdded: sink_->Add(ev.object); break;
          case WatchEventType::kModified: sink_->Update(ev.object); break;
          case WatchEventType::kDeleted: sink_->Delete(ev.object); break;
          case WatchEventType::kBookmark: sink_->Bookmark(rv); break;
          case WatchEventType::kError: break;
        }
        if (!rv.empty()) {
          std::lock_guard<std::mutex> lock(mu_);
          last_rv_ = rv;
        }
        return !stopped();
      },
      cancel.get());
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_.reset();
  }
  return s;
}

void Reflector::Run() {
  bool need_list = true;
  bool from_scratch = false;
  int consecutive_expired = 0;
  std::optional<MonotonicTime> last_backoff;
  // client-go's backoff manager: the exponent resets after backoff_reset_after without failures.
  auto next_backoff = [&]() {
    MonotonicTime now = clock_->Monotonic();
    if (last_backoff && now - *last_backoff >= options_.backoff_reset_after) backoff_.Reset();
    last_backoff = now;
    return backoff_.Next();
  };
  auto ms = [](Duration d) {
    return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  while (!stopped()) {
    if (need_list) {
      Status s = ListAndReplace(&from_scratch);
      if (stopped()) break;
      if (!s.ok()) {
        failures_.fetch_add(1);
        if (s.code() == StatusCode::kOutOfRange) from_scratch = true;
        Duration d = next_backoff();
        FAIRWAY_LOG(log_, kWarn, "list failed; backing off",
                    {{"error", s.ToString()}, {"backoff_ms", ms(d)}});
        if (!SleepFor(d)) break;
        continue;
      }
      need_list = false;
    }
    MonotonicTime started = clock_->Monotonic();
    bool got_events = false;
    Status s = WatchOnce(&got_events);
    if (stopped()) break;
    if (s.ok()) {
      if (got_events || clock_->Monotonic() - started >= options_.min_healthy_watch) {
        consecutive_expired = 0;
        continue;  // clean end: rewatch from the last version
      }
      s = UnavailableError("watch closed immediately without events");
    }
    failures_.fetch_add(1);
    if (s.code() == StatusCode::kOutOfRange) {
      FAIRWAY_LOG(log_, kInfo, "watch expired (410); relisting", {{"error", s.message()}});
      need_list = true;
      from_scratch = true;
      // Relist at once after a 410 unless it keeps happening.
      if (++consecutive_expired <= 1) continue;
    }
    Duration d = next_backoff();
    FAIRWAY_LOG(log_, kWarn, "watch failed; backing off",
                {{"error", s.ToString()}, {"backoff_ms", ms(d)}});
    if (!SleepFor(d)) break;
  }
}

}  // namespace fairway::kube

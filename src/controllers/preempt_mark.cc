#include "controllers/preempt_mark.h"

#include "controllers/job_status.h"
#include "controllers/names.h"

namespace fairway::controllers {

std::vector<PreemptMark> ParsePreemptMarks(const std::string& text) {
  std::vector<PreemptMark> out;
  for (const std::string& entry : SplitComma(text)) {
    // <victim>.<restarts>=<preemptor>:<mode>:<grace>
    size_t dot = entry.find('.');
    size_t eq = entry.find('=');
    size_t c1 = entry.find(':', eq == std::string::npos ? 0 : eq);
    size_t c2 = c1 == std::string::npos ? std::string::npos : entry.find(':', c1 + 1);
    if (dot == std::string::npos || eq == std::string::npos || c2 == std::string::npos ||
        !(dot < eq && eq < c1)) {
      continue;
    }
    auto num = [&](size_t from, size_t to, int64_t* v) {
      if (from >= to) return false;
      int64_t x = 0;
      for (size_t i = from; i < to; ++i) {
        if (entry[i] < '0' || entry[i] > '9') return false;
        x = x * 10 + (entry[i] - '0');
        if (x > (int64_t{1} << 53)) return false;
      }
      *v = x;
      return true;
    };
    int64_t victim = 0, restarts = 0, preemptor = 0, grace = 0;
    if (!num(0, dot, &victim) || !num(dot + 1, eq, &restarts) || !num(eq + 1, c1, &preemptor) ||
        !num(c2 + 1, entry.size(), &grace)) {
      continue;
    }
    std::string mode = entry.substr(c1 + 1, c2 - c1 - 1);
    PreemptMark m;
    m.victim = static_cast<uint64_t>(victim);
    m.restarts = static_cast<int32_t>(restarts);
    m.preemptor = static_cast<uint64_t>(preemptor);
    if (mode == "requeue")
      m.mode = core::PreemptMode::kRequeue;
    else if (mode == "cancel")
      m.mode = core::PreemptMode::kCancel;
    else
      continue;
    m.grace_seconds = grace;
    out.push_back(m);
  }
  return out;
}

std::string FormatPreemptMarks(const std::vector<PreemptMark>& marks) {
  std::string out;
  for (const PreemptMark& m : marks) {
    if (!out.empty()) out += ",";
    out += std::to_string(m.victim) + "." + std::to_string(m.restarts) + "=" +
           std::to_string(m.preemptor) + ":" +
           (m.mode == core::PreemptMode::kRequeue ? "requeue" : "cancel") + ":" +
           std::to_string(m.grace_seconds);
  }
  return out;
}

const PreemptMark* FindPreemptMark(const std::vector<PreemptMark>& marks, uint64_t victim,
                                   int32_t restarts) {
  for (const PreemptMark& m : marks) {
    if (m.victim == victim && m.restarts == restarts) return &m;
  }
  return nullptr;
}

std::vector<PreemptMark> PreemptMarksOf(const api::JobObject& job) {
  auto it = job.meta.annotations.find(std::string(kAnnotationPreemptedBy));
  if (it == job.meta.annotations.end()) return {};
  return ParsePreemptMarks(it->second);
}

}  // namespace fairway::controllers

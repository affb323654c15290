#include "api/array_spec.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <tuple>
#include <utility>

#include "api/internal/parse_util.h"
#include "common/status_macros.h"

namespace fairway::api {
namespace {

using internal::Quote;

constexpr std::string_view kAcceptedForms =
    "accepted forms: comma-separated N, A-B or A-B:S (step S >= 1), optionally followed by %M "
    "(at most M tasks running), e.g. 0-99, 1,3,5-7, 0-15:4, 1-100:10%3";

Status ArrayError(std::string_view text, std::string_view what) {
  return InvalidArgumentError("invalid array spec " + Quote(text) + ": " + std::string(what) +
                              " (" + std::string(kAcceptedForms) + ")");
}

StatusOr<uint32_t> ParseIndex(std::string_view raw, std::string_view token, std::string_view part,
                              uint32_t max_array_size) {
  if (part.empty()) {
    return ArrayError(raw, "missing index in " + Quote(token));
  }
  if (!internal::AllDigits(part)) {
    return ArrayError(
        raw, "index " + Quote(part) + " in " + Quote(token) + " is not a non-negative number");
  }
  std::optional<uint64_t> v = internal::ParseDigits(part);
  if (!v || *v >= max_array_size) {
    return ArrayError(raw, "index " + std::string(part) +
                               " exceeds MaxArraySize=" + std::to_string(max_array_size) +
                               " (indices must be 0-" + std::to_string(max_array_size - 1) + ")");
  }
  return static_cast<uint32_t>(*v);
}

// Turns a sorted run of indices into ranges: maximal arithmetic runs of 3 or more (or step-1
// pairs), the rest single indices.
void CompressSorted(const std::vector<uint32_t>& sorted, std::vector<ArrayRange>& out) {
  size_t i = 0;
  while (i < sorted.size()) {
    if (i + 1 == sorted.size()) {
      out.push_back({sorted[i], sorted[i], 1});
      break;
    }
    uint32_t step = sorted[i + 1] - sorted[i];
    size_t j = i + 1;
    while (j + 1 < sorted.size() && sorted[j + 1] - sorted[j] == step) {
      ++j;
    }
    if (step > 1 && j == i + 1) {  // a strided pair: keep the first alone
      out.push_back({sorted[i], sorted[i], 1});
      ++i;
      continue;
    }
    out.push_back({sorted[i], sorted[j], step});
    i = j + 1;
  }
}

// Merges one cluster of ranges whose spans overlap (sorted by first) into disjoint ranges.
void MergeCluster(const std::vector<ArrayRange>& cluster, uint32_t cluster_last,
                  std::vector<ArrayRange>& out) {
  const uint32_t cluster_first = cluster.front().first;
  if (cluster.size() == 1) {
    out.push_back(cluster.front());
    return;
  }
  bool all_unit_step = true;
  for (const ArrayRange& r : cluster) {
    if (r.step == 1 && r.first == cluster_first && r.last == cluster_last) {
      out.push_back(r);  // one dense range covers everything
      return;
    }
    all_unit_step = all_unit_step && r.step == 1;
  }
  if (all_unit_step) {
    // Overlapping dense ranges chained by overlap cover the whole span.
    out.push_back({cluster_first, cluster_last, 1});
    return;
  }
  // Mixed strides (rare): expand only this cluster, bounded by MaxArraySize.
  std::vector<bool> present(static_cast<size_t>(cluster_last - cluster_first) + 1, false);
  for (const ArrayRange& r : cluster) {
    for (uint64_t i = r.first; i <= r.last; i += r.step) {
      present[static_cast<size_t>(i - cluster_first)] = true;
    }
  }
  std::vector<uint32_t> sorted;
  for (size_t k = 0; k < present.size(); ++k) {
    if (present[k]) {
      sorted.push_back(static_cast<uint32_t>(cluster_first + k));
    }
  }
  CompressSorted(sorted, out);
}

// Normalizes ranges as listed in the spec into ArraySpec's canonical form (see the header).
std::vector<ArrayRange> Canonicalize(std::vector<ArrayRange> in) {
  std::vector<ArrayRange> norm;
  norm.reserve(in.size());
  for (ArrayRange r : in) {
    r.last = r.first + (r.last - r.first) / r.step * r.step;
    if (r.first == r.last) {
      r.step = 1;
    }
    if (r.step > 1 && r.size() == 2) {  // a strided pair prints as "A,B": store it that way
      norm.push_back({r.first, r.first, 1});
      norm.push_back({r.last, r.last, 1});
      continue;
    }
    norm.push_back(r);
  }
  std::sort(norm.begin(), norm.end(), [](const ArrayRange& a, const ArrayRange& b) {
    return std::tie(a.first, a.last, a.step) < std::tie(b.first, b.last, b.step);
  });

  std::vector<ArrayRange> disjoint;
  std::vector<ArrayRange> cluster;
  uint32_t cluster_last = 0;
  for (const ArrayRange& r : norm) {
    if (!cluster.empty() && r.first > cluster_last) {
      MergeCluster(cluster, cluster_last, disjoint);
      cluster.clear();
    }
    if (cluster.empty()) {
      cluster_last = r.last;
    }
    cluster.push_back(r);
    cluster_last = std::max(cluster_last, r.last);
  }
  if (!cluster.empty()) {
    MergeCluster(cluster, cluster_last, disjoint);
  }

  // Join touching dense runs and single indices: "1,2,3-5" -> 1-5.
  std::vector<ArrayRange> out;
  for (const ArrayRange& r : disjoint) {
    if (!out.empty() && out.back().step == 1 && r.step == 1 &&
        static_cast<uint64_t>(out.back().last) + 1 == r.first) {
      out.back().last = r.last;
      continue;
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace

uint64_t ArraySpec::size() const {
  uint64_t n = 0;
  for (const ArrayRange& r : ranges) {
    n += r.size();
  }
  return n;
}

bool ArraySpec::Contains(uint32_t index) const {
  // The last range whose first <= index is the only candidate (spans are disjoint).
  auto it = std::upper_bound(ranges.begin(), ranges.end(), index,
                             [](uint32_t i, const ArrayRange& r) { return i < r.first; });
  if (it == ranges.begin()) {
    return false;
  }
  return std::prev(it)->Contains(index);
}

std::vector<uint32_t> ArraySpec::Indices() const {
  std::vector<uint32_t> out;
  out.reserve(static_cast<size_t>(size()));
  ForEach([&out](uint32_t i) { out.push_back(i); });
  return out;
}

std::string ArraySpec::ToString() const {
  std::string out;
  for (const ArrayRange& r : ranges) {
    if (!out.empty()) {
      out += ',';
    }
    if (r.first == r.last) {
      out += std::to_string(r.first);
    } else if (r.step == 1) {
      out += std::to_string(r.first) + "-" + std::to_string(r.last);
    } else if (r.size() >= 3) {
      out += std::to_string(r.first) + "-" + std::to_string(r.last) + ":" + std::to_string(r.step);
    } else {
      out += std::to_string(r.first) + "," + std::to_string(r.last);
    }
  }
  if (max_running) {
    out += '%';
    out += std::to_string(*max_running);
  }
  return out;
}

StatusOr<ArraySpec> ParseArraySpec(std::string_view raw, uint32_t max_array_size) {
  if (max_array_size == 0) {
    return InvalidArgumentError("job arrays are disabled (MaxArraySize=0)");
  }
  if (max_array_size > kMaxMaxArraySize) {
    return InvalidArgumentError("MaxArraySize=" + std::to_string(max_array_size) +
                                " exceeds Slurm's maximum of " + std::to_string(kMaxMaxArraySize));
  }
  std::string_view text = internal::TrimSpace(raw);
  if (text.empty()) {
    return ArrayError(raw, "empty");
  }

  ArraySpec spec;
  std::string_view body = text;
  if (size_t pct = text.find('%'); pct != std::string_view::npos) {
    body = text.substr(0, pct);
    std::string_view throttle = text.substr(pct + 1);
    if (throttle.empty()) {
      return ArrayError(raw, "missing task limit after '%'");
    }
    if (!internal::AllDigits(throttle)) {
      return ArrayError(raw, "task limit " + Quote(throttle) + " after '%' is not a number");
    }
    std::optional<uint64_t> m = internal::ParseDigits(throttle);
    if (!m || *m > UINT32_MAX) {
      return ArrayError(raw, "task limit " + std::string(throttle) + " is too large");
    }
    if (*m == 0) {
      return ArrayError(raw, "task limit %0 must be at least 1");
    }
    spec.max_running = static_cast<uint32_t>(*m);
    if (body.empty()) {
      return ArrayError(raw, "no indices before '%'");
    }
  }

  std::vector<ArrayRange> listed;
  bool step_seen = false;
  size_t token_no = 0;
  while (true) {
    size_t comma = body.find(',');
    std::string_view token = body.substr(0, comma);
    bool last = comma == std::string_view::npos;
    if (token.empty()) {
      if (token_no == 0) {
        return ArrayError(raw, "leading ',' or empty element");
      }
      return ArrayError(raw, last ? "trailing ','" : "empty element between ','");
    }
    ++token_no;

    size_t dash = token.find('-');
    size_t colon = token.find(':');
    ArrayRange r;
    if (dash == std::string_view::npos) {
      if (colon != std::string_view::npos) {
        return ArrayError(raw, "step in " + Quote(token) + " needs a range (A-B:S)");
      }
      FAIRWAY_ASSIGN_OR_RETURN(r.first, ParseIndex(raw, token, token, max_array_size));
      r.last = r.first;
    } else {
      if (colon != std::string_view::npos && colon < dash) {
        return ArrayError(raw, "step in " + Quote(token) + " must follow the range (A-B:S)");
      }
      std::string_view lo = token.substr(0, dash);
      std::string_view hi = token.substr(
          dash + 1, colon == std::string_view::npos ? std::string_view::npos : colon - dash - 1);
      FAIRWAY_ASSIGN_OR_RETURN(r.first, ParseIndex(raw, token, lo, max_array_size));
      FAIRWAY_ASSIGN_OR_RETURN(r.last, ParseIndex(raw, token, hi, max_array_size));
      if (r.first > r.last) {
        return ArrayError(raw, "range " + Quote(token) + " is reversed (first must be <= last)");
      }
      if (colon != std::string_view::npos) {
        std::string_view step_text = token.substr(colon + 1);
        if (step_text.empty()) {
          return ArrayError(raw, "missing step after ':' in " + Quote(token));
        }
        if (!internal::AllDigits(step_text)) {
          return ArrayError(raw, "step " + Quote(step_text) + " in " + Quote(token) +
                                     " is not a positive number");
        }
        std::optional<uint64_t> s = internal::ParseDigits(step_text);
        if (s && *s == 0) {
          return ArrayError(raw, "step 0 in " + Quote(token) + " must be at least 1");
        }
        if (!s || *s > UINT32_MAX) {
          return ArrayError(raw, "step " + std::string(step_text) + " is too large");
        }
        r.step = static_cast<uint32_t>(*s);
        if (!step_seen) {
          spec.step = r.step;
          step_seen = true;
        }
      }
    }
    listed.push_back(r);
    if (last) {
      break;
    }
    body.remove_prefix(comma + 1);
  }
  spec.ranges = Canonicalize(std::move(listed));
  return spec;
}

}  // namespace fairway::api

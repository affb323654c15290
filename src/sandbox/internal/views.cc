#include "sandbox/internal/views.h"

#include <utility>

namespace fairway::sandbox::internal {
namespace {

// (events.k8s.io/v1 field, core/v1 field) pairs that map one to one.
const std::pair<const char*, const char*> kEventFields[] = {
    {"regarding", "involvedObject"},
    {"note", "message"},
    {"reportingController", "reportingComponent"},
    {"deprecatedSource", "source"},
    {"deprecatedFirstTimestamp", "firstTimestamp"},
    {"deprecatedLastTimestamp", "lastTimestamp"},
    {"deprecatedCount", "count"},
};
const char* kSharedEventFields[] = {"metadata", "eventTime", "series", "reportingInstance",
                                    "action",   "reason",    "type",   "related"};

}  // namespace

bool IsEventsV1(const ResourceInfo& info) {
  return info.group == "events.k8s.io" && info.plural == "events";
}

nlohmann::json ToView(const ResourceInfo& info, const nlohmann::json& stored) {
  if (IsEventsV1(info)) {
    nlohmann::json out = {{"apiVersion", info.GroupVersion()}, {"kind", "Event"}};
    for (const char* f : kSharedEventFields) {
      if (stored.contains(f)) out[f] = stored[f];
    }
    for (const auto& [v1, core] : kEventFields) {
      if (stored.contains(core) && !stored[core].is_null()) out[v1] = stored[core];
    }
    if (out.contains("series") && out["series"].is_object()) {
      out["series"].erase("state");
    }
    return out;
  }
  nlohmann::json out = stored;
  out["apiVersion"] = info.GroupVersion();
  out["kind"] = info.kind;
  return out;
}

nlohmann::json FromView(const ResourceInfo& info, const nlohmann::json& body) {
  if (IsEventsV1(info) && body.is_object()) {
    nlohmann::json out = {{"apiVersion", "v1"}, {"kind", "Event"}};
    for (const char* f : kSharedEventFields) {
      if (body.contains(f)) out[f] = body[f];
    }
    for (const auto& [v1, core] : kEventFields) {
      if (body.contains(v1)) out[core] = body[v1];
    }
    return out;
  }
  nlohmann::json out = body;
  if (out.is_object() && info.custom) {
    out["apiVersion"] = info.GroupVersion();
    out["kind"] = info.kind;
  } else if (out.is_object()) {
    out.erase("apiVersion");
    out.erase("kind");
  }
  return out;
}

}  // namespace fairway::sandbox::internal

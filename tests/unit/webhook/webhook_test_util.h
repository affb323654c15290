// Fixtures for the admission tests: a small cluster (Accounts, Partitions, QoS), fluent builders
// for Job JSON and admission requests, and a JSON-patch applier.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/account_types.h"
#include "api/job_types.h"
#include "api/partition_types.h"
#include "api/qos_types.h"
#include "config/admission_settings.h"
#include "webhook/admission_review.h"
#include "webhook/cluster_view.h"

namespace fairway::webhook::testing {

using nlohmann::json;

inline api::AccountObject Account(const json& spec, const std::string& name) {
  StatusOr<api::AccountObject> a = api::AccountFromJson({{"apiVersion", "fairway.dev/v1alpha1"},
                                                         {"kind", "Account"},
                                                         {"metadata", {{"name", name}}},
                                                         {"spec", spec}});
  if (!a.ok()) {
    ADD_FAILURE() << a.status();
    return api::AccountObject{};
  }
  return std::move(a).value();
}

inline api::PartitionObject Partition(const json& spec, const std::string& name) {
  StatusOr<api::PartitionObject> p = api::PartitionFromJson({{"apiVersion", "fairway.dev/v1alpha1"},
                                                             {"kind", "Partition"},
                                                             {"metadata", {{"name", name}}},
                                                             {"spec", spec}});
  if (!p.ok()) {
    ADD_FAILURE() << p.status();
    return api::PartitionObject{};
  }
  return std::move(p).value();
}

inline api::QosObject Qos(const json& spec, const std::string& name) {
  StatusOr<api::QosObject> q = api::QosFromJson({{"apiVersion", "fairway.dev/v1alpha1"},
                                                 {"kind", "QoS"},
                                                 {"metadata", {{"name", name}}},
                                                 {"spec", spec}});
  if (!q.ok()) {
    ADD_FAILURE() << q.status();
    return api::QosObject{};
  }
  return std::move(q).value();
}

inline api::JobObject Job(const json& object) {
  StatusOr<api::JobObject> j = api::JobFromJson(object);
  if (!j.ok()) {
    ADD_FAILURE() << j.status();
    return api::JobObject{};
  }
  return std::move(j).value();
}

// The cluster most tests run against:
//   accounts  physics {users alice, bob; defaultQos normal; allowedQos normal, high}
//             astro   {parent physics; users carol, alice}
//             bio     {groups bio-lab; defaultFor dave}
//             open    {lists nobody: admits anyone}
//   partitions gpu    {default; maxTime 2-00:00:00; defaultTime 1:00:00}
//             debug   {maxTime 1:00:00; maxNodes 1; allowQos normal; allowGroups debuggers}
//             physics-only {maxTime 4:00:00; allowAccounts physics}
//             drained {state DRAIN}
//   qos       normal, high, low
inline StaticClusterView Cluster() {
  StaticClusterView v;
  v.accounts["physics"] = Account(
      {{"users", {"alice", "bob"}}, {"defaultQos", "normal"}, {"allowedQos", {"normal", "high"}}},
      "physics");
  v.accounts["astro"] = Account({{"parent", "physics"}, {"users", {"carol", "alice"}}}, "astro");
  v.accounts["bio"] = Account({{"groups", {"bio-lab"}}, {"defaultFor", {"dave"}}}, "bio");
  v.accounts["open"] = Account(json::object(), "open");
  v.partitions["gpu"] =
      Partition({{"default", true}, {"maxTime", "2-00:00:00"}, {"defaultTime", "1:00:00"}}, "gpu");
  v.partitions["debug"] = Partition({{"maxTime", "1:00:00"},
                                     {"maxNodes", 1},
                                     {"allowQos", {"normal"}},
                                     {"allowGroups", {"debuggers"}}},
                                    "debug");
  v.partitions["physics-only"] =
      Partition({{"maxTime", "4:00:00"}, {"allowAccounts", {"physics"}}}, "physics-only");
  v.partitions["drained"] = Partition({{"state", "DRAIN"}}, "drained");
  for (const char* q : {"normal", "high", "low"}) v.qos[q] = Qos(json::object(), q);
  return v;
}

inline config::AdmissionSettings Settings() { return config::AdmissionSettings{}; }

// A Job object as a client would send it (after the mutating webhook, when `stamped`).
class JobJson {
 public:
  explicit JobJson(std::string name) {
    j_ = {{"apiVersion", "fairway.dev/v1alpha1"},
          {"kind", "Job"},
          {"metadata", {{"name", std::move(name)}, {"namespace", "ml"}}},
          {"spec", json::object()}};
  }
  // spec.user/groups as stamped, and a valid account/partition/qos/timeLimit.
  JobJson& Stamped(const std::string& user, std::vector<std::string> groups = {}) {
    Set("user", user);
    Set("groups", std::move(groups));
    return *this;
  }
  JobJson& Set(const std::string& key, json value) {
    j_["spec"][key] = std::move(value);
    return *this;
  }
  JobJson& Unset(const std::string& key) {
    j_["spec"].erase(key);
    return *this;
  }
  JobJson& Annotation(const std::string& key, const std::string& value) {
    j_["metadata"]["annotations"][key] = value;
    return *this;
  }
  JobJson& Status(json status) {
    j_["status"] = std::move(status);
    return *this;
  }
  JobJson& Gpus(int64_t n) {
    j_["spec"]["resources"]["gpus"] = n;
    return *this;
  }
  JobJson& ContainerGpus(size_t index, json count) {
    json& containers = j_["spec"]["template"]["spec"]["containers"];
    while (containers.size() <= index) {
      containers.push_back({{"name", "c" + std::to_string(containers.size())}, {"image", "x"}});
    }
    containers[index]["resources"]["limits"]["nvidia.com/gpu"] = std::move(count);
    return *this;
  }
  json Build() const { return j_; }

 private:
  json j_;
};

// A Job ready for validation: alice in physics on gpu with QoS normal and 1:00:00.
inline JobJson ValidJob(const std::string& name = "train") {
  JobJson j(name);
  j.Stamped("alice", {"system:authenticated"})
      .Set("account", "physics")
      .Set("partition", "gpu")
      .Set("qos", "normal")
      .Set("timeLimit", "1:00:00");
  return j;
}

inline UserInfo User(std::string name, std::vector<std::string> groups = {"system:authenticated"}) {
  return UserInfo{std::move(name), "uid-" + name, std::move(groups)};
}

inline UserInfo Admin() { return User("root", {"fairway:admins", "system:authenticated"}); }

inline AdmissionRequest JobRequest(Operation op, const UserInfo& user, json object,
                                   json old_object = nullptr) {
  AdmissionRequest r;
  r.uid = "req-1";
  r.kind = {"fairway.dev", "v1alpha1", "Job"};
  r.resource = {"fairway.dev", "v1alpha1", "jobs"};
  r.operation = op;
  r.user = user;
  r.namespace_name = "ml";
  const json& named = object.is_object() ? object : old_object;
  if (named.is_object() && named.contains("metadata")) {
    r.name = named["metadata"].value("name", "");
  }
  r.object = std::move(object);
  r.old_object = std::move(old_object);
  return r;
}

// Applies an RFC 6902 patch (nlohmann's implementation).
inline json ApplyPatch(const json& doc, const json& patch) { return doc.patch(patch); }

}  // namespace fairway::webhook::testing

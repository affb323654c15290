// What submit limits count of a stored Job (slurm-semantics.md §8: MaxSubmitJobs,
// MaxSubmitJobsPerUser and GrpSubmitJobs count pending + running jobs, each array task as one),
// read straight from its JSON so that counting a user's jobs at admission decodes no Job.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fairway::webhook {

// A Job that has not ended, as submit limits see it.
struct SubmittedJob {
  std::string user;     // spec.user
  std::string account;  // spec.account
  std::string qos;      // spec.qos as stored (admission stamps the default QoS into it)
  int64_t count = 1;    // jobs it counts as: an array, its tasks that have not ended
};

// nullopt when the Job has ended (a terminal status.state, or an array none of whose tasks is
// left) or is not an object. An array the operator has not seen yet counts every index of
// spec.array; one it has seen counts its taskCounts outside terminal states.
std::optional<SubmittedJob> SubmittedJobOf(const nlohmann::json& job);

// How many jobs a new Job with this spec.array counts as (1 without an array). REQUIRES: the
// text was accepted by the Job decoder (a text that does not parse counts as 1).
int64_t SubmittedCount(const std::string& array_text);

// Index values for the informer: "user/<u>", "account/<a>", "qos/<q>" of an unfinished Job.
std::vector<std::string> SubmittedJobIndexValues(const nlohmann::json& job);

}  // namespace fairway::webhook

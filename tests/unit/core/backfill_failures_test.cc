#include "core/backfill_failures.h"

#include <gtest/gtest.h>

namespace fairway::core {
namespace {

Job Request(int64_t gpus, int32_t nodes) {
  Job j;
  j.per_node = {gpus * 1000, 0, gpus};
  j.node_count = nodes;
  return j;
}

TEST(BackfillFailuresTest, CoversOnlyRequestsNoSmallerThanAFailure) {
  BackfillFailures failures;
  failures.Add(Request(4, 2), /*p=*/0, /*duration_s=*/3600);
  EXPECT_TRUE(failures.Covers(Request(4, 2), 0, 3600));
  EXPECT_TRUE(failures.Covers(Request(8, 3), 0, 7200));
  EXPECT_FALSE(failures.Covers(Request(2, 2), 0, 3600));  // fewer GPUs may fit
  EXPECT_FALSE(failures.Covers(Request(4, 1), 0, 3600));  // fewer nodes may fit
  EXPECT_FALSE(failures.Covers(Request(4, 2), 0, 600));   // shorter may fit
  EXPECT_FALSE(failures.Covers(Request(4, 2), 1, 3600));  // another partition
}

TEST(BackfillFailuresTest, NodeFiltersArePartOfTheKey) {
  BackfillFailures failures;
  Job h100 = Request(4, 1);
  h100.gpu_type = "h100";
  failures.Add(h100, 0, 3600);
  EXPECT_FALSE(failures.Covers(Request(4, 1), 0, 3600));
  Job exclusive = h100;
  exclusive.exclusive = true;
  EXPECT_FALSE(failures.Covers(exclusive, 0, 3600));
  // Without GPUs the GPU type filters nothing (NodePool::Accepts), so it is not in the key.
  Job cpu_only = Request(0, 1);
  cpu_only.gpu_type = "h100";
  failures.Add(cpu_only, 0, 60);
  EXPECT_TRUE(failures.Covers(Request(0, 1), 0, 60));
}

TEST(BackfillFailuresTest, JobsWithTolerationsAreNotRemembered) {
  BackfillFailures failures;
  Job tolerant = Request(4, 1);
  tolerant.tolerations.push_back({"maint", Toleration::Operator::kExists, "", {}});
  failures.Add(tolerant, 0, 3600);
  EXPECT_FALSE(failures.Covers(Request(4, 1), 0, 3600));
  EXPECT_FALSE(failures.Covers(tolerant, 0, 3600));
}

}  // namespace
}  // namespace fairway::core

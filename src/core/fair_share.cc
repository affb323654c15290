#include "core/fair_share.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fairway::core {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Work {
  const AccountTree& tree;
  const UsageLedger& usage;
  std::vector<FairShareRow> rows;  // indexed like the tree
};

double UsageOf(const Work& w, int32_t index) {
  const AccountTree::Association& a = w.tree.at(index);
  return w.usage.Usage({a.account, a.user});
}

// level_shares: sum of raw shares of the association and its siblings (FairShare=parent users
// take no part).
double LevelShares(const AccountTree& tree, int32_t index) {
  const AccountTree::Association& a = tree.at(index);
  if (a.parent == AccountTree::kNone) return 0;
  double total = 0;
  for (int32_t sibling : tree.at(a.parent).children) {
    const AccountTree::Association& s = tree.at(sibling);
    if (!s.shares_parent) total += s.shares;
  }
  return total;
}

// Fills the per-level columns (S within level, U within level, LF) for every association.
void ComputeLevelColumns(Work& w) {
  for (size_t i = 0; i < w.tree.size(); ++i) {
    int32_t index = static_cast<int32_t>(i);
    const AccountTree::Association& a = w.tree.at(index);
    FairShareRow& row = w.rows[i];
    row.raw_usage = UsageOf(w, index);
    if (a.parent == AccountTree::kNone) {
      row.norm_shares = 1.0;
      row.effective_usage = 1.0;
      row.level_fs = 1.0;
      continue;
    }
    double level_shares = LevelShares(w.tree, index);
    row.norm_shares = (level_shares > 0 && !a.shares_parent) ? a.shares / level_shares : 0.0;
    double parent_usage = UsageOf(w, a.parent);
    row.effective_usage = parent_usage > 0 ? row.raw_usage / parent_usage : 0.0;
    if (a.shares_parent) {
      row.level_fs = kInf;
    } else if (row.norm_shares == 0) {
      row.level_fs = 0;
    } else if (row.effective_usage == 0) {
      row.level_fs = kInf;
    } else {
      row.level_fs = row.norm_shares / row.effective_usage;
    }
  }
}

// Fair Tree ranking (fair_tree.c _calc_tree_fs). `rank` is the rank tied users share; `next` the
// rank the next untied user gets.
void RankSiblings(Work& w, std::vector<int32_t> siblings, bool parent_tied, int32_t* rank,
                  int32_t* next) {
  std::stable_sort(siblings.begin(), siblings.end(), [&](int32_t x, int32_t y) {
    const FairShareRow& a = w.rows[static_cast<size_t>(x)];
    const FairShareRow& b = w.rows[static_cast<size_t>(y)];
    if (a.level_fs != b.level_fs) return a.level_fs > b.level_fs;
    bool a_user = w.tree.at(x).is_user();
    bool b_user = w.tree.at(y).is_user();
    if (a_user != b_user) return a_user;  // users before accounts
    if (a.account != b.account) return a.account < b.account;
    return a.user < b.user;
  });
  double prev_level_fs = std::numeric_limits<double>::quiet_NaN();
  for (size_t i = 0; i < siblings.size(); ++i) {
    int32_t index = siblings[i];
    double lf = w.rows[static_cast<size_t>(index)].level_fs;
    bool tied = (i == 0 && parent_tied) || (i > 0 && lf == prev_level_fs);
    if (w.tree.at(index).is_user()) {
      if (!tied) *rank = *next;
      w.rows[static_cast<size_t>(index)].fair_share =
          w.tree.user_count() > 0 ? static_cast<double>(*rank) / w.tree.user_count() : 0.0;
      --*next;
    } else {
      // Merge the children of this account and of the following sibling accounts with equal LF.
      std::vector<int32_t> children = w.tree.at(index).children;
      size_t j = i + 1;
      while (j < siblings.size() && !w.tree.at(siblings[j]).is_user() &&
             w.rows[static_cast<size_t>(siblings[j])].level_fs == lf) {
        const auto& more = w.tree.at(siblings[j]).children;
        children.insert(children.end(), more.begin(), more.end());
        ++j;
      }
      RankSiblings(w, std::move(children), tied, rank, next);
      i = j - 1;
    }
    prev_level_fs = lf;
  }
}

// FairShare=parent users take their account's values.
void ApplyParentShares(Work& w) {
  for (size_t i = 0; i < w.tree.size(); ++i) {
    const AccountTree::Association& a = w.tree.at(static_cast<int32_t>(i));
    if (!a.shares_parent || a.parent == AccountTree::kNone) continue;
    const FairShareRow& parent = w.rows[static_cast<size_t>(a.parent)];
    w.rows[i].norm_shares = parent.norm_shares;
    w.rows[i].effective_usage = parent.effective_usage;
  }
}

void ComputeClassic(Work& w, double dampening) {
  double root_usage = w.usage.RootUsage();
  // Parents precede children in tree order (Build appends children after parents).
  for (size_t i = 0; i < w.tree.size(); ++i) {
    int32_t index = static_cast<int32_t>(i);
    const AccountTree::Association& a = w.tree.at(index);
    FairShareRow& row = w.rows[i];
    if (a.parent == AccountTree::kNone) {
      row.norm_shares = 1.0;
      row.effective_usage = 1.0;
      continue;
    }
    const FairShareRow& parent = w.rows[static_cast<size_t>(a.parent)];
    double level_shares = LevelShares(w.tree, index);
    double level_fraction = level_shares > 0 ? a.shares / level_shares : 0.0;
    if (a.shares_parent) {
      row.norm_shares = parent.norm_shares;
      row.effective_usage = parent.effective_usage;
    } else {
      row.norm_shares = (a.parent == AccountTree::kRoot ? 1.0 : parent.norm_shares) *
                        level_fraction;
      double un = root_usage > 0 ? row.raw_usage / root_usage : 0.0;
      row.effective_usage = a.parent == AccountTree::kRoot
                                ? un
                                : un + (parent.effective_usage - un) * level_fraction;
    }
    row.fair_share = row.norm_shares > 0
                         ? std::pow(2.0, -(row.effective_usage / row.norm_shares) / dampening)
                         : 0.0;
  }
}


void AppendInTreeOrder(const Work& w, int32_t index, int32_t depth,
                       std::vector<FairShareRow>* out) {
  FairShareRow row = w.rows[static_cast<size_t>(index)];
  row.depth = depth;
  out->push_back(row);
  for (int32_t child : w.tree.at(index).children) AppendInTreeOrder(w, child, depth + 1, out);
}

}  // namespace

double FairShareTable::Factor(const AccountName& account, const UserName& user) const {
  auto it = user_factor_.find({account, user});
  return it == user_factor_.end() ? 0.0 : it->second;
}

FairShareTable ComputeFairShare(const AccountTree& tree, const UsageLedger& usage,
                                const FairShareConfig& config) {
  Work w{tree, usage, std::vector<FairShareRow>(tree.size())};
  for (size_t i = 0; i < tree.size(); ++i) {
    const AccountTree::Association& a = tree.at(static_cast<int32_t>(i));
    w.rows[i].account = a.account;
    w.rows[i].user = a.user;
    w.rows[i].raw_shares = a.shares;
    w.rows[i].shares_parent = a.shares_parent;
  }
  ComputeLevelColumns(w);
  double root_usage = usage.RootUsage();
  for (FairShareRow& row : w.rows) {
    row.norm_usage = root_usage > 0 ? row.raw_usage / root_usage : 0.0;
  }
  if (config.algorithm == FairShareAlgorithm::kFairTree) {
    int32_t rank = tree.user_count();
    int32_t next = tree.user_count();
    RankSiblings(w, tree.at(AccountTree::kRoot).children, false, &rank, &next);
    ApplyParentShares(w);
  } else {
    ComputeClassic(w, config.dampening_factor);
    for (size_t i = 0; i < tree.size(); ++i) {
      w.rows[i].level_fs = 0;  // not used by the classic algorithm
    }
  }
  FairShareTable table;
  table.by_index_.assign(tree.size(), 0.0);
  for (size_t i = 0; i < tree.size(); ++i) {
    const AccountTree::Association& a = tree.at(static_cast<int32_t>(i));
    if (!a.is_user()) continue;
    table.user_factor_[{a.account, a.user}] = w.rows[i].fair_share;
    table.by_index_[i] = w.rows[i].fair_share;
  }
  AppendInTreeOrder(w, AccountTree::kRoot, 0, &table.rows_);
  return table;
}

double BillingOf(const Resources& per_node, int32_t nodes, const BillingWeights& weights) {
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  double per = static_cast<double>(per_node.cpu_millis) / 1000.0 * weights.cpu_per_core +
               static_cast<double>(per_node.memory_bytes) / kGiB * weights.memory_per_gib +
               static_cast<double>(per_node.gpus) * weights.gpu;
  return per * nodes;
}

}  // namespace fairway::core

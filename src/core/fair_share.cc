#include "core/fair_share.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fairway::core {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Slurm's automatic user association root/root: 1 share, no usage (FairShareConfig).
constexpr double kRootUserShares = 1.0;

struct Work {
  const AccountTree& tree;
  const UsageLedger& usage;
  std::vector<FairShareValues> rows;  // indexed like the tree
  std::vector<double> level_shares;   // by parent index
  int32_t users = 0;                  // Fair Tree's N (the root user association included)
};

// The raw usage already copied into rows[index] (one ledger lookup per association).
double UsageOf(const Work& w, int32_t index) {
  return w.rows[static_cast<size_t>(index)].raw_usage;
}

double LevelShares(const Work& w, int32_t index) {
  int32_t parent = w.tree.at(index).parent;
  return parent == AccountTree::kNone ? 0.0 : w.level_shares[static_cast<size_t>(parent)];
}

// level_shares per parent: the sum of raw shares of its children (FairShare=parent users take
// no part), the root user association's one share included at the root. Indexed by the
// parent's tree index.
std::vector<double> LevelSharesByParent(const AccountTree& tree, bool root_user) {
  std::vector<double> sums(tree.size(), 0.0);
  if (root_user) sums[AccountTree::kRoot] = kRootUserShares;
  for (size_t i = 0; i < tree.size(); ++i) {
    const AccountTree::Association& a = tree.at(static_cast<int32_t>(i));
    if (a.parent != AccountTree::kNone && !a.shares_parent) {
      sums[static_cast<size_t>(a.parent)] += a.shares;
    }
  }
  return sums;
}

// Fills the per-level columns (S within level, U within level, LF) for every association.
void ComputeLevelColumns(Work& w) {
  for (size_t i = 0; i < w.tree.size(); ++i) {
    int32_t index = static_cast<int32_t>(i);
    const AccountTree::Association& a = w.tree.at(index);
    FairShareValues& row = w.rows[i];
    if (a.parent == AccountTree::kNone) {
      row.norm_shares = 1.0;
      row.effective_usage = 1.0;
      row.level_fs = 1.0;
      continue;
    }
    double level_shares = LevelShares(w, index);
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
  // Sort by LF (desc), users before accounts, then the given order (names: children lists are
  // sorted by name and merged lists keep their accounts' order).
  struct Key {
    double lf;
    bool user;
    uint32_t position;
    int32_t index;
  };
  std::vector<Key> keys;
  keys.reserve(siblings.size());
  for (size_t i = 0; i < siblings.size(); ++i) {
    int32_t index = siblings[i];
    keys.push_back({w.rows[static_cast<size_t>(index)].level_fs, w.tree.at(index).is_user(),
                    static_cast<uint32_t>(i), index});
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    if (a.lf != b.lf) return a.lf > b.lf;
    if (a.user != b.user) return a.user;
    return a.position < b.position;
  });
  for (size_t i = 0; i < keys.size(); ++i) siblings[i] = keys[i].index;
  double prev_level_fs = std::numeric_limits<double>::quiet_NaN();
  for (size_t i = 0; i < siblings.size(); ++i) {
    int32_t index = siblings[i];
    double lf = w.rows[static_cast<size_t>(index)].level_fs;
    bool tied = (i == 0 && parent_tied) || (i > 0 && lf == prev_level_fs);
    if (w.tree.at(index).is_user()) {
      if (!tied) *rank = *next;
      w.rows[static_cast<size_t>(index)].fair_share =
          w.users > 0 ? static_cast<double>(*rank) / w.users : 0.0;
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
    const FairShareValues& parent = w.rows[static_cast<size_t>(a.parent)];
    w.rows[i].norm_shares = parent.norm_shares;
    w.rows[i].effective_usage = parent.effective_usage;
  }
}

void ComputeClassic(Work& w, double dampening, double root_usage) {
  // Parents before children: each row uses its parent's S and UE.
  for (int32_t index : w.tree.TopDown()) {
    const AccountTree::Association& a = w.tree.at(index);
    FairShareValues& row = w.rows[static_cast<size_t>(index)];
    if (a.parent == AccountTree::kNone) {
      row.norm_shares = 1.0;
      row.effective_usage = 1.0;
      continue;
    }
    const FairShareValues& parent = w.rows[static_cast<size_t>(a.parent)];
    double level_shares = LevelShares(w, index);
    double level_fraction = level_shares > 0 ? a.shares / level_shares : 0.0;
    if (a.shares_parent) {
      row.norm_shares = parent.norm_shares;
      row.effective_usage = parent.effective_usage;
    } else {
      row.norm_shares =
          (a.parent == AccountTree::kRoot ? 1.0 : parent.norm_shares) * level_fraction;
      double un = root_usage > 0 ? row.raw_usage / root_usage : 0.0;
      row.effective_usage =
          a.parent == AccountTree::kRoot ? un : un + (parent.effective_usage - un) * level_fraction;
    }
    row.fair_share = row.norm_shares > 0
                         ? std::pow(2.0, -(row.effective_usage / row.norm_shares) / dampening)
                         : 0.0;
  }
}

// Fair Tree from the root. Slurm's root user association (no usage: LF = +inf) ranks first: it
// takes rank N, and root's children with LF = +inf tie with it.
void RankFromRoot(Work& w, bool root_user) {
  int32_t rank = w.users;
  int32_t next = w.users;
  const std::vector<int32_t>& children = w.tree.at(AccountTree::kRoot).children;
  bool first_tied = false;
  if (root_user) {
    --next;
    first_tied = std::any_of(children.begin(), children.end(), [&](int32_t c) {
      return w.rows[static_cast<size_t>(c)].level_fs == kInf;
    });
  }
  RankSiblings(w, children, first_tied, &rank, &next);
}

}  // namespace

double FairShareTable::Factor(const AccountName& account, const UserName& user) const {
  if (tree_ == nullptr) return 0.0;
  return FactorAt(tree_->FindUser(account, user));
}

FairShareRow FairShareTable::RootUserRow() const {
  FairShareRow row;
  row.account = AccountName("root");
  row.user = UserName("root");
  row.depth = 1;
  row.norm_shares = root_user_->norm_shares;
  row.level_fs = root_user_->level_fs;
  row.fair_share = root_user_->fair_share;
  return row;
}

std::vector<FairShareRow> FairShareTable::rows() const {
  std::vector<FairShareRow> out;
  if (tree_ == nullptr) return out;
  std::vector<int32_t> depth(tree_->size(), 0);
  for (int32_t index : tree_->TopDown()) {
    const AccountTree::Association& a = tree_->at(index);
    if (a.parent != AccountTree::kNone) {
      depth[static_cast<size_t>(index)] = depth[static_cast<size_t>(a.parent)] + 1;
    }
    const FairShareValues& v = values_[static_cast<size_t>(index)];
    FairShareRow row;
    row.account = a.account;
    row.user = a.user;
    row.depth = depth[static_cast<size_t>(index)];
    row.raw_shares = a.shares;
    row.shares_parent = a.shares_parent;
    row.norm_shares = v.norm_shares;
    row.raw_usage = v.raw_usage;
    row.norm_usage = v.norm_usage;
    row.effective_usage = v.effective_usage;
    row.level_fs = v.level_fs;
    row.fair_share = v.fair_share;
    out.push_back(std::move(row));
    if (index == AccountTree::kRoot && root_user_.has_value()) out.push_back(RootUserRow());
  }
  return out;
}

FairShareTable ComputeFairShare(const AccountTree& tree, const UsageLedger& usage,
                                const FairShareConfig& config) {
  const bool root_user = config.root_user_association;
  Work w{tree, usage, std::vector<FairShareValues>(tree.size()),
         LevelSharesByParent(tree, root_user), tree.user_count() + (root_user ? 1 : 0)};
  for (size_t i = 0; i < tree.size(); ++i) {
    const AccountTree::Association& a = tree.at(static_cast<int32_t>(i));
    w.rows[i].raw_usage = usage.Usage({a.account, a.user});
  }
  ComputeLevelColumns(w);
  double root_usage = w.rows[static_cast<size_t>(AccountTree::kRoot)].raw_usage;
  for (FairShareValues& row : w.rows) {
    row.norm_usage = root_usage > 0 ? row.raw_usage / root_usage : 0.0;
  }
  if (config.algorithm == FairShareAlgorithm::kFairTree) {
    RankFromRoot(w, root_user);
    ApplyParentShares(w);
  } else {
    ComputeClassic(w, config.dampening_factor, root_usage);
    for (FairShareValues& row : w.rows) row.level_fs = 0;  // not used by classic
  }
  FairShareTable table;
  table.tree_ = &tree;
  if (root_user) {
    // root/root: no usage, so LF = +inf and Fair Tree's top rank; classic: 2^0.
    FairShareValues& r = table.root_user_.emplace();
    r.norm_shares = kRootUserShares / w.level_shares[AccountTree::kRoot];
    r.level_fs = config.algorithm == FairShareAlgorithm::kFairTree ? kInf : 0;
    r.fair_share = 1.0;
  }
  table.values_.resize(tree.size());
  for (size_t i = 0; i < tree.size(); ++i) {
    table.values_[i] = w.rows[i];
    bool user = tree.at(static_cast<int32_t>(i)).is_user();
    if (!user && config.algorithm == FairShareAlgorithm::kFairTree) {
      table.values_[i].fair_share = 0;  // Fair Tree ranks users only
    }
  }
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

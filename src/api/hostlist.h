// Slurm host lists: compress node names into prefix[range] form ("gpu[01-04,07]"), as
// SLURM_JOB_NODELIST and squeue show them (slurm-semantics.md §10).
//
// Rules (after Slurm's hostlist.c): a name splits into a prefix and a numeric suffix; names with
// the same prefix and suffix width (zero padding kept: "gpu01".."gpu04") are merged into ranges
// of consecutive numbers; suffixes without leading zeros also merge across widths ("n[9-10]").
// Names are sorted and de-duplicated; groups keep the order of their first (sorted) name. A group
// with a single name prints without brackets. Names without a numeric suffix print as they are.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace fairway::api {

std::string CompressHostList(const std::vector<std::string>& names);

}  // namespace fairway::api

// A small flag parser for the fairway subcommands: "--name value", "--name=value" and boolean
// "--name". Unknown flags and missing values are errors that name the flag.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace fairway::cli {

class Flags {
 public:
  // `value_flags` take a value; `bool_flags` do not.
  static StatusOr<Flags> Parse(const std::vector<std::string>& args,
                               const std::set<std::string>& value_flags,
                               const std::set<std::string>& bool_flags);

  std::optional<std::string> Get(const std::string& name) const;
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // Parses an integer flag; InvalidArgument naming the flag when it is not one.
  StatusOr<int64_t> GetInt(const std::string& name, int64_t fallback) const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace fairway::cli

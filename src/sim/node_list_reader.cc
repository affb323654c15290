#include "sim/node_list_reader.h"

#include <array>
#include <memory>
#include <set>
#include <utility>

#include "common/status_macros.h"
#include "sim/internal/line_reader.h"
#include "sim/internal/text.h"

namespace fairway::sim {
namespace {

using internal::LineError;

constexpr std::array<std::string_view, 5> kColumns = {"sn", "cpu_milli", "memory_mib", "gpu",
                                                      "model"};

class Parser {
 public:
  explicit Parser(std::string_view source) { list_.source = std::string(source); }

  Status Consume(std::string_view raw, int64_t line_number) {
    const std::string_view line = internal::Trim(raw);
    if (line.empty()) {
      return OkStatus();
    }
    if (!have_header_) {
      have_header_ = true;
      return ParseHeader(line, line_number);
    }
    return ParseNode(line, line_number);
  }

  StatusOr<NodeList> Finish() && {
    if (!have_header_) {
      return InvalidArgumentError(list_.source + ": empty file, expected a header line");
    }
    return std::move(list_);
  }

 private:
  Status ParseHeader(std::string_view line, int64_t line_number) {
    const std::vector<std::string_view> names = internal::SplitCsv(line);
    field_count_ = names.size();
    for (size_t c = 0; c < kColumns.size(); ++c) {
      bool found = false;
      for (size_t i = 0; i < names.size() && !found; ++i) {
        if (names[i] == kColumns[c]) {
          index_[c] = i;
          found = true;
        }
      }
      if (!found) {
        return LineError(list_.source, line_number,
                         "header lacks column '" + std::string(kColumns[c]) + "'");
      }
    }
    return OkStatus();
  }

  Status ParseNode(std::string_view line, int64_t line_number) {
    const std::vector<std::string_view> f = internal::SplitCsv(line);
    if (f.size() != field_count_) {
      return LineError(
          list_.source, line_number,
          "expected " + std::to_string(field_count_) + " fields, got " + std::to_string(f.size()));
    }
    NodeRecord node;
    node.name = std::string(f[index_[0]]);
    if (node.name.empty()) {
      return LineError(list_.source, line_number, "sn (node name) is empty");
    }
    const std::array<int64_t*, 3> numbers = {&node.cpu_milli, &node.memory_mib, &node.gpus};
    for (size_t k = 0; k < numbers.size(); ++k) {
      const std::string_view text = f[index_[k + 1]];
      if (!internal::ParseInt64(text, numbers[k]) || *numbers[k] < 0) {
        return LineError(list_.source, line_number,
                         std::string(kColumns[k + 1]) + " is not a non-negative integer: '" +
                             std::string(text) + "'");
      }
    }
    node.gpu_model = std::string(f[index_[4]]);
    node.line_number = line_number;
    if (!names_.insert(node.name).second) {
      return LineError(list_.source, line_number, "duplicate node name '" + node.name + "'");
    }
    list_.nodes.push_back(std::move(node));
    return OkStatus();
  }

  NodeList list_;
  std::array<size_t, kColumns.size()> index_{};
  size_t field_count_ = 0;
  bool have_header_ = false;
  std::set<std::string> names_;
};

}  // namespace

StatusOr<NodeList> ReadNodeListCsv(const std::string& path) {
  Parser parser(path);
  FAIRWAY_RETURN_IF_ERROR(internal::ForEachFileLine(
      path, [&](std::string_view line, int64_t n) { return parser.Consume(line, n); }));
  return std::move(parser).Finish();
}

StatusOr<NodeList> ParseNodeListCsvText(std::string_view text, std::string_view source) {
  Parser parser(source);
  FAIRWAY_RETURN_IF_ERROR(internal::ForEachTextLine(
      text, [&](std::string_view line, int64_t n) { return parser.Consume(line, n); }));
  return std::move(parser).Finish();
}

}  // namespace fairway::sim

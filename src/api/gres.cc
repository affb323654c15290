#include "api/gres.h"

#include <optional>
#include <string>

#include "api/internal/parse_util.h"

namespace fairway::api {
namespace {

using internal::Quote;

constexpr std::string_view kGresForms =
    "accepted forms: gpu, gpu:N, gpu:TYPE, gpu:TYPE:N, e.g. gpu:a100:2";
constexpr std::string_view kGpusForms = "accepted forms: N, TYPE:N, gpu:TYPE:N, e.g. a100:2";

Status GresError(std::string_view forms, std::string_view option, std::string_view text,
                 std::string_view what) {
  return InvalidArgumentError("invalid " + std::string(option) + " " + Quote(text) + ": " +
                              std::string(what) + " (" + std::string(forms) + ")");
}

bool IsTypeChar(char c) {
  return internal::IsAlpha(c) || internal::IsDigit(c) || c == '_' || c == '-' || c == '.';
}

// Checks a GPU type name; returns an error description or nullopt if valid.
std::optional<std::string> CheckType(std::string_view type) {
  if (type.empty()) {
    return "empty GPU type";
  }
  if (internal::AllDigits(type)) {
    return "GPU type " + Quote(type) + " must not be all digits";
  }
  if (type.size() > 63) {
    return "GPU type is longer than 63 characters";
  }
  for (char c : type) {
    if (!IsTypeChar(c)) {
      return "GPU type " + Quote(type) + " may only hold letters, digits, '_', '-' and '.'";
    }
  }
  return std::nullopt;
}

// Parses a count field; returns an error description or the count.
std::optional<std::string> ParseCount(std::string_view text, int64_t& count) {
  if (text.empty()) {
    return "empty GPU count";
  }
  if (text.front() == '-') {
    return "GPU count " + Quote(text) + " is negative";
  }
  if (!internal::AllDigits(text)) {
    return "GPU count " + Quote(text) + " is not a number";
  }
  std::optional<uint64_t> v = internal::ParseDigits(text);
  if (!v || *v > static_cast<uint64_t>(kMaxGpuCount)) {
    return "GPU count " + std::string(text) + " is too large (maximum " +
           std::to_string(kMaxGpuCount) + ")";
  }
  count = static_cast<int64_t>(*v);
  return std::nullopt;
}

// Splits on ':' into at most `max` fields; returns 0 when there are more.
size_t Split(std::string_view text, std::string_view* fields, size_t max) {
  size_t n = 0;
  while (true) {
    if (n == max) {
      return 0;
    }
    size_t colon = text.find(':');
    fields[n++] = text.substr(0, colon);
    if (colon == std::string_view::npos) {
      return n;
    }
    text.remove_prefix(colon + 1);
  }
}

// Parses "TYPE:N", "N" or (if allow_type_only) "TYPE" after the gres name.
StatusOr<GpuRequest> ParseTypeAndCount(std::string_view forms, std::string_view option,
                                       std::string_view raw, std::string_view rest,
                                       bool allow_type_only) {
  std::string_view f[2];
  size_t n = Split(rest, f, 2);
  if (n == 0) {
    return GresError(forms, option, raw, "too many ':' separated fields");
  }
  GpuRequest req;
  if (n == 2) {
    if (std::optional<std::string> e = CheckType(f[0])) {
      return GresError(forms, option, raw, *e);
    }
    if (std::optional<std::string> e = ParseCount(f[1], req.count)) {
      return GresError(forms, option, raw, *e);
    }
    req.type = std::string(f[0]);
    return req;
  }
  // One field: a count if it looks numeric, else a type (--gres) or a missing count (--gpus).
  std::string_view only = f[0];
  bool numeric =
      only.empty() || internal::AllDigits(only) || only.front() == '-' || only.front() == '+';
  if (numeric) {
    if (std::optional<std::string> e = ParseCount(only, req.count)) {
      return GresError(forms, option, raw, *e);
    }
    return req;
  }
  if (std::optional<std::string> e = CheckType(only)) {
    return GresError(forms, option, raw,
                     allow_type_only ? *e : "GPU count " + Quote(only) + " is not a number");
  }
  if (!allow_type_only) {
    return GresError(forms, option, raw, "missing GPU count after type " + Quote(only));
  }
  req.type = std::string(only);
  req.count = 1;
  return req;
}

}  // namespace

StatusOr<GpuRequest> ParseGres(std::string_view raw) {
  std::string_view text = internal::TrimSpace(raw);
  if (text.empty()) {
    return GresError(kGresForms, "--gres", raw, "empty");
  }
  if (text.find(',') != std::string_view::npos) {
    return GresError(kGresForms, "--gres", raw, "only one gres (gpu) can be requested");
  }
  size_t colon = text.find(':');
  std::string_view name = text.substr(0, colon);
  if (!internal::EqualsIgnoreCase(name, "gpu")) {
    return GresError(kGresForms, "--gres", raw,
                     "gres " + Quote(name) + " is not supported; only gpu is");
  }
  if (colon == std::string_view::npos) {
    return GpuRequest{};
  }
  std::string_view rest = text.substr(colon + 1);
  if (rest.empty()) {
    return GresError(kGresForms, "--gres", raw, "missing type or count after ':'");
  }
  return ParseTypeAndCount(kGresForms, "--gres", raw, rest, /*allow_type_only=*/true);
}

StatusOr<GpuRequest> ParseGpus(std::string_view raw) {
  std::string_view text = internal::TrimSpace(raw);
  if (text.empty()) {
    return GresError(kGpusForms, "--gpus", raw, "empty");
  }
  if (text.find(',') != std::string_view::npos) {
    return GresError(kGpusForms, "--gpus", raw, "only one GPU request can be given");
  }
  std::string_view rest = text;
  if (text.size() > 4 && internal::EqualsIgnoreCase(text.substr(0, 4), "gpu:")) {
    rest = text.substr(4);
  }
  return ParseTypeAndCount(kGpusForms, "--gpus", raw, rest, /*allow_type_only=*/false);
}

std::string FormatGres(const GpuRequest& request) {
  std::string out = "gpu";
  if (!request.type.empty()) {
    out += ':';
    out += request.type;
  }
  out += ':';
  out += std::to_string(request.count);
  return out;
}

}  // namespace fairway::api

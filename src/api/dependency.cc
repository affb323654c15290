#include "api/dependency.h"

#include <array>
#include <optional>
#include <string>

#include "api/internal/parse_util.h"

namespace fairway::api {
namespace {

using internal::Quote;

constexpr std::string_view kAcceptedForms =
    "accepted forms: type:ref[:ref...] with type after, afterany, afterok, afternotok or "
    "aftercorr; after:ref+minutes; singleton; bare ref[:ref...] (= afterany); items joined by "
    "',' (all) or '?' (any); a ref is a job id (123), an array task (123_4) or a Job name "
    "(prep-data)";

Status DepError(std::string_view text, std::string_view what) {
  return InvalidArgumentError("invalid dependency " + Quote(text) + ": " + std::string(what) +
                              " (" + std::string(kAcceptedForms) + ")");
}

struct TypeName {
  std::string_view name;
  DependencyType type;
};
constexpr std::array<TypeName, 6> kTypes = {{
    {"after", DependencyType::kAfter},
    {"afterany", DependencyType::kAfterAny},
    {"afterok", DependencyType::kAfterOk},
    {"afternotok", DependencyType::kAfterNotOk},
    {"aftercorr", DependencyType::kAfterCorr},
    {"singleton", DependencyType::kSingleton},
}};

std::optional<DependencyType> LookupType(std::string_view name) {
  for (const TypeName& t : kTypes) {
    if (internal::EqualsIgnoreCase(name, t.name)) {
      return t.type;
    }
  }
  return std::nullopt;
}

bool IsAlnumLower(char c) { return internal::IsDigit(c) || internal::IsLowerAlpha(c); }

// Kubernetes DNS-1123 subdomain: dot-separated labels of [a-z0-9-], each starting and ending
// with an alphanumeric, at most 63 characters per label and 253 in all.
bool IsDns1123Subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) {
    return false;
  }
  size_t label_start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      std::string_view label = name.substr(label_start, i - label_start);
      if (label.empty() || label.size() > 63 || !IsAlnumLower(label.front()) ||
          !IsAlnumLower(label.back())) {
        return false;
      }
      label_start = i + 1;
      continue;
    }
    if (!IsAlnumLower(name[i]) && name[i] != '-') {
      return false;
    }
  }
  return true;
}

// A job id: digits, > 0, fits in 64 bits. Returns the canonical decimal form.
StatusOr<std::string> ParseJobId(std::string_view raw, std::string_view digits) {
  std::optional<uint64_t> id = internal::ParseDigits(digits);
  if (!id) {
    return DepError(raw, "job id " + Quote(digits) + " is too large");
  }
  if (*id == 0) {
    return DepError(raw, "job id 0 is not a valid job");
  }
  return std::to_string(*id);
}

StatusOr<DependencyTarget> ParseTarget(std::string_view raw, DependencyType type,
                                       std::string_view text) {
  DependencyTarget target;
  std::string_view ref = text;
  if (size_t plus = text.find('+'); plus != std::string_view::npos) {
    if (type != DependencyType::kAfter) {
      return DepError(raw, "'+minutes' in " + Quote(text) + " is only allowed with after");
    }
    ref = text.substr(0, plus);
    std::string_view delay = text.substr(plus + 1);
    if (!internal::AllDigits(delay)) {
      return DepError(
          raw, "delay " + Quote(delay) + " in " + Quote(text) + " is not a number of minutes");
    }
    std::optional<uint64_t> minutes = internal::ParseDigits(delay);
    if (!minutes || *minutes > UINT32_MAX) {
      return DepError(raw, "delay " + std::string(delay) + " minutes is too large");
    }
    target.delay_minutes = static_cast<uint32_t>(*minutes);
  }
  if (ref.empty()) {
    return DepError(raw, "missing job reference in " + Quote(text));
  }
  if (internal::AllDigits(ref)) {
    StatusOr<std::string> id = ParseJobId(raw, ref);
    if (!id.ok()) {
      return id.status();
    }
    target.ref = std::move(id).value();
    target.kind = DependencyTarget::Kind::kJobId;
    return target;
  }
  if (size_t us = ref.find('_'); us != std::string_view::npos) {
    std::string_view job = ref.substr(0, us);
    std::string_view index = ref.substr(us + 1);
    if (!internal::AllDigits(job) || !internal::AllDigits(index)) {
      return DepError(raw, "array task " + Quote(ref) + " must be <jobid>_<index>, both numbers");
    }
    StatusOr<std::string> id = ParseJobId(raw, job);
    if (!id.ok()) {
      return id.status();
    }
    std::optional<uint64_t> i = internal::ParseDigits(index);
    if (!i || *i > UINT32_MAX) {
      return DepError(raw, "array index " + Quote(index) + " is too large");
    }
    target.ref = *id + "_" + std::to_string(*i);
    target.kind = DependencyTarget::Kind::kArrayTask;
    return target;
  }
  if (!IsDns1123Subdomain(ref)) {
    return DepError(raw, Quote(ref) +
                             " is not a job id, an array task (<jobid>_<index>) or a Job name "
                             "(lowercase DNS-1123: a-z, 0-9, '-', '.', at most 253 characters)");
  }
  target.ref = std::string(ref);
  target.kind = DependencyTarget::Kind::kJobName;
  return target;
}

// "123" or "123_4": a bare ref list (implied afterany) may start with one.
bool LooksLikeNumericRef(std::string_view head) {
  size_t plus = head.find('+');
  std::string_view ref = head.substr(0, plus);
  size_t us = ref.find('_');
  if (us == std::string_view::npos) {
    return internal::AllDigits(ref);
  }
  return internal::AllDigits(ref.substr(0, us));
}

StatusOr<DependencyItem> ParseItem(std::string_view raw, std::string_view item) {
  size_t colon = item.find(':');
  std::string_view head = item.substr(0, colon);
  DependencyItem out;
  std::string_view refs;
  if (std::optional<DependencyType> type = LookupType(head)) {
    out.type = *type;
    if (*type == DependencyType::kSingleton) {
      if (colon != std::string_view::npos) {
        return DepError(raw, "singleton takes no job references");
      }
      return out;
    }
    if (colon == std::string_view::npos) {
      return DepError(raw, std::string(DependencyTypeName(*type)) +
                               " needs at least one job reference (" +
                               std::string(DependencyTypeName(*type)) + ":ref[:ref...])");
    }
    refs = item.substr(colon + 1);
  } else if (LooksLikeNumericRef(head)) {
    out.type = DependencyType::kAfterAny;
    refs = item;
  } else if (internal::EqualsIgnoreCase(head, "afterburstbuffer")) {
    return DepError(raw, "afterburstbuffer is not supported by Fairway (no burst buffers)");
  } else {
    return DepError(raw, "unknown dependency type " + Quote(head) +
                             " (a bare reference without a type must be a job id)");
  }
  while (true) {
    size_t next = refs.find(':');
    std::string_view ref = refs.substr(0, next);
    if (ref.empty()) {
      return DepError(raw, "empty job reference in " + Quote(item));
    }
    StatusOr<DependencyTarget> target = ParseTarget(raw, out.type, ref);
    if (!target.ok()) {
      return target.status();
    }
    out.targets.push_back(std::move(target).value());
    if (next == std::string_view::npos) {
      break;
    }
    refs.remove_prefix(next + 1);
  }
  return out;
}

}  // namespace

std::string_view DependencyTypeName(DependencyType type) {
  for (const TypeName& t : kTypes) {
    if (t.type == type) {
      return t.name;
    }
  }
  return "unknown";
}

StatusOr<DependencySpec> ParseDependency(std::string_view raw) {
  std::string_view text = internal::TrimSpace(raw);
  if (text.empty()) {
    return DepError(raw, "empty");
  }
  bool has_all = text.find(',') != std::string_view::npos;
  bool has_any = text.find('?') != std::string_view::npos;
  if (has_all && has_any) {
    return DepError(raw, "cannot mix ',' (all must hold) and '?' (any may hold)");
  }
  DependencySpec spec;
  spec.combine = has_any ? DependencySpec::kAny : DependencySpec::kAll;
  const char sep = has_any ? '?' : ',';
  std::string_view rest = text;
  while (true) {
    size_t next = rest.find(sep);
    std::string_view item = rest.substr(0, next);
    if (item.empty()) {
      return DepError(raw, std::string("empty item (leading, trailing or doubled '") + sep + "')");
    }
    StatusOr<DependencyItem> parsed = ParseItem(raw, item);
    if (!parsed.ok()) {
      return parsed.status();
    }
    spec.items.push_back(std::move(parsed).value());
    if (next == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(next + 1);
  }
  return spec;
}

std::string FormatDependency(const DependencySpec& spec) {
  std::string out;
  const char sep = spec.combine == DependencySpec::kAny ? '?' : ',';
  for (const DependencyItem& item : spec.items) {
    if (!out.empty()) {
      out += sep;
    }
    out += DependencyTypeName(item.type);
    for (const DependencyTarget& t : item.targets) {
      out += ':';
      out += t.ref;
      if (item.type == DependencyType::kAfter && t.delay_minutes > 0) {
        out += '+';
        out += std::to_string(t.delay_minutes);
      }
    }
  }
  return out;
}

}  // namespace fairway::api

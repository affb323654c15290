// Status and StatusOr: the project's error values (STYLE.md §4).
//
// A Status is a code from abseil's canonical set, a message, and an optional field path that
// names the part of the input that was wrong (for example "spec.timeLimit"). Functions that can
// fail return Status or StatusOr<T>; nothing in the project throws across a module boundary.
//
// Retry guidance carried by the codes:
//   kUnavailable         retry the same call with backoff
//   kAborted             re-read and redo the read-modify-write
//   kFailedPrecondition  do not retry until the state changes
//
// Thread-safety: value types; distinct instances may be used from different threads.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fairway {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "INVALID_ARGUMENT", "NOT_FOUND", ... as abseil spells them.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string field = {});

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Path of the offending input field, empty when the error is not about one field.
  const std::string& field() const { return field_; }

  // Returns a copy whose message is "context: message" (context added by an outer layer).
  Status WithContext(std::string_view context) const;
  // Returns a copy with the field path set, or prefixed ("spec" + "timeLimit" = "spec.timeLimit").
  Status WithFieldPrefix(std::string_view prefix) const;

  // "INVALID_ARGUMENT: spec.timeLimit: bad value" or "OK".
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ && a.field_ == b.field_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(std::string message, std::string field = {});
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status FailedPreconditionError(std::string message);
Status AbortedError(std::string message);
Status OutOfRangeError(std::string message);
Status UnavailableError(std::string message);
Status InternalError(std::string message);
Status UnimplementedError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status DeadlineExceededError(std::string message);
Status DataLossError(std::string message);

// Holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // REQUIRES: !status.ok(). An OK status without a value is a bug and becomes kInternal.
  StatusOr(Status status) : data_(std::move(status)) {  // NOLINT(runtime/explicit)
    if (std::get<Status>(data_).ok()) {
      data_ = Status(StatusCode::kInternal, "StatusOr constructed from OK status without value");
    }
  }
  StatusOr(const T& value) : data_(value) {}        // NOLINT(runtime/explicit)
  StatusOr(T&& value) : data_(std::move(value)) {}  // NOLINT(runtime/explicit)

  bool ok() const { return std::holds_alternative<T>(data_); }
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

  // REQUIRES: ok().
  const T& value() const& { return std::get<T>(data_); }
  T& value() & { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  T value_or(T fallback) const { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<Status, T> data_;
};

}  // namespace fairway

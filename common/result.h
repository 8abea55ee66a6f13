// Errors as values: Error carries a code, a message and the chain of what was being done;
// Result<T> is either a T or an Error. Expected failures travel as Results across modules.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace atelier {

enum class ErrorCode {
  kInvalidArgument,     // the caller's input is wrong (bad YAML, bad flag, bad name)
  kNotFound,            // the thing named does not exist
  kAlreadyExists,       // creating something that is already there, with other content
  kFailedPrecondition,  // the system is not in a state that allows this (domain not running)
  kUnavailable,         // an outside service did not answer (libvirtd, sshd, the agent)
  kTimeout,             // a deadline passed
  kPermissionDenied,    // a role or file permission said no
  kIo,                  // a local file or process failed
  kInternal,            // a bug: an invariant did not hold
};

std::string_view to_string(ErrorCode code);

// An error with its context chain. The message is the innermost cause; context() wraps it with
// what the caller was doing, so to_string() reads outermost first:
//   create network "lan" for candidate "c03" <- libvirt: bridge name in use
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // What callers were doing, outermost first.
  const std::vector<std::string>& contexts() const { return contexts_; }

  // Returns this error wrapped with what was being done when it happened.
  Error context(std::string what) && {
    contexts_.insert(contexts_.begin(), std::move(what));
    return std::move(*this);
  }
  Error context(std::string what) const& {
    Error copy = *this;
    return std::move(copy).context(std::move(what));
  }

  std::string to_string() const {
    std::string out;
    for (const auto& c : contexts_) {
      out += c;
      out += " <- ";
    }
    out += message_;
    return out;
  }

 private:
  ErrorCode code_;
  std::string message_;
  std::vector<std::string> contexts_;
};

// Either a value or an Error. Construct from either; test with ok() or operator bool.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(state_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    assert(!ok());
    return *error_;
  }
  Error&& error() && {
    assert(!ok());
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status ok_status() {
  return Status();
}

}  // namespace atelier

// Propagates an error from an expression returning Result<...>, adding nothing.
#define ATELIER_RETURN_IF_ERROR(expr)            \
  do {                                           \
    auto atelier_status_ = (expr);               \
    if (!atelier_status_.ok()) {                 \
      return std::move(atelier_status_).error(); \
    }                                            \
  } while (false)

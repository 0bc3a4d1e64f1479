// SPDX-License-Identifier: MIT
// mnemo::Error, Result<T> and Status: how every layer of the server reports an expected
// failure. pqpool's errors become these once, in memory/ (memory/pool_errors.hpp); a tool
// result (mcp::ToolErrorResult) and a JSON-RPC error (mcp::RpcErrorFor) are made from them in
// one place each (mcp/error_reply.hpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mnemo {

/// What went wrong, coarse enough to switch on (and to pick a reply by).
enum class ErrorCode {
    kInvalidArgument,  ///< Bad input; the message says what is wrong and what is allowed.
    kNotFound,         ///< The named context, version, token or session does not exist.
    kProjectMissing,   ///< The named project does not exist (for this owner).
    kNoProject,        ///< No project was named and none could be found for the call.
    kRefused,          ///< Not allowed: permission, scope or policy (e.g. a path outside root).
    kUnavailable,      ///< The database is unreachable, the connection was lost or closed.
    kPoolTimeout,      ///< No connection in time; the message starts "Connection pool timeout:".
    kOverloaded,       ///< Too many callers already wait for a connection; refused at once.
    kSql,              ///< PostgreSQL rejected a statement; sqlstate() says why.
    kCancelled,        ///< Stopped by its caller (a reader went away, a write failed).
    kInternal,         ///< Anything else: a bug or an unexpected state.
};

/// A stable lower-case name, e.g. "pool_timeout", for logs and tests.
[[nodiscard]] std::string_view ToString(ErrorCode code) noexcept;

/// An error value: a code, a message for people and, for kSql and some connection errors,
/// PostgreSQL's five-character SQLSTATE.
///
/// Thread safety: a value type; distinct objects may be used concurrently.
class Error {
public:
    Error(ErrorCode code, std::string message, std::string sqlstate = {})
        : code_(code), message_(std::move(message)), sqlstate_(std::move(sqlstate)) {}

    [[nodiscard]] ErrorCode code() const noexcept { return code_; }
    [[nodiscard]] const std::string& message() const noexcept { return message_; }
    /// Empty unless PostgreSQL reported one.
    [[nodiscard]] const std::string& sqlstate() const noexcept { return sqlstate_; }

private:
    ErrorCode code_;
    std::string message_;
    std::string sqlstate_;
};

/// Aborts with a message: for broken invariants (bugs), never for expected failures.
[[noreturn]] void Panic(const char* what, const char* file, int line) noexcept;

#define MNEMO_CHECK(cond)                                       \
    do {                                                        \
        if (!(cond)) ::mnemo::Panic(#cond, __FILE__, __LINE__); \
    } while (false)

/// A value or an Error, after std::expected (absent from libstdc++ 12 in C++20 mode); the same
/// members as pqpool::Result. Accessing the wrong alternative is a bug and aborts.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    [[nodiscard]] T& value() & {
        MNEMO_CHECK(ok());
        return std::get<0>(v_);
    }
    [[nodiscard]] const T& value() const& {
        MNEMO_CHECK(ok());
        return std::get<0>(v_);
    }
    [[nodiscard]] T&& value() && {
        MNEMO_CHECK(ok());
        return std::get<0>(std::move(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }

    [[nodiscard]] const Error& error() const& {
        MNEMO_CHECK(!ok());
        return std::get<1>(v_);
    }
    [[nodiscard]] Error&& error() && {
        MNEMO_CHECK(!ok());
        return std::get<1>(std::move(v_));
    }

private:
    std::variant<T, Error> v_;
};

/// Result of an operation that yields nothing but may fail; `Status()` is success.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), has_error_(true) {}  // NOLINT

    [[nodiscard]] bool ok() const noexcept { return !has_error_; }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] const Error& error() const& {
        MNEMO_CHECK(has_error_);
        return error_;
    }

private:
    Error error_{ErrorCode::kInternal, {}};
    bool has_error_ = false;
};

using Status = Result<void>;

}  // namespace mnemo

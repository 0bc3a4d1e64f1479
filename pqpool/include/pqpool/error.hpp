// SPDX-License-Identifier: MIT
// Typed errors and Result<T>: how pqpool reports every expected failure.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace pqpool {

/// What went wrong, coarse enough to switch on.
enum class ErrorCode {
    kTimeout,              ///< Acquire deadline passed while the pool was busy ("pool exhausted").
    kPoolOverloaded,       ///< `max_waiting` callers already queue; failed without waiting.
    kPoolExhausted,        ///< TryAcquire found nothing free; never waits.
    kDatabaseUnavailable,  ///< No connection could be opened; carries the last libpq error.
    kConnectionLost,       ///< The connection broke during a call (network, server restart).
    kSql,                  ///< The server rejected a statement; `sqlstate()` says why.
    kCancelled,            ///< An async acquire was cancelled by its caller.
    kClosed,               ///< The pool is closed (or closing).
    kInvalidArgument,      ///< Bad options or arguments; the message names the field.
};

/// Returns a stable lower-case name, e.g. "timeout", for logs and metrics.
[[nodiscard]] std::string_view ToString(ErrorCode code) noexcept;

/// An error value: a code, a human-readable message and, for kSql and some connection errors,
/// the five-character SQLSTATE.
///
/// Thread safety: a value type; distinct objects may be used concurrently.
class Error {
public:
    Error(ErrorCode code, std::string message, std::string sqlstate = {})
        : code_(code), message_(std::move(message)), sqlstate_(std::move(sqlstate)) {}

    [[nodiscard]] ErrorCode code() const noexcept { return code_; }
    [[nodiscard]] const std::string& message() const noexcept { return message_; }
    /// Empty unless the server reported one.
    [[nodiscard]] const std::string& sqlstate() const noexcept { return sqlstate_; }

    /// For kSql: the 1-based character position in the statement the server's error points
    /// at (PG_DIAG_STATEMENT_POSITION); 0 when it named none.
    [[nodiscard]] int statement_position() const noexcept { return statement_position_; }
    Error& WithStatementPosition(int position) noexcept {
        statement_position_ = position;
        return *this;
    }

    /// For an error from Connection::ExecuteBatch: the 0-based index of the statement that
    /// failed; kNoStatement when no statement did (the connection failed) or it is unknown.
    [[nodiscard]] std::size_t failed_statement() const noexcept { return failed_statement_; }
    Error& WithFailedStatement(std::size_t index) noexcept {
        failed_statement_ = index;
        return *this;
    }
    static constexpr std::size_t kNoStatement = static_cast<std::size_t>(-1);

    [[nodiscard]] bool IsTimeout() const noexcept { return code_ == ErrorCode::kTimeout; }
    [[nodiscard]] bool IsUniqueViolation() const noexcept { return sqlstate_ == "23505"; }
    [[nodiscard]] bool IsSerializationFailure() const noexcept { return sqlstate_ == "40001"; }
    /// A connect that retrying as it is can never make succeed: the server refused the
    /// credentials, the role or the database (SQLSTATE class 28, 3D000), or the connection
    /// parameters are invalid (kInvalidArgument).
    [[nodiscard]] bool IsRejectedConnect() const noexcept {
        return code_ == ErrorCode::kInvalidArgument || sqlstate_.starts_with("28") ||
               sqlstate_ == "3D000";
    }

private:
    ErrorCode code_;
    std::string message_;
    std::string sqlstate_;
    int statement_position_ = 0;
    std::size_t failed_statement_ = kNoStatement;
};

/// Aborts with a message: for broken invariants (bugs), never for expected failures.
[[noreturn]] void Panic(const char* what, const char* file, int line) noexcept;

#define PQPOOL_CHECK(cond)                                       \
    do {                                                         \
        if (!(cond)) ::pqpool::Panic(#cond, __FILE__, __LINE__); \
    } while (false)

#ifdef NDEBUG
#define PQPOOL_DCHECK(cond) \
    do {                    \
    } while (false)
#else
#define PQPOOL_DCHECK(cond) PQPOOL_CHECK(cond)
#endif

/// A value or an Error, after std::expected (absent from libstdc++ 12 in C++20 mode).
/// Accessing the wrong alternative is a bug and aborts.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    [[nodiscard]] T& value() & {
        PQPOOL_CHECK(ok());
        return std::get<0>(v_);
    }
    [[nodiscard]] const T& value() const& {
        PQPOOL_CHECK(ok());
        return std::get<0>(v_);
    }
    [[nodiscard]] T&& value() && {
        PQPOOL_CHECK(ok());
        return std::get<0>(std::move(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }

    [[nodiscard]] const Error& error() const& {
        PQPOOL_CHECK(!ok());
        return std::get<1>(v_);
    }
    [[nodiscard]] Error&& error() && {
        PQPOOL_CHECK(!ok());
        return std::get<1>(std::move(v_));
    }

private:
    std::variant<T, Error> v_;
};

/// Result of an operation that yields nothing but may fail.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), has_error_(true) {}  // NOLINT

    [[nodiscard]] bool ok() const noexcept { return !has_error_; }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] const Error& error() const& {
        PQPOOL_CHECK(has_error_);
        return error_;
    }

private:
    Error error_{ErrorCode::kInvalidArgument, {}};
    bool has_error_ = false;
};

using Status = Result<void>;

}  // namespace pqpool

// SPDX-License-Identifier: MIT
// Connection: one database session as the pool manages it; PgConnection is the libpq one.
#pragma once

#include <atomic>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "pqpool/error.hpp"
#include "pqpool/options.hpp"
#include "pqpool/query_result.hpp"

struct pg_conn;  // libpq's PGconn

namespace pqpool {

/// A text parameter; std::nullopt is SQL NULL.
using Param = std::optional<std::string_view>;

/// One statement with its parameters ($1, $2, … in `sql`).
struct Statement {
    std::string_view sql;
    std::span<const Param> params;
};

/// Cancels, from any thread, whatever statement its connection is running (libpq's PQcancel:
/// a separate connection to the server that asks it to stop). The statement then fails with
/// SQLSTATE 57014 and the session stays usable.
///
/// Thread safety: Cancel may be called from any thread, concurrently with the connection's
/// use. Must not outlive the connection it was made from.
class Canceller {
public:
    virtual ~Canceller() = default;
    /// True when the request was delivered (the statement may have finished already).
    virtual bool Cancel() noexcept = 0;
};

/// Transaction status as libpq reports it.
enum class TxState { kIdle, kActive, kInTransaction, kInError, kUnknown };

/// One database session. The pool owns it; callers reach it only through a Lease.
/// Subclasses implement the transport (libpq, or a fake in tests); the base classifies errors:
/// a lost connection or an evicting SQLSTATE (08xxx, 57P01–57P03, 25006, 0A000) marks it
/// broken, so the pool discards it on return instead of handing it out again.
///
/// Thread safety: one thread at a time (the lease holder). Not copyable.
class Connection {
public:
    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    virtual ~Connection() = default;

    /// Runs one statement. Waits for the result until `deadline`; past it the statement is
    /// cancelled, the connection marked broken and kTimeout returned. Errors: kSql (with
    /// SQLSTATE), kConnectionLost, kTimeout.
    Result<QueryResult> Execute(std::string_view sql, std::span<const Param> params = {},
                                Deadline deadline = Deadline::max());
    Result<QueryResult> Execute(std::string_view sql, std::initializer_list<Param> params,
                                Deadline deadline = Deadline::max()) {
        return Execute(sql, std::span<const Param>(params.begin(), params.size()), deadline);
    }

    /// Runs statements in one round trip (pipeline mode), in one implicit transaction unless
    /// they manage their own. Returns the result of statement `result_index` (default: the
    /// last), or the first error. REQUIRES: !statements.empty().
    Result<QueryResult> ExecuteBatch(std::span<const Statement> statements,
                                     Deadline deadline = Deadline::max(),
                                     std::size_t result_index = kLastResult);
    static constexpr std::size_t kLastResult = static_cast<std::size_t>(-1);

    /// Runs `sql`, which may hold several statements separated by semicolons and no
    /// parameters (the simple query protocol: a migration, a schema script), bounded by
    /// `deadline` as Execute is. Without BEGIN/COMMIT of its own the script is one implicit
    /// transaction: an error undoes all of it; one that opened a transaction and failed leaves
    /// it aborted (TxState::kInError) for the caller to roll back. Errors: kSql (the first failing
    /// statement's, with SQLSTATE), kConnectionLost, kTimeout; kInvalidArgument on connections that
    /// cannot run scripts (test fakes).
    Status ExecuteScript(std::string_view sql, Deadline deadline = Deadline::max());

    /// A Canceller for this session's statements; null where the session cannot be cancelled
    /// (test fakes).
    [[nodiscard]] virtual std::unique_ptr<Canceller> MakeCanceller() { return nullptr; }

    /// True once an error showed the session cannot be reused.
    [[nodiscard]] bool broken() const noexcept { return broken_; }
    /// Marks the session for discarding on return (e.g. after a protocol-level surprise).
    void MarkBroken() noexcept { broken_ = true; }

    /// Current transaction status; kIdle means safe to hand out.
    [[nodiscard]] virtual TxState transaction_state() const noexcept = 0;

    /// Zero-round-trip liveness: reads whatever the server sent while idle (e.g. a FATAL
    /// 57P01 before it closed the socket). Returns false if the session is dead.
    [[nodiscard]] virtual bool CheckSocket() noexcept = 0;

    /// One empty-query round trip, bounded by `deadline`. Errors: kConnectionLost, kTimeout.
    virtual Status Ping(Deadline deadline) = 0;

    /// The libpq handle for callers that need more (COPY, LISTEN); null for fakes.
    /// The pool still owns it.
    [[nodiscard]] virtual pg_conn* native() noexcept { return nullptr; }

    /// True when a statement error with this SQLSTATE means the session must not be reused.
    [[nodiscard]] static bool IsEvictingSqlState(std::string_view sqlstate) noexcept;

protected:
    /// Runs `statements` (one round trip) and returns statement `result_index`'s result.
    /// REQUIRES: result_index < statements.size().
    virtual Result<QueryResult> DoExecuteBatch(std::span<const Statement> statements,
                                               std::size_t result_index, Deadline deadline) = 0;
    /// Runs a parameterless multi-statement script; the default refuses (kInvalidArgument).
    virtual Status DoExecuteScript(std::string_view sql, Deadline deadline);

private:
    friend class Pool;
    /// Marks the session broken when `error` shows it cannot be reused.
    void NoteError(const Error& error) noexcept;

    bool broken_ = false;
    bool leased_ = false;  // Debug check against use after the lease ended; set by Pool.
};

/// Opens connections for a pool. The pool calls it only from its own connector threads.
///
/// Thread safety: Connect may run on up to `max_connecting` threads at once.
class Connector {
public:
    virtual ~Connector() = default;

    /// Opens one session by `deadline`; gives up soon after `cancel` becomes true.
    /// Errors: kDatabaseUnavailable with the server's message; SQLSTATE 53300 when the server
    /// has no free connection slots (the pool treats that as backpressure).
    virtual Result<std::unique_ptr<Connection>> Connect(Deadline deadline,
                                                        const std::atomic<bool>& cancel) = 0;
};

/// The libpq connector: non-blocking PQconnectStartParams/PQconnectPoll driven by poll(2)
/// under the pool's own deadline. Adds keepalive and application_name defaults (see
/// PoolOptions::conninfo). Errors: kInvalidArgument when the connection string does not parse.
[[nodiscard]] Result<std::unique_ptr<Connector>> MakePgConnector(const PoolOptions& options);

}  // namespace pqpool

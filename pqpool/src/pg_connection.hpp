// SPDX-License-Identifier: MIT
// PgConnection: the libpq implementation of Connection (private to pqpool).
#pragma once

#include <memory>
#include <string>

#include <libpq-fe.h>

#include "pqpool/connection.hpp"

namespace pqpool::detail {

using PgConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

/// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or `deadline` passes.
/// Returns 1 when ready (or hung up / in error: the next libpq call tells), 0 on timeout,
/// -1 when poll(2) fails.
int WaitSocket(int fd, short events, Deadline deadline) noexcept;

/// libpq's message with trailing newlines removed.
std::string TrimMessage(const char* message);

/// A libpq session. Blocking-mode PGconn; every wait for the server is a poll(2) bounded by a
/// deadline, so a blackholed server costs a deadline, never a hang.
///
/// Thread safety: as Connection (one thread at a time).
class PgConnection final : public Connection {
public:
    explicit PgConnection(PgConnPtr conn);

    [[nodiscard]] TxState transaction_state() const noexcept override;
    [[nodiscard]] bool CheckSocket() noexcept override;
    Status Ping(Deadline deadline) override;
    [[nodiscard]] pg_conn* native() noexcept override { return conn_.get(); }
    [[nodiscard]] std::unique_ptr<Canceller> MakeCanceller() override;

protected:
    Result<QueryResult> DoExecuteBatch(std::span<const Statement> statements,
                                       std::size_t result_index, Deadline deadline) override;
    Status DoExecuteScript(std::string_view sql, Deadline deadline) override;

private:
    static void OnNotice(void* self, const PGresult* result);
    /// Waits for and returns the next result (null at the end of a statement's results).
    Result<PGresult*> NextResult(Deadline deadline);
    Status Send(const Statement& statement);
    [[nodiscard]] Error LostError(std::string_view doing) const;
    [[nodiscard]] Error ResultError(const PGresult* result) const;

    PgConnPtr conn_;
    bool fatal_notice_ = false;  // The server said FATAL while we were idle (e.g. 57P01).
};

}  // namespace pqpool::detail

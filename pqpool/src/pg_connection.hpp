// SPDX-License-Identifier: MIT
// PgConnection: the libpq implementation of Connection (private to pqpool).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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
/// deadline, so a blackholed server costs a deadline, never a hang. Keeps up to
/// `prepared_limit` statements prepared by SQL text (PoolOptions::prepared_statements).
///
/// Thread safety: as Connection (one thread at a time).
class PgConnection final : public Connection {
public:
    explicit PgConnection(PgConnPtr conn, std::size_t prepared_limit = 0);

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
    /// A statement prepared on this session. Unconfirmed while the batch that parses it runs;
    /// forgotten at the batch's end unless the server accepted the Parse.
    struct Named {
        std::string name;
        bool confirmed = false;
    };
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept {
            return std::hash<std::string_view>{}(sql);
        }
    };
    using NamedStatements = std::unordered_map<std::string, Named, SqlHash, std::equal_to<>>;
    /// How a batch sends one statement: unnamed (null), by name, or parsed under it first.
    struct Use {
        Named* named = nullptr;
        bool parse = false;
    };

    static void OnNotice(void* self, const PGresult* result);
    /// Decides each statement's Use; true when any is parsed in this batch.
    bool PlanUses(std::span<const Statement> statements, std::vector<Use>& uses);
    /// Waits for and returns the next result (null at the end of a statement's results).
    Result<PGresult*> NextResult(Deadline deadline);
    Status Send(const Statement& statement, const Use& use);
    [[nodiscard]] Error LostError(std::string_view doing) const;
    [[nodiscard]] Error ResultError(const PGresult* result) const;

    PgConnPtr conn_;
    bool fatal_notice_ = false;  // The server said FATAL while we were idle (e.g. 57P01).
    const std::size_t prepared_limit_;
    const std::string name_prefix_;  // of this session's statement names
    NamedStatements named_;          // by SQL text
    std::uint64_t last_name_ = 0;
};

}  // namespace pqpool::detail

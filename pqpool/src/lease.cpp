// SPDX-License-Identifier: MIT
// Lease: returning the connection and applying the tenant context.
#include "pqpool/lease.hpp"

#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "pool_internal.hpp"
#include "pqpool/pool.hpp"

namespace pqpool {
namespace {

// True for BEGIN / START TRANSACTION, which must run before the context so that the context
// lands inside the transaction they open.
bool OpensTransaction(std::string_view sql) {
    while (!sql.empty() && std::isspace(static_cast<unsigned char>(sql.front())) != 0) {
        sql.remove_prefix(1);
    }
    auto starts_with = [sql](std::string_view word) {
        if (sql.size() < word.size()) return false;
        for (std::size_t i = 0; i < word.size(); ++i) {
            if (std::toupper(static_cast<unsigned char>(sql[i])) != word[i]) return false;
        }
        return sql.size() == word.size() ||
               std::isalnum(static_cast<unsigned char>(sql[word.size()])) == 0;
    };
    return starts_with("BEGIN") || starts_with("START");
}

/// `deadline`, or now + `bound` when no deadline was given and the pool sets a bound.
Deadline BoundedBy(Deadline deadline, Millis bound) {
    return deadline == Deadline::max() && bound.count() > 0 ? Clock::now() + bound : deadline;
}

}  // namespace

struct Lease::Guard {
    std::string sql;
    std::vector<std::string> params;
    GuardDecided decided;
    bool pending = false;
    std::optional<Error> failed;  // sticky: the lease is refused from then on

    /// The parameters as the statement binds them (views into `params`).
    [[nodiscard]] std::vector<Param> Bound() const { return {params.begin(), params.end()}; }

    /// Records the outcome of the round trip that carried the guard.
    void Decide(std::optional<Error> error) {
        pending = false;
        failed = std::move(error);
        if (decided) std::exchange(decided, {})(failed ? Status(*failed) : Status());
    }
};

void Lease::GuardDeleter::operator()(Guard* guard) const noexcept { delete guard; }

Lease::Lease(Lease&& other) noexcept
    : pool_(std::move(other.pool_)),
      slot_(std::exchange(other.slot_, nullptr)),
      context_applied_(other.context_applied_),
      guard_(std::move(other.guard_)) {}

Lease::Lease(std::shared_ptr<Pool> pool, detail::Slot* slot) noexcept
    : pool_(std::move(pool)), slot_(slot) {}

Lease::~Lease() { Release(); }

Lease& Lease::operator=(Lease&& other) noexcept {
    if (this != &other) {
        Release();
        pool_ = std::move(other.pool_);
        slot_ = std::exchange(other.slot_, nullptr);
        context_applied_ = other.context_applied_;
        guard_ = std::move(other.guard_);
    }
    return *this;
}

void Lease::Release() noexcept {
    if (slot_ == nullptr) return;
    if (guard_pending()) (void)RunGuard();
    pool_->Return(std::exchange(slot_, nullptr));
    pool_.reset();
}

Connection& Lease::connection() const {
    PQPOOL_CHECK(slot_ != nullptr);  // Empty, moved-from or released lease.
    return *slot_->conn;
}

const std::string& Lease::tenant() const {
    PQPOOL_CHECK(slot_ != nullptr);
    return slot_->tenant;
}

void Lease::SetGuard(std::string sql, std::vector<std::string> params, GuardDecided decided) {
    if (guard_ == nullptr) guard_.reset(new Guard());
    if (guard_->failed) {  // refused already: nothing may run any more
        if (decided) decided(*guard_->failed);
        return;
    }
    guard_->sql = std::move(sql);
    guard_->params = std::move(params);
    guard_->decided = std::move(decided);
    guard_->pending = true;
}

bool Lease::guard_pending() const noexcept { return guard_ != nullptr && guard_->pending; }

Status Lease::RunGuard(Deadline deadline) {
    PQPOOL_CHECK(slot_ != nullptr);  // Empty, moved-from or released lease.
    if (guard_ == nullptr) return {};
    if (guard_->failed) return *guard_->failed;
    if (!guard_->pending) return {};
    const std::vector<Param> params = guard_->Bound();
    auto result = connection().Execute(guard_->sql, params,
                                       BoundedBy(deadline, pool_->options().statement_timeout));
    guard_->Decide(result.ok() ? std::nullopt : std::optional<Error>(std::move(result).error()));
    if (guard_->failed) return *guard_->failed;
    return {};
}

Result<QueryResult> Lease::Execute(std::string_view sql, std::span<const Param> params,
                                   Deadline deadline) {
    PQPOOL_CHECK(slot_ != nullptr);  // Empty, moved-from or released lease.
    if (guard_ != nullptr && guard_->failed) return *guard_->failed;
    return ExecuteGuarded(Statement{sql, params},
                          BoundedBy(deadline, pool_->options().statement_timeout));
}

Result<QueryResult> Lease::ExecuteGuarded(const Statement& statement, Deadline deadline) {
    Connection& conn = connection();
    const std::string& context_sql = pool_->options().tenant_context_sql;
    const TxState state = conn.transaction_state();
    if (state == TxState::kIdle) context_applied_ = false;  // Each transaction needs it anew.
    const bool needs_context = !context_sql.empty() && !slot_->tenant.empty() && !context_applied_;
    const bool guarded = guard_pending();
    if (!needs_context && !guarded) return conn.Execute(statement.sql, statement.params, deadline);

    const auto& map_value = pool_->options().tenant_context_value;
    const std::string mapped =
        needs_context && map_value ? map_value(slot_->tenant) : std::string();
    const std::array<Param, 1> tenant{Param(map_value ? mapped : slot_->tenant)};
    const std::vector<Param> guard_params = guarded ? guard_->Bound() : std::vector<Param>();

    // Order: BEGIN first when the statement opens a transaction (so the rest lands inside
    // it), then the guard, then the context; the statement's result is the one returned.
    std::array<Statement, 3> batch;
    std::size_t size = 0;
    std::size_t result_index = 0;
    std::size_t guard_index = Error::kNoStatement;
    const bool begins = state == TxState::kIdle && OpensTransaction(statement.sql);
    if (begins) batch[size++] = statement;
    if (guarded) {
        guard_index = size;
        batch[size++] = Statement{guard_->sql, guard_params};
    }
    if (needs_context) batch[size++] = Statement{context_sql, tenant};
    if (!begins) {
        result_index = size;
        batch[size++] = statement;
    }
    auto result =
        conn.ExecuteBatch(std::span<const Statement>(batch.data(), size), deadline, result_index);
    if (guarded) {
        // The statement's own error means the guard, which ran before it, passed.
        const bool guard_failed =
            !result.ok() && (result.error().failed_statement() == guard_index ||
                             result.error().failed_statement() == Error::kNoStatement);
        guard_->Decide(guard_failed ? std::optional<Error>(result.error()) : std::nullopt);
    }
    if (result.ok() && needs_context && conn.transaction_state() != TxState::kIdle) {
        context_applied_ = true;
    }
    return result;
}

}  // namespace pqpool

// SPDX-License-Identifier: MIT
// Lease: returning the connection and applying the tenant context.
#include "pqpool/lease.hpp"

#include <array>
#include <cctype>

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

}  // namespace

Lease::Lease(Lease&& other) noexcept
    : pool_(std::move(other.pool_)),
      slot_(std::exchange(other.slot_, nullptr)),
      context_applied_(other.context_applied_) {}

Lease& Lease::operator=(Lease&& other) noexcept {
    if (this != &other) {
        Release();
        pool_ = std::move(other.pool_);
        slot_ = std::exchange(other.slot_, nullptr);
        context_applied_ = other.context_applied_;
    }
    return *this;
}

void Lease::Release() noexcept {
    if (slot_ == nullptr) return;
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

Result<QueryResult> Lease::Execute(std::string_view sql, std::span<const Param> params,
                                   Deadline deadline) {
    Connection& conn = connection();
    if (const Millis bound = pool_->options().statement_timeout;
        deadline == Deadline::max() && bound.count() > 0) {
        deadline = Clock::now() + bound;
    }
    const std::string& context_sql = pool_->options().tenant_context_sql;
    if (context_sql.empty() || slot_->tenant.empty()) return conn.Execute(sql, params, deadline);

    const TxState state = conn.transaction_state();
    if (state == TxState::kIdle) context_applied_ = false;  // Each transaction needs it anew.
    if (context_applied_) return conn.Execute(sql, params, deadline);

    const auto& map_value = pool_->options().tenant_context_value;
    const std::string mapped = map_value ? map_value(slot_->tenant) : std::string();
    const std::array<Param, 1> tenant{Param(map_value ? mapped : slot_->tenant)};
    const Statement context{context_sql, tenant};
    const Statement statement{sql, params};
    // Outside a transaction both run in the pipeline's one implicit transaction; BEGIN goes
    // first so the context is set inside the transaction it opens.
    const bool begins = state == TxState::kIdle && OpensTransaction(sql);
    const std::array<Statement, 2> batch = begins ? std::array<Statement, 2>{statement, context}
                                                  : std::array<Statement, 2>{context, statement};
    auto result = conn.ExecuteBatch(batch, deadline, begins ? 0 : 1);
    if (result.ok() && conn.transaction_state() != TxState::kIdle) context_applied_ = true;
    return result;
}

}  // namespace pqpool

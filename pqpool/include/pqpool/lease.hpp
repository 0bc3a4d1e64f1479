// SPDX-License-Identifier: MIT
// Lease: the move-only handle that owns a pooled connection until it goes out of scope.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pqpool/connection.hpp"

namespace pqpool {

class Pool;
namespace detail {
struct Slot;
}

/// Exclusive use of one pooled connection. The connection goes back to the pool when the
/// lease is destroyed (exceptions included) or Release() is called; an open transaction is
/// rolled back, a broken or dirty connection is closed instead. The lease keeps its pool alive.
///
/// Using an empty or released lease aborts. Keeping a `Connection&` past the lease is caught
/// by a check in debug builds.
///
/// Thread safety: one thread at a time, like the connection it holds.
class Lease {
public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    /// Returns the connection to the pool now (after deciding a pending guard: SetGuard).
    /// Safe to call twice.
    void Release() noexcept;

    [[nodiscard]] explicit operator bool() const noexcept { return slot_ != nullptr; }

    /// The leased connection, for its state and for libpq-level work (native()). Statements
    /// run on it directly skip the tenant context: use Lease::Execute for those.
    [[nodiscard]] Connection& connection() const;

    /// The tenant this lease counts against ("" for untenanted).
    [[nodiscard]] const std::string& tenant() const;

    /// Like Connection::Execute, but first applies the pool's tenant context (once per
    /// transaction, in the same round trip as this statement).
    Result<QueryResult> Execute(std::string_view sql, std::span<const Param> params = {},
                                Deadline deadline = Deadline::max());
    Result<QueryResult> Execute(std::string_view sql, std::initializer_list<Param> params,
                                Deadline deadline = Deadline::max()) {
        return Execute(sql, std::span<const Param>(params.begin(), params.size()), deadline);
    }

    /// Called once when a guard is decided: OK when it passed, else its error.
    using GuardDecided = std::function<void(const Status&)>;

    /// Makes `sql` with `params` (copied) a precondition of the next statement on this lease:
    /// Execute sends it first, in the same round trip (pipeline) and the same implicit
    /// transaction, before the tenant context, so when it fails that statement does not run
    /// and what it wrote is undone. A failed guard refuses the lease from then on: this and
    /// every later Execute, and RunGuard, return its error (the caller should release the
    /// lease). A connection failure during the guarded round trip counts as a failed guard.
    /// A guard is always decided: by the next statement, by RunGuard, or at the latest by
    /// Release (one round trip then, on the connection the lease holds), and `decided` runs
    /// then, on that thread. Replaces a guard still pending. For checks the caller must not act
    /// without (e.g. that a token is still valid) that should cost no round trip of their own.
    void SetGuard(std::string sql, std::vector<std::string> params, GuardDecided decided = {});
    /// Sends a pending guard alone (one round trip, its own implicit transaction). OK when no
    /// guard was set or it passed; its error when it failed, now or before.
    Status RunGuard(Deadline deadline = Deadline::max());
    /// True while a guard waits for the next statement.
    [[nodiscard]] bool guard_pending() const noexcept;

private:
    friend class Pool;
    struct Guard;  // lease.cpp
    Lease(std::shared_ptr<Pool> pool, detail::Slot* slot) noexcept;
    /// Execute's round trip: the guard (if pending), the tenant context (if due), `statement`.
    Result<QueryResult> ExecuteGuarded(const Statement& statement, Deadline deadline);

    std::shared_ptr<Pool> pool_;
    detail::Slot* slot_ = nullptr;
    bool context_applied_ = false;  // Tenant context set in the current transaction.
    struct GuardDeleter {           // Guard is complete in lease.cpp only
        void operator()(Guard* guard) const noexcept;
    };
    std::unique_ptr<Guard, GuardDeleter> guard_;  // null until SetGuard
};

}  // namespace pqpool

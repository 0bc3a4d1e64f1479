// SPDX-License-Identifier: MIT
// DatabaseBackend: the HTTP transport's Backend over memory's stores and pqpool's pools.
#pragma once

#include <memory>

#include "backend/session_hints.hpp"
#include "config/config.hpp"
#include "memory/access_store.hpp"
#include "pqpool/pool.hpp"
#include "transport/backend.hpp"
#include "util/metrics.hpp"

namespace mnemo::backend {

/// Admits HTTP requests on PostgreSQL (see transport::Backend). A request whose token and
/// session this process has seen takes one lease, of its planned tenant, and its access check
/// (AccessStore::ArmCheck) rides in front of its first statement; any other request looks
/// them up first (AccessStore::Resolve) on a lease of the server tenant, which it keeps when
/// it planned no tenant of its own. The check failing with kChanged (another replica changed
/// the session) makes the transport admit the request again, which then looks it up.
///
/// Thread safety: every call may run concurrently. `pool`, `caller_pool` (may be null),
/// `access`, `config` and `metrics` must outlive it.
class DatabaseBackend final : public transport::Backend {
public:
    DatabaseBackend(const Config& config, const memory::AccessStore& access,
                    std::shared_ptr<pqpool::Pool> pool, std::shared_ptr<pqpool::Pool> caller_pool,
                    util::Metrics& metrics);

    void Admit(const transport::Post& post, std::optional<std::string> bearer,
               std::string session_id, std::chrono::steady_clock::time_point deadline,
               transport::Planner planner, std::function<void(transport::Admission)> then) override;
    void Finish(const transport::Post& post, std::unique_ptr<transport::Ticket> ticket,
                std::optional<transport::SessionRecord> changed, const std::string& session_id,
                std::function<void(transport::Verdict)> then) override;
    [[nodiscard]] std::string NewSessionId() const override;
    void Readiness(const transport::Post& post, std::chrono::milliseconds budget,
                   std::function<void(bool, nlohmann::json)> then) override;
    void MetricsText(const transport::Post& post, std::int64_t open_connections,
                     std::int64_t waiting_client_requests,
                     std::function<void(std::string)> then) override;

private:
    struct Request;  // one Admit's state across threads

    /// Acquires `tenant`'s lease from `pool` without blocking, then runs `then`: on this
    /// thread before returning when the lease is free at once, else through `post`.
    void AcquireThen(const transport::Post& post, pqpool::Pool& pool,
                     std::chrono::steady_clock::time_point deadline, const std::string& tenant,
                     const std::string& label,
                     std::function<void(pqpool::Result<pqpool::Lease>)> then);
    /// The path with hints: the planned lease, the check armed on it.
    void AdmitHinted(std::shared_ptr<Request> request);
    /// The path without: look the token and session up on a server lease, then plan.
    void AdmitLookedUp(std::shared_ptr<Request> request);
    /// After the look-up: takes the planned lease (or keeps the server's) and answers.
    void Plan(std::shared_ptr<Request> request, pqpool::Lease server_lease);

    const Config& config_;
    const memory::AccessStore& access_;
    std::shared_ptr<pqpool::Pool> pool_;
    std::shared_ptr<pqpool::Pool> caller_pool_;
    util::Metrics& metrics_;
    SessionHints hints_;
};

}  // namespace mnemo::backend

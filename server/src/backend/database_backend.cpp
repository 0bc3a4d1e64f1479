// SPDX-License-Identifier: MIT
// DatabaseBackend: admission with and without hints, tickets, session saves, /readyz, /metrics.
#include "backend/database_backend.hpp"

#include <optional>
#include <thread>

#include "memory/migrations.hpp"
#include "memory/pool_errors.hpp"
#include "memory/pool_figures.hpp"
#include "memory/store.hpp"
#include "memory/tenant_keys.hpp"
#include "transport/http_checks.hpp"
#include "util/log.hpp"

namespace mnemo::backend {
namespace {

using transport::Admission;
using transport::Verdict;
using Clock = std::chrono::steady_clock;

/// The outcome of the check a ticket's lease carries, written by the guard's callback.
struct CheckState {
    bool armed = false;
    std::optional<Verdict> verdict;
};

/// A ticket: the request's lease (lent to the store while Run runs), and its check.
class DatabaseTicket final : public transport::Ticket {
public:
    /// `lease` nullopt: the ticket holds none (a request that may wait on the client).
    DatabaseTicket(const memory::AccessStore& access, std::string user, std::string tenant,
                   bool caller, std::optional<pqpool::Result<pqpool::Lease>> lease,
                   std::shared_ptr<CheckState> check)
        : access_(access),
          user_(std::move(user)),
          tenant_(std::move(tenant)),
          caller_(caller),
          lease_(std::move(lease)),
          check_(std::move(check)) {}

    void Run(const std::function<void()>& work) override {
        if (!lease_) return work();  // none held, or a call before this one took it
        scope_.emplace(tenant_, std::move(*lease_), caller_);
        lease_.reset();
        work();
        lease_ = scope_->TakeBack();
        scope_.reset();
    }

    std::optional<Verdict> Confirm() override {
        if (check_ == nullptr || !check_->armed) return Verdict::kAdmitted;
        if (check_->verdict) return check_->verdict;
        pqpool::Lease* lease = Untaken();
        if (lease == nullptr) return std::nullopt;  // a store call holds it, not sent yet
        (void)lease->RunGuard();                    // decides: the callback sets the verdict
        return check_->verdict;
    }

    std::string CreateSession(const std::string& id,
                              const transport::SessionRecord& record) override {
        pqpool::Lease* lease = Untaken();
        if (lease == nullptr) return "the request's connection is gone";
        auto stored = access_.CreateSession(*lease, id, user_, record.protocol_version,
                                            record.client_info, record.client_capabilities);
        return stored.ok() ? std::string() : stored.error().message();
    }

    std::optional<bool> DeleteSession(const std::string& id, std::string& problem) override {
        pqpool::Lease* lease = Untaken();
        if (lease == nullptr) {
            problem = "the request's connection is gone";
            return std::nullopt;
        }
        auto deleted = access_.DeleteSession(*lease, id, user_);
        if (!deleted.ok()) {
            problem = deleted.error().message();
            return std::nullopt;
        }
        return *deleted;
    }

    /// The lease no store call took (while Run runs too), or null.
    [[nodiscard]] pqpool::Lease* Untaken() {
        if (scope_) return scope_->untaken();
        return lease_ && lease_->ok() ? &lease_->value() : nullptr;
    }
    [[nodiscard]] const std::string& user() const { return user_; }

private:
    const memory::AccessStore& access_;
    std::string user_;
    std::string tenant_;
    bool caller_;
    // The acquire's outcome while no store call took it; nullopt once one did, or when the
    // ticket never held one.
    std::optional<pqpool::Result<pqpool::Lease>> lease_;
    std::optional<memory::LentLeaseScope> scope_;  // while Run runs
    std::shared_ptr<CheckState> check_;            // null: checked by a look-up before
};

transport::SessionRecord ToRecord(const memory::StoredSession& stored) {
    return {stored.user,
            stored.protocol_version,
            stored.client_info,
            stored.client_capabilities,
            stored.selected_project,
            stored.log_level};
}

Admission Unavailable(const Error& error, std::string prefix = {}) {
    Admission admission;
    admission.verdict = Verdict::kUnavailable;
    admission.problem = std::move(prefix) + error.message();
    admission.error_type = error.code() == ErrorCode::kPoolTimeout  ? "pool_timeout"
                           : error.code() == ErrorCode::kOverloaded ? "pool_overloaded"
                                                                    : "database_unavailable";
    return admission;
}

Admission Refused(Verdict verdict) {
    Admission admission;
    admission.verdict = verdict;
    return admission;
}

}  // namespace

struct DatabaseBackend::Request {
    transport::Post post;
    std::optional<std::string> bearer;
    std::string session_id;
    Clock::time_point deadline;
    transport::Planner planner;
    std::function<void(Admission)> then;
    std::string token_key;    // SHA-256 of the bearer token; "" without one
    std::string session_key;  // SHA-256 of the session id; "" without one
    // Filled on the way.
    transport::Principal principal;
    transport::SessionRecord session;
    transport::LeaseNeed need;
    Clock::time_point lookup_started{};
    Clock::duration lookup_time{};
};

DatabaseBackend::DatabaseBackend(const Config& config, const memory::AccessStore& access,
                                 std::shared_ptr<pqpool::Pool> pool,
                                 std::shared_ptr<pqpool::Pool> caller_pool, util::Metrics& metrics)
    : config_(config),
      access_(access),
      pool_(std::move(pool)),
      caller_pool_(std::move(caller_pool)),
      metrics_(metrics) {}

std::string DatabaseBackend::NewSessionId() const { return memory::AccessStore::NewSessionId(); }

void DatabaseBackend::AcquireThen(const transport::Post& post, pqpool::Pool& pool,
                                  Clock::time_point deadline, const std::string& tenant,
                                  const std::string& label,
                                  std::function<void(pqpool::Result<pqpool::Lease>)> then) {
    // A lease free at once arrives before AcquireAsync returns, on this thread: the work goes
    // on here, with no hand-off. A lease that waited arrives on the thread that returned it
    // (another request's, or the pool's): the work moves to a worker.
    const std::thread::id caller = std::this_thread::get_id();
    auto returned = std::make_shared<bool>(false);  // read on this thread only
    pool.AcquireAsync(
        deadline,
        [post, caller, returned,
         then = std::move(then)](pqpool::Result<pqpool::Lease> lease) mutable {
            if (std::this_thread::get_id() == caller && !*returned) return then(std::move(lease));
            auto shared = std::make_shared<pqpool::Result<pqpool::Lease>>(std::move(lease));
            post([then = std::move(then), shared]() mutable { then(std::move(*shared)); });
        },
        pqpool::AcquireLabel(tenant, label), pqpool::CompletionThread::kReturning);
    *returned = true;
}

void DatabaseBackend::Admit(const transport::Post& post, std::optional<std::string> bearer,
                            std::string session_id, Clock::time_point deadline,
                            transport::Planner planner, std::function<void(Admission)> then) {
    auto request = std::make_shared<Request>();
    request->post = post;
    request->token_key = bearer ? memory::Sha256Hex(*bearer) : std::string();
    request->session_key = session_id.empty() ? std::string() : memory::Sha256Hex(session_id);
    request->bearer = std::move(bearer);
    request->session_id = std::move(session_id);
    request->deadline = deadline;
    request->planner = std::move(planner);
    request->then = std::move(then);
    if (request->session_id.empty()) return AdmitLookedUp(std::move(request));
    auto principal = request->bearer ? hints_.Token(request->token_key)
                                     : std::optional<transport::Principal>(transport::Principal{});
    auto session = principal ? hints_.Session(request->session_key) : std::nullopt;
    if (!principal || !session || session->user != principal->user) {
        return AdmitLookedUp(std::move(request));
    }
    request->principal = *principal;
    request->session = std::move(*session);
    AdmitHinted(std::move(request));
}

void DatabaseBackend::AdmitHinted(std::shared_ptr<Request> request) {
    request->need = request->planner(request->principal, request->session);
    // Caller SQL's restricted roles cannot run the check, and a call that may wait on the
    // client holds no lease for the check to ride on: look up first.
    if (request->need.caller_pool || request->need.may_wait_on_client) {
        return AdmitLookedUp(std::move(request));
    }
    const std::string tenant =
        request->need.tenant.empty() ? memory::AccessStore::ServerTenant() : request->need.tenant;
    AcquireThen(request->post, *pool_, request->deadline, tenant, request->need.label,
                [this, request, tenant](pqpool::Result<pqpool::Lease> lease) {
                    if (!lease.ok())
                        return request->then(Unavailable(memory::FromPool(lease.error())));
                    auto check = std::make_shared<CheckState>();
                    check->armed = true;
                    access_.ArmCheck(
                        *lease, request->token_key, request->session_key, request->principal.user,
                        request->session.selected_project, request->session.log_level,
                        [this, check, token_key = request->token_key,
                         session_key = request->session_key](const pqpool::Status& status) {
                            if (status.ok()) {
                                check->verdict = Verdict::kAdmitted;
                                return;
                            }
                            using Failure = memory::AccessStore::CheckFailure;
                            switch (memory::AccessStore::ClassifyCheckFailure(status.error())) {
                                case Failure::kBadToken:
                                    hints_.ForgetToken(token_key);
                                    check->verdict = Verdict::kBadToken;
                                    break;
                                case Failure::kNoSession:
                                    hints_.ForgetSession(session_key);
                                    check->verdict = Verdict::kNoSession;
                                    break;
                                case Failure::kChanged:
                                    hints_.ForgetSession(session_key);
                                    check->verdict = Verdict::kChanged;
                                    break;
                                case Failure::kOther: check->verdict = Verdict::kUnavailable; break;
                            }
                        });
                    Admission admission;
                    admission.verdict = Verdict::kAdmitted;
                    admission.principal = request->principal;
                    admission.session = request->session;
                    admission.need = request->need;
                    admission.ticket = std::make_unique<DatabaseTicket>(
                        access_, request->principal.user, tenant, false, std::move(lease), check);
                    request->then(std::move(admission));
                });
}

void DatabaseBackend::AdmitLookedUp(std::shared_ptr<Request> request) {
    AcquireThen(request->post, *pool_, request->deadline, memory::AccessStore::ServerTenant(),
                request->session_id.empty() ? "http_initialize" : "http_session",
                [this, request](pqpool::Result<pqpool::Lease> lease) {
                    if (!lease.ok())
                        return request->then(Unavailable(memory::FromPool(lease.error())));
                    request->lookup_started = Clock::now();
                    auto access = access_.Resolve(*lease, request->bearer, request->session_id);
                    request->lookup_time = Clock::now() - request->lookup_started;
                    if (!access.ok()) {
                        return request->then(Unavailable(access.error(), "Database unavailable: "));
                    }
                    if (!access->principal) {
                        hints_.ForgetToken(request->token_key);
                        return request->then(Refused(Verdict::kBadToken));
                    }
                    request->principal = {access->principal->user, access->principal->can_write};
                    if (request->bearer)
                        hints_.RememberToken(request->token_key, request->principal);
                    if (!request->session_id.empty()) {
                        if (!access->session) {
                            hints_.ForgetSession(request->session_key);
                            return request->then(Refused(Verdict::kNoSession));
                        }
                        request->session = ToRecord(*access->session);
                        hints_.RememberSession(request->session_key, request->session);
                    }
                    Plan(request, std::move(lease).value());
                });
}

void DatabaseBackend::Plan(std::shared_ptr<Request> request, pqpool::Lease server_lease) {
    if (!request->session_id.empty()) {
        request->need = request->planner(request->principal, request->session);
    }
    Admission admission;
    admission.verdict = Verdict::kAdmitted;
    admission.principal = request->principal;
    admission.session = request->session;
    admission.need = request->need;
    if (request->need.may_wait_on_client) {
        // The look-up decided the check; the call's statements take their own leases, so
        // none is held while the client is asked. It runs on a worker: on the calling thread
        // (an I/O thread lent to it) it would hold that thread for as long as the client takes.
        server_lease.Release();
        admission.ticket = std::make_unique<DatabaseTicket>(
            access_, request->principal.user, request->need.tenant, false, std::nullopt, nullptr);
        auto shared = std::make_shared<Admission>(std::move(admission));
        return request->post([request, shared] { request->then(std::move(*shared)); });
    }
    // Without a caller pool, caller SQL takes no lease of its own: the store refuses it.
    if (request->need.tenant.empty() || (request->need.caller_pool && caller_pool_ == nullptr)) {
        admission.need.tenant.clear();
        admission.ticket = std::make_unique<DatabaseTicket>(
            access_, request->principal.user, memory::AccessStore::ServerTenant(), false,
            std::move(server_lease), nullptr);
        return request->then(std::move(admission));
    }
    server_lease.Release();
    pqpool::Pool& pool = request->need.caller_pool ? *caller_pool_ : *pool_;
    AcquireThen(
        request->post, pool, request->deadline, request->need.tenant, request->need.label,
        [this, request, admission = std::make_shared<Admission>(std::move(admission))](
            pqpool::Result<pqpool::Lease> lease) mutable {
            if (!lease.ok()) {
                // Where the request's time went, when the look-up used half of it or more.
                using std::chrono::milliseconds;
                const auto arrived = request->deadline - config_.acquire_timeout;
                const auto waited =
                    std::chrono::duration_cast<milliseconds>(request->lookup_started - arrived);
                const auto lookup = std::chrono::duration_cast<milliseconds>(request->lookup_time);
                if (2 * (waited + lookup) >= config_.acquire_timeout) {
                    const pqpool::Error& error = lease.error();
                    lease = pqpool::Error(
                        error.code(),
                        error.message() + "; before that, this request waited " +
                            std::to_string(waited.count()) +
                            " ms for a connection to look up its session and the lookup took " +
                            std::to_string(lookup.count()) + " ms, of its " +
                            std::to_string(config_.acquire_timeout.count()) +
                            " ms (MNEMO_ACQUIRE_TIMEOUT_MS)",
                        error.sqlstate());
                }
            }
            admission->ticket = std::make_unique<DatabaseTicket>(
                access_, request->principal.user, request->need.tenant, request->need.caller_pool,
                std::move(lease), nullptr);
            request->then(std::move(*admission));
        });
}

void DatabaseBackend::Finish(const transport::Post& post, std::unique_ptr<transport::Ticket> ticket,
                             std::optional<transport::SessionRecord> changed,
                             const std::string& session_id, std::function<void(Verdict)> then) {
    auto& own = static_cast<DatabaseTicket&>(*ticket);
    const std::string user = own.user();
    auto warn = [session_id](const std::string& error) {
        log::Warning("session_save_failed",
                     {{"session", transport::SessionLogId(session_id)}, {"error", error}});
    };
    auto save = [this, session_id, user](pqpool::Lease& lease,
                                         const transport::SessionRecord& record) {
        auto saved = access_.SaveSessionState(lease, session_id, user, record.selected_project,
                                              record.log_level);
        if (saved.ok()) hints_.RememberSession(memory::Sha256Hex(session_id), record);
        return saved;
    };
    if (changed) {
        if (pqpool::Lease* lease = own.Untaken(); lease != nullptr) {
            // The check, when still pending, rides in front of the save; a save it stopped
            // is the check's failure, not the save's.
            const Status saved = save(*lease, *changed);
            const Verdict verdict = own.Confirm().value_or(Verdict::kUnavailable);
            if (verdict == Verdict::kAdmitted && !saved.ok()) warn(saved.error().message());
            ticket.reset();
            return then(verdict);
        }
    }
    const Verdict verdict = own.Confirm().value_or(Verdict::kUnavailable);
    ticket.reset();
    if (!changed || verdict != Verdict::kAdmitted) return then(verdict);
    // The request's lease went back with its last store call: take the server's, waiting in
    // the pool's queue rather than on this thread.
    AcquireThen(post, *pool_, Clock::now() + config_.acquire_timeout,
                memory::AccessStore::ServerTenant(), "session_state",
                [save, warn, record = std::move(*changed),
                 then = std::move(then)](pqpool::Result<pqpool::Lease> lease) {
                    if (!lease.ok()) {
                        warn(lease.error().message());
                    } else if (const Status saved = save(*lease, record); !saved.ok()) {
                        warn(saved.error().message());
                    }
                    then(Verdict::kAdmitted);
                });
}

void DatabaseBackend::Readiness(const transport::Post& post, std::chrono::milliseconds budget,
                                std::function<void(bool, nlohmann::json)> then) {
    post([this, budget, then = std::move(then)] {
        auto state = memory::ReadMigrationState(*pool_, Clock::now() + budget);
        if (!state.ok()) {
            // The body says nothing of the database's address or messages (the log has them).
            log::Warning("readyz_database_unreachable", {{"error", state.error().message()}});
            return then(false, {{"status", "database unreachable"}});
        }
        const bool ready = state->applied == state->expected;
        then(ready, {{"status", ready ? "ready" : "migrations pending"},
                     {"schema", state->applied},
                     {"expected", state->expected}});
    });
}

void DatabaseBackend::MetricsText(const transport::Post& post, std::int64_t open_connections,
                                  std::int64_t waiting_client_requests,
                                  std::function<void(std::string)> then) {
    AcquireThen(post, *pool_, Clock::now() + config_.acquire_timeout,
                memory::AccessStore::ServerTenant(), "metrics",
                [this, open_connections, waiting_client_requests,
                 then = std::move(then)](pqpool::Result<pqpool::Lease> lease) {
                    std::int64_t live = -1;
                    if (lease.ok()) {
                        if (auto counted = access_.CountLiveSessions(*lease); counted.ok()) {
                            live = *counted;
                        }
                        lease->Release();
                    }
                    then(metrics_.Render(memory::PoolFiguresOf(pool_->Stats()), live,
                                         open_connections, waiting_client_requests));
                });
}

}  // namespace mnemo::backend

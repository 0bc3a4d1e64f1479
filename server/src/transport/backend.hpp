// SPDX-License-Identifier: MIT
// Backend: everything the HTTP transport asks of the layers below it, as one interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mnemo::transport {

/// Who a request acts for. `user` "" is the local owner (authentication off).
struct Principal {
    std::string user;
    bool can_write = true;
};

/// What an MCP session keeps between requests, the same on every replica.
struct SessionRecord {
    std::string user;
    std::string protocol_version;
    nlohmann::json client_info;
    nlohmann::json client_capabilities = nlohmann::json::object();
    std::string selected_project;
    std::string log_level;  // "" = none (logging/setLevel not called)
};

/// How a request's credentials and session turned out.
enum class Verdict {
    kAdmitted,     ///< the token is valid and the session (when one was named) is live
    kBadToken,     ///< the bearer token is unknown or revoked: 401
    kNoSession,    ///< the session expired, was deleted or is another user's: 404
    kChanged,      ///< the session changed on another replica since this one last saw it:
                   ///< nothing ran; admit the request again (the backend re-reads it)
    kUnavailable,  ///< the database or the pool could not answer in time: 503 (see problem)
};

/// What a request needs from the database, decided from the message and the session (the
/// dispatcher's plan): the pool tenant of its first lease ("" for none) and its pool.
struct LeaseNeed {
    std::string tenant;
    bool caller_pool = false;
    std::string label;  // for pool metrics and logs: the tool or method
    /// The request may send the client a request and wait for its answer (roots/list,
    /// elicitation, sampling). The backend then holds no pooled connection for it: the check
    /// is decided at admission and the request's statements take their own leases as they
    /// run, so a slow or hostile client pins nothing while it is being asked.
    bool may_wait_on_client = false;
};

/// Runs a function on one of the transport's worker threads (where blocking is allowed).
using Post = std::function<void(std::function<void()>)>;

/// Decides the lease once the principal and the session are known. Called on a worker; may
/// be called a second time for one request when the session turned out to have changed.
using Planner = std::function<LeaseNeed(const Principal&, const SessionRecord&)>;

/// One admitted request's hold on the database: the lease of its planned tenant (or of the
/// server, when it planned none), released when the ticket ends.
///
/// Thread safety: one thread at a time (the worker the request runs on).
class Ticket {
public:
    virtual ~Ticket() = default;

    /// Runs `work` on this thread with the ticket's lease lent to the database layer: the
    /// first database call for the planned tenant uses it, or fails with the acquire's error.
    /// A ticket of a request that may wait on the client holds no lease: its database calls
    /// acquire their own.
    virtual void Run(const std::function<void()>& work) = 0;

    /// Whether the credentials and session the request was admitted with still hold. Call it
    /// before anything of the request's outcome leaves the process. Costs a round trip only
    /// when no statement of the request carried the check; kChanged means no statement of
    /// the request ran. nullopt while the check rides on a statement still being prepared
    /// (a database call in progress took the lease but sent nothing yet): ask again later.
    virtual std::optional<Verdict> Confirm() = 0;

    /// Stores a new session `id` for the ticket's principal (initialize). "" when stored,
    /// else why not.
    virtual std::string CreateSession(const std::string& id, const SessionRecord& record) = 0;

    /// Ends session `id` of the ticket's principal: false when it was not theirs or not live.
    /// nullopt (and `problem` set) when the database failed.
    virtual std::optional<bool> DeleteSession(const std::string& id, std::string& problem) = 0;
};

/// The outcome of Admit.
struct Admission {
    Verdict verdict = Verdict::kUnavailable;
    std::string problem;  // kUnavailable: why, for the client (no addresses or secrets)
    /// kUnavailable: "pool_timeout", "pool_overloaded" or "database_unavailable" (what a tool
    /// call's error result is typed as).
    std::string error_type;
    Principal principal;
    SessionRecord session;  // when a session id was given and found
    LeaseNeed need;
    std::unique_ptr<Ticket> ticket;  // set when kAdmitted
};

/// The database side of the HTTP transport: authentication, MCP sessions, admission of a
/// planned call with its lease, readiness and what /metrics shows. Implemented once, below
/// the transport (backend/), and wired in cli/serve.cpp; tests use fakes.
///
/// No asynchronous call waits for the pool on the caller's thread: a request whose connection
/// is not free waits in the pool's fair queue, and its database work and `then` run through
/// `post`. When the connection is free at once, they run on the calling thread before the call
/// returns (no thread hand-off), so call from a thread that may block on the database (a
/// worker, or an I/O thread the transport lends for it, see McpEndpoint).
/// Thread safety: every call may run concurrently.
class Backend {
public:
    virtual ~Backend() = default;

    /// Checks `bearer` (nullopt: authentication off), loads session `session_id` ("" for
    /// none: initialize), asks `planner` for the lease and acquires it by `deadline`, then
    /// calls `then` with the admission. With a session, a request whose token and session
    /// this process has seen before costs one acquire and no round trip of its own: the check
    /// travels with the request's first statement (Ticket::Confirm). A request planned
    /// `may_wait_on_client` is checked by a look-up on a connection returned before `then`
    /// runs: its ticket holds none.
    virtual void Admit(const Post& post, std::optional<std::string> bearer, std::string session_id,
                       std::chrono::steady_clock::time_point deadline, Planner planner,
                       std::function<void(Admission)> then) = 0;

    /// Ends the ticket (its lease goes back to the pool) after the request ran; when
    /// `changed` is set (the request changed the session's project or log level), stores it
    /// first, in the ticket's own lease when the request left it unused, else on a lease
    /// acquired without blocking a thread. `then` gets the request's final verdict (Confirm).
    virtual void Finish(const Post& post, std::unique_ptr<Ticket> ticket,
                        std::optional<SessionRecord> changed, const std::string& session_id,
                        std::function<void(Verdict)> then) = 0;

    /// A fresh session id: 256 bits from the CSPRNG, hex.
    [[nodiscard]] virtual std::string NewSessionId() const = 0;

    /// Whether the database answers and its schema is current, within `budget`:
    /// {"status": ..., "schema"?, "expected"?} and whether that means ready.
    virtual void Readiness(const Post& post, std::chrono::milliseconds budget,
                           std::function<void(bool ready, nlohmann::json body)> then) = 0;

    /// The Prometheus text of /metrics (pool, sessions and the transport's own gauges).
    virtual void MetricsText(const Post& post, std::int64_t open_connections,
                             std::int64_t waiting_client_requests,
                             std::function<void(std::string)> then) = 0;
};

}  // namespace mnemo::transport

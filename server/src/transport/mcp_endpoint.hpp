// SPDX-License-Identifier: MIT
// McpEndpoint: the Streamable HTTP /mcp endpoint — auth, sessions in PostgreSQL, dispatch.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "config/config.hpp"
#include "mcp/dispatcher.hpp"
#include "memory/access_store.hpp"
#include "pqpool/pool.hpp"
#include "transport/http_exchange.hpp"
#include "util/auth_failure_limiter.hpp"

namespace mnemo::transport {

/// Acquires a lease asynchronously (no thread waits), then runs `then` with the outcome on
/// `workers`. `pool` and `workers` must outlive the acquire.
void AcquireOnWorkers(pqpool::Pool& pool, boost::asio::thread_pool& workers,
                      pqpool::Deadline deadline, const pqpool::AcquireLabel& label,
                      std::function<void(pqpool::Result<pqpool::Lease>)> then);

/// Serves POST, GET and DELETE on /mcp (MCP 2025-11-25 Streamable HTTP, also 2025-06-18 and
/// 2025-03-26). Header checks run on the I/O thread; every database step runs on `workers`
/// after an asynchronous pool acquire, so an I/O thread never waits for the pool or the
/// database. A tools/call first acquires the lease of the tenant its tool will use (the
/// dispatcher's plan) and lends it to the store, so waiting for a busy project's quota
/// happens in the pool's fair queue, not on a worker.
///
/// A POST is answered with JSON, or with an SSE stream as soon as the request sends anything
/// before its response (progress, log messages, sampling or elicitation requests). The
/// client's answers to such requests arrive in other POSTs of the session (202, or 400 when
/// no request of this session in this process waits for that id). A request cancelled with
/// notifications/cancelled gets no JSON-RPC response: its stream ends, or 204 No Content.
/// Notifications outside requests (resources/updated) go to the session's GET stream.
///
/// Thread safety: Handle may run concurrently on any I/O thread.
class McpEndpoint {
public:
    /// `subscriptions` (may be null) gets its delivery set to the sessions' GET streams.
    /// `caller_pool` (may be null) lends the leases of caller-SQL tools (CallPlan::caller_pool).
    /// `auth_failures` is the server's limiter; it must outlive the endpoint.
    McpEndpoint(const Config& config, const mcp::Dispatcher& dispatcher,
                std::shared_ptr<pqpool::Pool> pool, std::shared_ptr<pqpool::Pool> caller_pool,
                const memory::AccessStore& access, boost::asio::thread_pool& workers,
                util::AuthFailureLimiter& auth_failures,
                mcp::Subscriptions* subscriptions = nullptr);
    ~McpEndpoint();

    void Handle(HttpRequest request, std::shared_ptr<Exchange> exchange);

    /// Ends every open GET stream (shutdown).
    void CloseStreams();

    /// The URL of the protected-resource metadata for a request (401/403 headers).
    [[nodiscard]] std::string ResourceMetadataUrl(const HttpRequest& request) const;
    /// Base URL clients use: MNEMO_PUBLIC_URL, else http://<Host>.
    [[nodiscard]] std::string BaseUrl(const HttpRequest& request) const;

private:
    struct Call;  // one request's state across threads

    void Post(std::shared_ptr<Call> call);
    void Get(std::shared_ptr<Call> call);
    void Delete(std::shared_ptr<Call> call);

    /// Acquires a lease for `tenant` by the call's deadline, asynchronously, then runs `then`
    /// on a worker.
    void WithLease(const Call& call, const std::string& tenant, const char* label,
                   std::function<void(pqpool::Result<pqpool::Lease>)> then);
    /// On a worker: checks the token and loads the session; answers 401/404/503 itself and
    /// returns false when the request cannot go on.
    bool Authorize(Call& call, pqpool::Result<pqpool::Lease>& lease, bool need_session);
    void Initialize(std::shared_ptr<Call> call, pqpool::Lease& lease);
    void Dispatch(std::shared_ptr<Call> call);
    void RunDispatch(std::shared_ptr<Call> call, pqpool::Result<pqpool::Lease> lease);
    /// `error` (the tool's lease could not be had) with where the request's time went when the
    /// session lookup used at least half of the acquire timeout both share.
    [[nodiscard]] pqpool::Error WithTimeSpent(const Call& call, const pqpool::Error& error) const;
    /// Stores the session's project and log level after a request changed them.
    void SaveSessionState(const Call& call);

    HttpResponse JsonResponse(const Call& call, http::status status, std::string body) const;
    HttpResponse RpcError(const Call& call, http::status status, int code,
                          const std::string& message) const;
    HttpResponse Unauthorized(const Call& call, const std::string& error,
                              const std::string& description) const;

    const Config& config_;
    const mcp::Dispatcher& dispatcher_;
    std::shared_ptr<pqpool::Pool> pool_;
    std::shared_ptr<pqpool::Pool> caller_pool_;
    const memory::AccessStore& access_;
    boost::asio::thread_pool& workers_;
    mcp::Subscriptions* subscriptions_;
    util::AuthFailureLimiter& auth_failures_;

    std::mutex streams_mutex_;
    // Session key (SHA-256 of the id) → its GET stream. Ended streams (client gone) are swept
    // when a stream opens.
    std::map<std::string, std::shared_ptr<Exchange>> streams_;
};

}  // namespace mnemo::transport

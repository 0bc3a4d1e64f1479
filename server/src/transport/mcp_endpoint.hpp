// SPDX-License-Identifier: MIT
// McpEndpoint: the Streamable HTTP /mcp endpoint — auth, sessions in PostgreSQL, dispatch.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.hpp"
#include "mcp/dispatcher.hpp"
#include "transport/backend.hpp"
#include "transport/http_exchange.hpp"
#include "transport/thread_lender.hpp"
#include "util/auth_failure_limiter.hpp"

namespace mnemo::transport {

/// Serves POST, GET and DELETE on /mcp (MCP 2025-11-25 Streamable HTTP, also 2025-06-18 and
/// 2025-03-26). Header checks run on the I/O thread; everything that needs the database goes
/// through `backend` (authentication, sessions, the lease of the call's planned tenant). The
/// message is parsed and classified once; the dispatcher plans it once the session is known,
/// and the backend admits it with its lease.
///
/// Threads: no I/O thread waits for the pool. A request whose connection is free at once runs
/// on its I/O thread, start to reply, with no hand-off, when the lender allows it (IoLoops:
/// while that thread serves no other connection); a request that waits for a connection, or
/// finds its thread not lendable, runs on a worker (`post`).
///
/// A POST is answered with JSON, or with an SSE stream as soon as the request sends anything
/// before its response (progress, log messages, sampling or elicitation requests). The
/// client's answers to such requests arrive in other POSTs of the session (202, or 400 when
/// no request of this session in this process waits for that id). A request cancelled with
/// notifications/cancelled gets no JSON-RPC response: its stream ends, or 204 No Content.
/// Notifications outside requests (resources/updated) go to the session's GET stream.
///
/// Nothing of a request's outcome leaves before the backend confirmed its token and session
/// (Ticket::Confirm); a request whose session changed on another replica meanwhile is admitted
/// again, once, on the session as it now is.
///
/// Thread safety: Handle may run concurrently on any I/O thread.
class McpEndpoint {
public:
    /// `backend`, `auth_failures` (the server's limiter) and `subscriptions` (may be null; it
    /// gets its delivery set to the sessions' GET streams) must outlive the endpoint. `post`
    /// runs work on the transport's workers; `lender` (may be null: always `post`) says when
    /// the I/O thread that read a request may run it instead.
    McpEndpoint(const Config& config, const mcp::Dispatcher& dispatcher, Backend& backend,
                transport::Post post, ThreadLender* lender, util::AuthFailureLimiter& auth_failures,
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

    void HandlePost(std::shared_ptr<Call> call);
    void HandleGet(std::shared_ptr<Call> call);
    void HandleDelete(std::shared_ptr<Call> call);

    /// Asks the backend to admit the call, planning it on the session it names.
    void Admit(std::shared_ptr<Call> call);
    /// Admits a request on its session that needs no tool's lease (GET's stream, DELETE):
    /// `label` names it in pool metrics.
    void AdmitWithoutPlan(const std::shared_ptr<Call>& call, const char* label,
                          std::function<void(Admission)> then);
    /// Runs `admit` (a backend call) on this thread when fewer than MNEMO_HTTP_THREADS - 1
    /// threads are inside one, else on a worker: the backend runs what is ready at once on the
    /// thread that calls it (a request whose connection is free blocks it for its statements).
    void Lend(const std::function<void()>& admit);
    void Initialize(std::shared_ptr<Call> call, Admission admission);
    void Dispatch(std::shared_ptr<Call> call, Admission admission);
    /// After the dispatcher answered: ends the ticket (saving a changed session) and replies.
    void Finish(std::shared_ptr<Call> call, std::unique_ptr<Ticket> ticket, nlohmann::json reply);
    /// True when `verdict` admits the call. Otherwise answers it: a call whose session changed
    /// elsewhere runs `again` once (nothing of it ran), anything else goes to Refuse.
    bool Proceeds(Call& call, Verdict verdict, const std::function<void()>& again);
    /// Answers a request the backend did not admit (401, 404, 503, or a tool error result).
    void Refuse(const Call& call, Verdict verdict, const std::string& problem = {},
                const std::string& error_type = {});

    HttpResponse JsonResponse(const Call& call, http::status status, std::string body) const;
    HttpResponse RpcError(const Call& call, http::status status, int code,
                          const std::string& message) const;
    HttpResponse Unauthorized(const Call& call, const std::string& error,
                              const std::string& description) const;

    const Config& config_;
    const mcp::Dispatcher& dispatcher_;
    Backend& backend_;
    transport::Post post_;
    ThreadLender* const lender_;  // null: never lend
    mcp::Subscriptions* subscriptions_;
    util::AuthFailureLimiter& auth_failures_;

    std::mutex streams_mutex_;
    // Session key (SHA-256 of the id) → its GET stream. Ended streams (client gone) are swept
    // when a stream opens.
    std::map<std::string, std::shared_ptr<Exchange>> streams_;
};

}  // namespace mnemo::transport

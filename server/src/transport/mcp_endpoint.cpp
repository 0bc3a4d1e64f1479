// SPDX-License-Identifier: MIT
// McpEndpoint: header checks, the asynchronous lease steps, sessions, scopes and SSE.
#include "transport/mcp_endpoint.hpp"

#include <algorithm>
#include <optional>

#include <boost/asio/post.hpp>

#include "mcp/jsonrpc.hpp"
#include "memory/pool_errors.hpp"
#include "memory/store.hpp"
#include "memory/tenant_keys.hpp"
#include "transport/http_checks.hpp"
#include "util/log.hpp"

namespace mnemo::transport {
namespace {

using Json = nlohmann::json;
using Kind = mcp::Incoming::Kind;

constexpr int kServerError = -32000;
constexpr int kSessionNotFound = -32001;

std::string SupportedVersionList() {
    std::string list;
    for (const auto& version : mcp::Dispatcher::SupportedVersions()) {
        list += (list.empty() ? "" : ", ") + version;
    }
    return list;
}

bool IsSupportedVersion(std::string_view version) {
    const auto& supported = mcp::Dispatcher::SupportedVersions();
    return std::find(supported.begin(), supported.end(), version) != supported.end();
}

}  // namespace

struct McpEndpoint::Call {
    /// Every lease this request waits for (session lookup, then the tool's) shares one
    /// deadline: the acquire timeout bounds the request's whole wait, not each step.
    pqpool::Deadline deadline;
    // When the session lookup's statement started, and how long it took.
    std::chrono::steady_clock::time_point lookup_started{};
    std::chrono::steady_clock::duration lookup_time{};
    HttpRequest request;
    std::shared_ptr<Exchange> exchange;
    std::optional<std::string> bearer;  // nullopt: authentication is off
    std::string session_id;
    Json message;
    mcp::Incoming incoming;
    memory::Principal principal;
    std::optional<memory::StoredSession> stored;
    std::string session_key;  // SHA-256 of session_id: the in-process key of the session
    std::unique_ptr<mcp::Session> session;
    mcp::CallPlan plan;
};

McpEndpoint::McpEndpoint(const Config& config, const mcp::Dispatcher& dispatcher,
                         std::shared_ptr<pqpool::Pool> pool,
                         std::shared_ptr<pqpool::Pool> caller_pool,
                         const memory::AccessStore& access, boost::asio::thread_pool& workers,
                         util::AuthFailureLimiter& auth_failures, mcp::Subscriptions* subscriptions)
    : config_(config),
      dispatcher_(dispatcher),
      pool_(std::move(pool)),
      caller_pool_(std::move(caller_pool)),
      access_(access),
      workers_(workers),
      subscriptions_(subscriptions),
      auth_failures_(auth_failures) {
    if (subscriptions_ == nullptr) return;
    subscriptions_->SetDelivery([this](const std::string& session_key, const Json& notification) {
        std::shared_ptr<Exchange> stream;
        {
            std::lock_guard lock(streams_mutex_);
            if (auto found = streams_.find(session_key); found != streams_.end()) {
                stream = found->second;
            }
        }
        // Without an open GET stream in this process the notification is dropped, as the
        // transport allows: the client re-reads the resource when it reconnects.
        if (stream != nullptr && stream->open()) stream->StreamEvent(mcp::Serialize(notification));
    });
}

McpEndpoint::~McpEndpoint() {
    if (subscriptions_ != nullptr) subscriptions_->SetDelivery({});
}

std::string McpEndpoint::BaseUrl(const HttpRequest& request) const {
    if (!config_.http.public_url.empty()) return config_.http.public_url;
    std::string host(request[http::field::host]);
    if (host.empty() || host.size() > 255 ||
        host.find_first_of(" \"\\,;\r\n") != std::string::npos) {
        host = config_.http.host + ":" + std::to_string(config_.http.port);
    }
    return "http://" + host;
}

std::string McpEndpoint::ResourceMetadataUrl(const HttpRequest& request) const {
    return BaseUrl(request) + "/.well-known/oauth-protected-resource/mcp";
}

HttpResponse McpEndpoint::JsonResponse(const Call& call, http::status status,
                                       std::string body) const {
    HttpResponse response{status, call.request.version()};
    response.set(http::field::content_type, "application/json");
    response.body() = std::move(body);
    return response;
}

HttpResponse McpEndpoint::RpcError(const Call& call, http::status status, int code,
                                   const std::string& message) const {
    const Json id = call.incoming.kind == Kind::kRequest ? call.incoming.id : Json();
    return JsonResponse(call, status, mcp::Serialize(mcp::MakeError(id, code, message)));
}

HttpResponse McpEndpoint::Unauthorized(const Call& call, const std::string& error,
                                       const std::string& description) const {
    HttpResponse response =
        RpcError(call, http::status::unauthorized, kServerError, "Unauthorized: " + description);
    std::string challenge = "Bearer ";
    if (!error.empty()) {
        challenge += "error=\"" + error + "\", error_description=\"" + description + "\", ";
    }
    challenge += "resource_metadata=\"" + ResourceMetadataUrl(call.request) + "\"";
    response.set(http::field::www_authenticate, challenge);
    return response;
}

void McpEndpoint::Handle(HttpRequest request, std::shared_ptr<Exchange> exchange) {
    auto call = std::make_shared<Call>();
    call->deadline = std::chrono::steady_clock::now() + config_.acquire_timeout;
    call->request = std::move(request);
    call->exchange = std::move(exchange);
    const HttpRequest& req = call->request;

    if (auto origin = req[http::field::origin];
        !origin.empty() && !OriginAllowed(origin, config_.http)) {
        return call->exchange->Reply(RpcError(*call, http::status::forbidden, kServerError,
                                              "Forbidden: Origin '" +
                                                  std::string(origin.substr(0, 200)) +
                                                  "' is not allowed (MNEMO_ALLOWED_ORIGINS)"));
    }
    if (config_.http.require_token) {
        // Before the token is looked at: a limited client cannot tell a hit from a refusal.
        const auto now = std::chrono::steady_clock::now();
        if (const auto wait = auth_failures_.RetryAfter(call->exchange->client_address(), now);
            wait.count() > 0) {
            HttpResponse response =
                RpcError(*call, http::status::too_many_requests, kServerError,
                         "Too Many Requests: too many failed token attempts from this address; "
                         "retry in " +
                             std::to_string(wait.count()) + " s");
            response.set(http::field::retry_after, std::to_string(wait.count()));
            return call->exchange->Reply(std::move(response));
        }
        const auto authorization = req[http::field::authorization];
        call->bearer = BearerToken(authorization);
        if (!call->bearer) {
            // A missing header is how clients discover the metadata; a malformed one counts.
            if (!authorization.empty()) {
                auth_failures_.RecordFailure(call->exchange->client_address(), now);
            }
            return call->exchange->Reply(
                authorization.empty()
                    ? Unauthorized(*call, "",
                                   "a bearer token is required (Authorization: "
                                   "Bearer <token from `mnemo token create`>)")
                    : Unauthorized(*call, "invalid_request",
                                   "the Authorization header must be 'Bearer <token>'"));
        }
    }
    if (auto version = req["MCP-Protocol-Version"];
        !version.empty() && !IsSupportedVersion(version)) {
        return call->exchange->Reply(RpcError(
            *call, http::status::bad_request, kServerError,
            "Bad Request: Unsupported protocol version: " + std::string(version.substr(0, 64)) +
                " (supported versions: " + SupportedVersionList() + ")"));
    }
    call->session_id = std::string(req["Mcp-Session-Id"]);
    if (!call->session_id.empty()) call->session_key = memory::Sha256Hex(call->session_id);
    switch (req.method()) {
        case http::verb::post: return Post(std::move(call));
        case http::verb::get: return Get(std::move(call));
        case http::verb::delete_: return Delete(std::move(call));
        default: {
            HttpResponse response = RpcError(*call, http::status::method_not_allowed, kServerError,
                                             "Method not allowed on /mcp");
            response.set(http::field::allow, "GET, POST, DELETE");
            return call->exchange->Reply(std::move(response));
        }
    }
}

void AcquireOnWorkers(pqpool::Pool& pool, boost::asio::thread_pool& workers,
                      pqpool::Deadline deadline, const pqpool::AcquireLabel& label,
                      std::function<void(pqpool::Result<pqpool::Lease>)> then) {
    pool.AcquireAsync(
        deadline,
        [&workers, then = std::move(then)](pqpool::Result<pqpool::Lease> lease) mutable {
            // The callback may run on the pool's thread: never do the work there.
            auto shared = std::make_shared<pqpool::Result<pqpool::Lease>>(std::move(lease));
            boost::asio::post(
                workers, [then = std::move(then), shared]() mutable { then(std::move(*shared)); });
        },
        label);
}

void McpEndpoint::WithLease(const Call& call, const std::string& tenant, const char* label,
                            std::function<void(pqpool::Result<pqpool::Lease>)> then) {
    AcquireOnWorkers(*pool_, workers_, call.deadline, pqpool::AcquireLabel(tenant, label),
                     std::move(then));
}

bool McpEndpoint::Authorize(Call& call, pqpool::Result<pqpool::Lease>& lease, bool need_session) {
    if (!lease.ok()) {
        // A tool call is answered like any tool that could not get a lease in time.
        if (call.incoming.kind == Kind::kRequest && call.incoming.method == "tools/call") {
            // Logged and counted (mnemo_pool_acquire_timeouts_total) like any failed call.
            const auto code = lease.error().code();
            const char* type = code == pqpool::ErrorCode::kTimeout ? "pool_timeout"
                               : code == pqpool::ErrorCode::kPoolOverloaded
                                   ? "pool_overloaded"
                                   : "database_unavailable";
            const Json reply = dispatcher_.FailedToolCall(
                call.message, SessionLogId(call.session_id),
                mcp::ToolResult::Error(type, lease.error().message()),
                std::chrono::steady_clock::now() - (call.deadline - config_.acquire_timeout));
            call.exchange->Reply(JsonResponse(call, http::status::ok, mcp::Serialize(reply)));
        } else {
            call.exchange->Reply(RpcError(call, http::status::service_unavailable, kServerError,
                                          lease.error().message()));
        }
        return false;
    }
    call.lookup_started = std::chrono::steady_clock::now();
    auto access = access_.Resolve(*lease, call.bearer, need_session ? call.session_id : "");
    call.lookup_time = std::chrono::steady_clock::now() - call.lookup_started;
    if (!access.ok()) {
        call.exchange->Reply(RpcError(call, http::status::service_unavailable, kServerError,
                                      "Database unavailable: " + access.error().message()));
        return false;
    }
    if (!access->principal) {
        auth_failures_.RecordFailure(call.exchange->client_address(),
                                     std::chrono::steady_clock::now());
        call.exchange->Reply(
            Unauthorized(call, "invalid_token", "the bearer token is unknown or revoked"));
        return false;
    }
    call.principal = *access->principal;
    if (need_session && !access->session) {
        call.exchange->Reply(
            RpcError(call, http::status::not_found, kSessionNotFound,
                     "Session not found: it expired, was deleted or belongs to another user; send "
                     "initialize without Mcp-Session-Id to start a new one"));
        return false;
    }
    call.stored = std::move(access->session);
    return true;
}

void McpEndpoint::Post(std::shared_ptr<Call> call) {
    const HttpRequest& req = call->request;
    const auto accept = req[http::field::accept];
    if (!Accepts(accept, "application/json") || !Accepts(accept, "text/event-stream")) {
        return call->exchange->Reply(
            RpcError(*call, http::status::not_acceptable, kServerError,
                     "Not Acceptable: the client must accept both application/json and "
                     "text/event-stream"));
    }
    if (!IsJsonContentType(req[http::field::content_type])) {
        return call->exchange->Reply(
            RpcError(*call, http::status::unsupported_media_type, kServerError,
                     "Unsupported Media Type: Content-Type must be application/json"));
    }
    Json error;
    if (!mcp::ParseMessage(req.body(), call->message, error)) {
        return call->exchange->Reply(
            JsonResponse(*call, http::status::bad_request, mcp::Serialize(error)));
    }
    if (call->message.is_array()) {
        return call->exchange->Reply(
            RpcError(*call, http::status::bad_request, mcp::kInvalidRequest,
                     "Invalid Request: batches are not supported over HTTP; send one JSON-RPC "
                     "message per POST"));
    }
    call->incoming = mcp::Classify(call->message);
    if (call->incoming.kind == Kind::kInvalid) {
        return call->exchange->Reply(RpcError(*call, http::status::bad_request,
                                              mcp::kInvalidRequest,
                                              "Invalid Request: " + call->incoming.problem));
    }
    const bool initialize =
        call->incoming.kind == Kind::kRequest && call->incoming.method == "initialize";
    if (!initialize && call->session_id.empty()) {
        return call->exchange->Reply(
            RpcError(*call, http::status::bad_request, kServerError,
                     "Bad Request: Mcp-Session-Id header is required (send initialize "
                     "first to get one)"));
    }
    WithLease(*call, memory::AccessStore::ServerTenant(), "http_session",
              [this, call, initialize](pqpool::Result<pqpool::Lease> lease) {
                  if (!Authorize(*call, lease, !initialize)) return;
                  if (initialize) return Initialize(call, *lease);
                  lease->Release();
                  Dispatch(call);
              });
}

void McpEndpoint::Initialize(std::shared_ptr<Call> call, pqpool::Lease& lease) {
    const std::string id = memory::AccessStore::NewSessionId();
    mcp::Session session(SessionLogId(id), call->principal.user);
    const Json reply = dispatcher_.Handle(call->message, session);
    HttpResponse response = JsonResponse(*call, http::status::ok, mcp::Serialize(reply));
    if (reply.contains("result")) {
        auto stored =
            access_.CreateSession(lease, id, call->principal.user, session.protocol_version(),
                                  session.client_info(), session.client_capabilities());
        if (!stored.ok()) {
            return call->exchange->Reply(RpcError(
                *call, http::status::service_unavailable, kServerError,
                "Database unavailable: could not store the session: " + stored.error().message()));
        }
        response.set("Mcp-Session-Id", id);
    }
    call->exchange->Reply(std::move(response));
}

void McpEndpoint::Dispatch(std::shared_ptr<Call> call) {
    const memory::StoredSession& stored = *call->stored;
    call->session = std::make_unique<mcp::Session>(SessionLogId(call->session_id), stored.user,
                                                   call->session_key);
    call->session->SetInitialized(stored.protocol_version, stored.client_info,
                                  stored.client_capabilities);
    call->session->SelectProject(stored.selected_project);
    call->session->SetLogLevel(mcp::ParseLogLevel(stored.log_level));
    if (call->incoming.kind == Kind::kResponse) {
        if (auto problem = dispatcher_.DeliverResponse(call->message, *call->session);
            !problem.empty()) {
            return call->exchange->Reply(RpcError(*call, http::status::bad_request,
                                                  mcp::kInvalidRequest, "Bad Request: " + problem));
        }
        return call->exchange->Reply(HttpResponse{http::status::accepted, call->request.version()});
    }
    if (call->incoming.kind != Kind::kRequest) {
        (void)dispatcher_.Handle(call->message, *call->session);
        return call->exchange->Reply(HttpResponse{http::status::accepted, call->request.version()});
    }
    call->plan = dispatcher_.Plan(call->message, *call->session);
    if (call->plan.tool != nullptr && call->plan.tool->writes() && !call->principal.can_write) {
        HttpResponse response =
            RpcError(*call, http::status::forbidden, kServerError,
                     "Forbidden: insufficient_scope: " + call->plan.tool->name +
                         " writes, and this token is read-only (create one with --scope write)");
        response.set(http::field::www_authenticate,
                     "Bearer error=\"insufficient_scope\", scope=\"write\", "
                     "resource_metadata=\"" +
                         ResourceMetadataUrl(call->request) + "\"");
        return call->exchange->Reply(std::move(response));
    }
    // Without a caller pool, caller SQL takes no lease: the store refuses it and says why.
    if (call->plan.lease_tenant.empty() || (call->plan.caller_pool && caller_pool_ == nullptr)) {
        call->plan.lease_tenant.clear();
        return RunDispatch(std::move(call), pqpool::Lease());
    }
    const char* label =
        call->plan.tool != nullptr ? call->plan.tool->name.c_str() : call->incoming.method.c_str();
    AcquireOnWorkers(call->plan.caller_pool ? *caller_pool_ : *pool_, workers_, call->deadline,
                     pqpool::AcquireLabel(call->plan.lease_tenant, label),
                     [this, call](pqpool::Result<pqpool::Lease> lease) {
                         if (!lease.ok()) lease = WithTimeSpent(*call, lease.error());
                         RunDispatch(call, std::move(lease));
                     });
}

pqpool::Error McpEndpoint::WithTimeSpent(const Call& call, const pqpool::Error& error) const {
    using std::chrono::milliseconds;
    const auto arrived = call.deadline - config_.acquire_timeout;
    const auto waited = std::chrono::duration_cast<milliseconds>(call.lookup_started - arrived);
    const auto lookup = std::chrono::duration_cast<milliseconds>(call.lookup_time);
    if (2 * (waited + lookup) < config_.acquire_timeout) return error;
    return pqpool::Error(
        error.code(),
        error.message() + "; before that, this request waited " + std::to_string(waited.count()) +
            " ms for a connection to look up its session and the lookup took " +
            std::to_string(lookup.count()) + " ms, of its " +
            std::to_string(config_.acquire_timeout.count()) + " ms (MNEMO_ACQUIRE_TIMEOUT_MS)",
        error.sqlstate());
}

void McpEndpoint::RunDispatch(std::shared_ptr<Call> call, pqpool::Result<pqpool::Lease> lease) {
    std::optional<memory::LentLeaseScope> lent;
    if (!call->plan.lease_tenant.empty()) {
        lent.emplace(call->plan.lease_tenant, std::move(lease), call->plan.caller_pool);
    }
    mcp::Session& session = *call->session;
    const std::string selected_before = session.selected_project();
    const auto level_before = session.log_level();
    // The response turns into an SSE stream when the request sends anything before it; the
    // dispatcher calls `notify` only on this thread, during Handle.
    bool streaming = false;
    const mcp::Notifier notify = [&call, &streaming](const Json& message) {
        if (!streaming) {
            // Keep-alive comments: a tool may wait long for the client (elicitation).
            call->exchange->StartStream(HttpResponse{http::status::ok, call->request.version()},
                                        true);
            streaming = true;
        }
        call->exchange->StreamEvent(mcp::Serialize(message));
    };
    const Json reply = dispatcher_.Handle(call->message, session, notify);
    lent.reset();
    if (session.selected_project() != selected_before || session.log_level() != level_before) {
        SaveSessionState(*call);
    }
    if (streaming) {
        if (!reply.is_null()) call->exchange->StreamEvent(mcp::Serialize(reply));
        return call->exchange->EndStream();
    }
    if (reply.is_null()) {  // cancelled: no JSON-RPC response
        return call->exchange->Reply(
            HttpResponse{http::status::no_content, call->request.version()});
    }
    call->exchange->Reply(JsonResponse(*call, http::status::ok, mcp::Serialize(reply)));
}

void McpEndpoint::SaveSessionState(const Call& call) {
    // Rare (select_project, delete_project, logging/setLevel): a short blocking acquire on
    // this worker.
    const mcp::Session& session = *call.session;
    const auto level = session.log_level();
    auto server =
        pool_->Acquire(pqpool::AcquireLabel(memory::AccessStore::ServerTenant(), "session_state"));
    auto saved =
        server.ok() ? access_.SaveSessionState(
                          *server, call.session_id, call.principal.user, session.selected_project(),
                          level ? std::string(mcp::LogLevelName(*level)) : std::string())
                    : Status(memory::FromPool(server.error()));
    if (!saved.ok()) {
        log::Warning("session_save_failed",
                     {{"session", session.id()}, {"error", saved.error().message()}});
    }
}

void McpEndpoint::Get(std::shared_ptr<Call> call) {
    if (!Accepts(call->request[http::field::accept], "text/event-stream")) {
        return call->exchange->Reply(
            RpcError(*call, http::status::not_acceptable, kServerError,
                     "Not Acceptable: the client must accept text/event-stream"));
    }
    if (call->session_id.empty()) {
        return call->exchange->Reply(RpcError(*call, http::status::bad_request, kServerError,
                                              "Bad Request: Mcp-Session-Id header is required"));
    }
    WithLease(*call, memory::AccessStore::ServerTenant(), "http_stream",
              [this, call](pqpool::Result<pqpool::Lease> lease) {
                  if (!Authorize(*call, lease, true)) return;
                  lease->Release();
                  {
                      std::lock_guard lock(streams_mutex_);
                      auto& slot = streams_[call->session_key];
                      if (slot != nullptr && slot->open()) {
                          return call->exchange->Reply(
                              RpcError(*call, http::status::conflict, kServerError,
                                       "Conflict: this session already has an open GET stream"));
                      }
                      slot = call->exchange;
                      // Forget streams that ended, so the map stays as small as the open ones.
                      std::erase_if(streams_, [](const auto& entry) {
                          return entry.second == nullptr || !entry.second->open();
                      });
                  }
                  call->exchange->StartStream(
                      HttpResponse{http::status::ok, call->request.version()}, true);
              });
}

void McpEndpoint::Delete(std::shared_ptr<Call> call) {
    if (call->session_id.empty()) {
        return call->exchange->Reply(RpcError(*call, http::status::bad_request, kServerError,
                                              "Bad Request: Mcp-Session-Id header is required"));
    }
    WithLease(
        *call, memory::AccessStore::ServerTenant(), "http_delete",
        [this, call](pqpool::Result<pqpool::Lease> lease) {
            if (!Authorize(*call, lease, true)) return;
            auto deleted = access_.DeleteSession(*lease, call->session_id, call->principal.user);
            if (!deleted.ok()) {
                return call->exchange->Reply(
                    RpcError(*call, http::status::service_unavailable, kServerError,
                             "Database unavailable: " + deleted.error().message()));
            }
            std::shared_ptr<Exchange> stream;
            {
                std::lock_guard lock(streams_mutex_);
                if (auto found = streams_.find(call->session_key); found != streams_.end()) {
                    stream = std::move(found->second);
                    streams_.erase(found);
                }
            }
            if (stream != nullptr) stream->EndStream();
            if (subscriptions_ != nullptr) subscriptions_->Forget(call->session_key);
            log::Info("session_deleted", {{"session", SessionLogId(call->session_id)}});
            call->exchange->Reply(HttpResponse{
                *deleted ? http::status::ok : http::status::not_found, call->request.version()});
        });
}

void McpEndpoint::CloseStreams() {
    std::map<std::string, std::shared_ptr<Exchange>> streams;
    {
        std::lock_guard lock(streams_mutex_);
        streams.swap(streams_);
    }
    for (auto& [id, stream] : streams) stream->EndStream();
}

}  // namespace mnemo::transport

// SPDX-License-Identifier: MIT
// McpEndpoint: header checks, the asynchronous lease steps, sessions, scopes and SSE.
#include "transport/mcp_endpoint.hpp"

#include <algorithm>
#include <optional>

#include "mcp/jsonrpc.hpp"
#include "transport/http_checks.hpp"
#include "util/digest.hpp"
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

/// The session as the request left it, when the request changed its project or log level.
std::optional<SessionRecord> ChangedRecord(const SessionRecord& before,
                                           const mcp::Session& session) {
    const auto level = session.log_level();
    SessionRecord after = before;
    after.selected_project = session.selected_project();
    after.log_level = level ? std::string(mcp::LogLevelName(*level)) : std::string();
    if (after.selected_project == before.selected_project && after.log_level == before.log_level) {
        return std::nullopt;
    }
    return after;
}

/// Opens the SSE response of `request` and sends the messages held back until then.
void StartStream(Exchange& exchange, const HttpRequest& request, std::vector<Json>& held) {
    // Keep-alive comments: a tool may wait long for the client (elicitation).
    exchange.StartStream(HttpResponse{http::status::ok, request.version()}, true);
    for (const Json& earlier : held) exchange.StreamEvent(mcp::Serialize(earlier));
    held.clear();
}

}  // namespace

struct McpEndpoint::Call {
    /// Every lease this request waits for shares one deadline: the acquire timeout bounds the
    /// request's whole wait, not each step.
    std::chrono::steady_clock::time_point deadline;
    HttpRequest request;
    std::shared_ptr<Exchange> exchange;
    std::optional<std::string> bearer;  // nullopt: authentication is off
    std::string session_id;
    std::string session_key;  // SHA-256 of session_id: the in-process key of the session
    Json message;
    mcp::Incoming incoming;
    // Set when the backend plans the call (Planner), on the session as stored.
    std::unique_ptr<mcp::Session> session;
    mcp::CallPlan plan;
    Principal principal;
    SessionRecord record;
    bool readmitted = false;  // admitted again after the session changed elsewhere
};

McpEndpoint::McpEndpoint(const Config& config, const mcp::Dispatcher& dispatcher, Backend& backend,
                         transport::Post post, ThreadLender* lender,
                         util::AuthFailureLimiter& auth_failures, mcp::Subscriptions* subscriptions)
    : config_(config),
      dispatcher_(dispatcher),
      backend_(backend),
      post_(std::move(post)),
      lender_(lender),
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
    if (!call->session_id.empty()) call->session_key = util::Sha256Hex(call->session_id);
    switch (req.method()) {
        case http::verb::post: return HandlePost(std::move(call));
        case http::verb::get: return HandleGet(std::move(call));
        case http::verb::delete_: return HandleDelete(std::move(call));
        default: {
            HttpResponse response = RpcError(*call, http::status::method_not_allowed, kServerError,
                                             "Method not allowed on /mcp");
            response.set(http::field::allow, "GET, POST, DELETE");
            return call->exchange->Reply(std::move(response));
        }
    }
}

void McpEndpoint::Refuse(const Call& call, Verdict verdict, const std::string& problem,
                         const std::string& error_type) {
    switch (verdict) {
        case Verdict::kBadToken:
            auth_failures_.RecordFailure(call.exchange->client_address(),
                                         std::chrono::steady_clock::now());
            return call.exchange->Reply(
                Unauthorized(call, "invalid_token", "the bearer token is unknown or revoked"));
        case Verdict::kNoSession:
            return call.exchange->Reply(RpcError(
                call, http::status::not_found, kSessionNotFound,
                "Session not found: it expired, was deleted or belongs to another user; send "
                "initialize without Mcp-Session-Id to start a new one"));
        case Verdict::kChanged:
            return call.exchange->Reply(
                RpcError(call, http::status::service_unavailable, kServerError,
                         "Service Unavailable: the session changed on another server while this "
                         "request ran; send it again"));
        case Verdict::kAdmitted:
        case Verdict::kUnavailable: break;
    }
    // A tool call is answered like any tool that could not get a lease in time: logged and
    // counted (mnemo_pool_acquire_timeouts_total) like any failed call.
    if (call.incoming.kind == Kind::kRequest && call.incoming.method == "tools/call" &&
        !error_type.empty()) {
        const Json reply = dispatcher_.FailedToolCall(
            call.message, SessionLogIdOfKey(call.session_key),
            mcp::ToolResult::Error(error_type, problem),
            std::chrono::steady_clock::now() - (call.deadline - config_.acquire_timeout));
        return call.exchange->Reply(JsonResponse(call, http::status::ok, mcp::Serialize(reply)));
    }
    call.exchange->Reply(RpcError(call, http::status::service_unavailable, kServerError,
                                  problem.empty() ? "Service Unavailable" : problem));
}

bool McpEndpoint::Proceeds(Call& call, Verdict verdict, const std::function<void()>& again) {
    if (verdict == Verdict::kAdmitted) return true;
    if (verdict == Verdict::kChanged && !call.readmitted) {
        call.readmitted = true;
        again();
    } else {
        Refuse(call, verdict);
    }
    return false;
}

void McpEndpoint::HandlePost(std::shared_ptr<Call> call) {
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
    if (call->incoming.kind == Kind::kRequest && call->incoming.method == "initialize") {
        return Lend([this, call] {
            backend_.Admit(
                post_, call->bearer, "", call->deadline, {},
                [this, call](Admission admission) { Initialize(call, std::move(admission)); });
        });
    }
    if (call->session_id.empty()) {
        return call->exchange->Reply(
            RpcError(*call, http::status::bad_request, kServerError,
                     "Bad Request: Mcp-Session-Id header is required (send initialize "
                     "first to get one)"));
    }
    Admit(std::move(call));
}

void McpEndpoint::Admit(std::shared_ptr<Call> call) {
    // The planner runs on a worker once the session is known: the session the dispatcher
    // sees is the stored one, and the plan names the lease the backend takes.
    Planner planner = [this, call](const Principal& principal, const SessionRecord& record) {
        call->principal = principal;
        call->record = record;
        call->session = std::make_unique<mcp::Session>(SessionLogIdOfKey(call->session_key),
                                                       record.user, call->session_key);
        call->session->SetInitialized(record.protocol_version, record.client_info,
                                      record.client_capabilities);
        call->session->SelectProject(record.selected_project);
        call->session->SetLogLevel(mcp::ParseLogLevel(record.log_level));
        call->plan = call->incoming.kind == Kind::kRequest
                         ? dispatcher_.Plan(call->incoming, *call->session)
                         : mcp::CallPlan{};
        const std::string label = call->plan.tool != nullptr ? call->plan.tool->name
                                  : call->incoming.kind == Kind::kRequest
                                      ? call->incoming.method
                                      : std::string("http_message");
        return LeaseNeed{call->plan.lease_tenant, call->plan.caller_pool, label,
                         call->plan.may_wait_on_client};
    };
    Lend([this, call, planner = std::move(planner)] {
        backend_.Admit(post_, call->bearer, call->session_id, call->deadline, planner,
                       [this, call](Admission admission) { Dispatch(call, std::move(admission)); });
    });
}

void McpEndpoint::AdmitWithoutPlan(const std::shared_ptr<Call>& call, const char* label,
                                   std::function<void(Admission)> then) {
    Lend([this, call, label, then = std::move(then)] {
        backend_.Admit(
            post_, call->bearer, call->session_id, call->deadline,
            [label](const Principal&, const SessionRecord&) {
                return LeaseNeed{"", false, label, false};
            },
            then);
    });
}

void McpEndpoint::Lend(const std::function<void()>& admit) {
    if (lender_ == nullptr || !lender_->TryLend()) return post_(admit);
    admit();
    lender_->Return();
}

void McpEndpoint::Initialize(std::shared_ptr<Call> call, Admission admission) {
    if (admission.verdict != Verdict::kAdmitted) {
        return Refuse(*call, admission.verdict, admission.problem);
    }
    const std::string id = backend_.NewSessionId();
    mcp::Session session(SessionLogId(id), admission.principal.user);
    const Json reply = dispatcher_.Handle(call->message, call->incoming, session);
    HttpResponse response = JsonResponse(*call, http::status::ok, mcp::Serialize(reply));
    if (reply.contains("result")) {
        SessionRecord record{admission.principal.user,
                             session.protocol_version(),
                             session.client_info(),
                             session.client_capabilities(),
                             "",
                             ""};
        if (auto problem = admission.ticket->CreateSession(id, record); !problem.empty()) {
            return call->exchange->Reply(
                RpcError(*call, http::status::service_unavailable, kServerError,
                         "Database unavailable: could not store the session: " + problem));
        }
        response.set("Mcp-Session-Id", id);
    }
    call->exchange->Reply(std::move(response));
}

void McpEndpoint::Dispatch(std::shared_ptr<Call> call, Admission admission) {
    if (admission.verdict != Verdict::kAdmitted) {
        return Refuse(*call, admission.verdict, admission.problem, admission.error_type);
    }
    std::unique_ptr<Ticket> ticket = std::move(admission.ticket);
    // Whatever this request answers, its token and session are confirmed first.
    auto confirmed = [&]() {
        const Verdict verdict = ticket->Confirm().value_or(Verdict::kUnavailable);
        if (verdict != Verdict::kAdmitted) ticket.reset();
        return Proceeds(*call, verdict, [&] { Admit(call); });
    };
    if (call->incoming.kind == Kind::kResponse) {
        if (!confirmed()) return;
        if (auto problem = dispatcher_.DeliverResponse(call->message, *call->session);
            !problem.empty()) {
            return call->exchange->Reply(RpcError(*call, http::status::bad_request,
                                                  mcp::kInvalidRequest, "Bad Request: " + problem));
        }
        return call->exchange->Reply(HttpResponse{http::status::accepted, call->request.version()});
    }
    if (call->incoming.kind != Kind::kRequest) {
        if (!confirmed()) return;
        ticket->Run(
            [&] { (void)dispatcher_.Handle(call->message, call->incoming, *call->session); });
        return call->exchange->Reply(HttpResponse{http::status::accepted, call->request.version()});
    }
    if (call->plan.tool != nullptr && call->plan.tool->writes() && !call->principal.can_write) {
        if (!confirmed()) return;
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
    // The response turns into an SSE stream when the request sends anything before it; the
    // dispatcher calls `notify` only on this thread, during Handle. Nothing goes out before
    // the check passed: until it is decided, messages wait here.
    auto held = std::make_shared<std::vector<Json>>();
    bool streaming = false;
    bool refused = false;
    Ticket& running = *ticket;
    const mcp::Notifier notify = [&](const Json& message) {
        if (refused) return;
        if (!streaming) {
            const auto verdict = running.Confirm();
            if (!verdict) {
                held->push_back(message);
                return;
            }
            if (*verdict != Verdict::kAdmitted) {
                refused = true;
                return;
            }
            StartStream(*call->exchange, call->request, *held);
            streaming = true;
        }
        call->exchange->StreamEvent(mcp::Serialize(message));
    };
    Json reply;
    ticket->Run([&] {
        reply =
            dispatcher_.Handle(call->message, call->incoming, *call->session, notify, &call->plan);
    });
    if (streaming) {
        // Confirmed before the stream started: the rest only ends the ticket.
        backend_.Finish(post_, std::move(ticket), ChangedRecord(call->record, *call->session),
                        call->session_id, [](Verdict) {});
        if (!reply.is_null()) call->exchange->StreamEvent(mcp::Serialize(reply));
        return call->exchange->EndStream();
    }
    backend_.Finish(
        post_, std::move(ticket), ChangedRecord(call->record, *call->session), call->session_id,
        [this, call, held, reply = std::move(reply)](Verdict verdict) {
            if (!Proceeds(*call, verdict, [&] { Admit(call); })) return;
            if (!held->empty()) {
                StartStream(*call->exchange, call->request, *held);
                if (!reply.is_null()) call->exchange->StreamEvent(mcp::Serialize(reply));
                return call->exchange->EndStream();
            }
            if (reply.is_null()) {  // cancelled: no JSON-RPC response
                return call->exchange->Reply(
                    HttpResponse{http::status::no_content, call->request.version()});
            }
            call->exchange->Reply(JsonResponse(*call, http::status::ok, mcp::Serialize(reply)));
        });
}

void McpEndpoint::HandleGet(std::shared_ptr<Call> call) {
    if (!Accepts(call->request[http::field::accept], "text/event-stream")) {
        return call->exchange->Reply(
            RpcError(*call, http::status::not_acceptable, kServerError,
                     "Not Acceptable: the client must accept text/event-stream"));
    }
    if (call->session_id.empty()) {
        return call->exchange->Reply(RpcError(*call, http::status::bad_request, kServerError,
                                              "Bad Request: Mcp-Session-Id header is required"));
    }
    auto then = [this, call](Admission admission) {
        if (admission.verdict != Verdict::kAdmitted) {
            return Refuse(*call, admission.verdict, admission.problem);
        }
        const Verdict verdict = admission.ticket->Confirm().value_or(Verdict::kUnavailable);
        admission.ticket.reset();
        // kChanged: the check compared a project this stream ignores.
        if (!Proceeds(*call, verdict, [&] { HandleGet(call); })) return;
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
        call->exchange->StartStream(HttpResponse{http::status::ok, call->request.version()}, true);
    };
    AdmitWithoutPlan(call, "http_stream", std::move(then));
}

void McpEndpoint::HandleDelete(std::shared_ptr<Call> call) {
    if (call->session_id.empty()) {
        return call->exchange->Reply(RpcError(*call, http::status::bad_request, kServerError,
                                              "Bad Request: Mcp-Session-Id header is required"));
    }
    auto then = [this, call](Admission admission) {
        if (admission.verdict != Verdict::kAdmitted) {
            return Refuse(*call, admission.verdict, admission.problem);
        }
        std::string problem;
        // The check, when pending, rides in front of the delete.
        const auto deleted = admission.ticket->DeleteSession(call->session_id, problem);
        const Verdict verdict = admission.ticket->Confirm().value_or(Verdict::kUnavailable);
        admission.ticket.reset();
        // kChanged: nothing was deleted, the check stopped it.
        if (!Proceeds(*call, verdict, [&] { HandleDelete(call); })) return;
        if (!deleted) {
            return Refuse(*call, Verdict::kUnavailable, "Database unavailable: " + problem);
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
        log::Info("session_deleted", {{"session", SessionLogIdOfKey(call->session_key)}});
        call->exchange->Reply(HttpResponse{*deleted ? http::status::ok : http::status::not_found,
                                           call->request.version()});
    };
    AdmitWithoutPlan(call, "http_delete", std::move(then));
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

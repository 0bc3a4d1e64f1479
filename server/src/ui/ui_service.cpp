// SPDX-License-Identifier: MIT
// UiService: files, the worker hand-off, sessions (login, cookie, CSRF) and API routing.
#include "ui/ui_service.hpp"

#include <chrono>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "ui/ui_assets.hpp"
#include "ui/ui_http.hpp"
#include "util/log.hpp"

namespace mnemo::ui {
namespace {

using util::RouteRequest;
using util::RouteResponse;

/// API calls run here; each may wait for a lease, so a few of them, not the I/O threads.
constexpr std::size_t kWorkerThreads = 4;
/// The longest token a cookie may carry (tokens are "mnemo_" + 64 hex digits).
constexpr std::size_t kMaxTokenBytes = 256;

/// Tokens are cookie-safe by construction; anything else is refused before a lookup.
bool TokenShaped(std::string_view token) {
    if (token.empty() || token.size() > kMaxTokenBytes) return false;
    for (const char c : token) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '~';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

struct UiService::Workers {
    boost::asio::thread_pool pool{kWorkerThreads};
};

UiService::UiService(UiServices services)
    : services_(services),
      process_key_(memory::AccessStore::NewSessionId()),
      workers_(std::make_unique<Workers>()) {}

UiService::~UiService() { workers_->pool.join(); }

void UiService::Stop() {
    workers_->pool.stop();
    workers_->pool.join();
}

void UiService::Handle(RouteRequest request, util::RouteReply reply) {
    const std::string& path = request.path;
    if (path.starts_with("/ui/api/")) {
        auto shared = std::make_shared<RouteRequest>(std::move(request));
        boost::asio::post(workers_->pool, [this, shared, reply = std::move(reply)] {
            RouteResponse response;
            try {
                response = Api(std::move(*shared));
            } catch (const std::exception& error) {
                log::Error("ui_api_failed", {{"path", shared->path}, {"error", error.what()}});
                response = ErrorReply(500, "internal error (logged)");
            }
            reply(std::move(response));
        });
        return;
    }
    if (request.method != "GET") {
        auto response = ErrorReply(405, "only GET is served here");
        response.headers.emplace_back("Allow", "GET");
        return reply(std::move(response));
    }
    std::string_view name;
    if (path == "/ui" || path == "/ui/") {
        name = "index.html";
    } else if (path.starts_with("/ui/assets/")) {
        name = std::string_view(path).substr(11);
    }
    const UiAsset* asset = name.empty() ? nullptr : FindUiAsset(name);
    if (asset == nullptr) {
        return reply(Secured(404, "text/plain; charset=utf-8", "not found\n"));
    }
    auto response = Secured(200, std::string(asset->content_type), std::string(asset->body));
    response.headers.emplace_back("Cache-Control", "no-cache");
    reply(std::move(response));
}

RouteResponse UiService::Api(RouteRequest request) {
    const std::string endpoint = request.path.substr(8);
    const bool post = request.method == "POST";
    if (!post && request.method != "GET") {
        auto response = ErrorReply(405, "the API takes GET and POST");
        response.headers.emplace_back("Allow", "GET, POST");
        return response;
    }
    // An upload's body is the file itself; every other change is a JSON object.
    const bool upload = post && endpoint == "import";
    if (post) {
        if (!SameOriginWrite(request, services_.config.http.public_url)) {
            return ErrorReply(403,
                              "cross-origin write refused: changes come only from mnemo's "
                              "own pages");
        }
        if (upload && !HasMediaType(request.Header("content-type"), "application/octet-stream")) {
            return ErrorReply(415, "an upload must be sent as application/octet-stream");
        }
        if (!upload && !IsJson(request.Header("content-type"))) {
            return ErrorReply(415, "a change must be sent as application/json");
        }
    }
    if (endpoint == "login") {
        if (!post) return ErrorReply(405, "log in with POST {\"token\": ...}");
        return Login(request);
    }
    RouteResponse failure;
    auto principal = Authenticate(request, failure);
    if (!principal) return failure;
    UiCall call{std::move(request), *principal, {}, nullptr};
    auto query = ParseQuery(call.request.target);
    if (!query) return ErrorReply(400, "malformed query string (a bad %-escape)");
    call.query = std::move(*query);
    if (post) {
        const std::string sent(call.request.Header(std::string(kCsrfHeader)));
        if (sent.empty() || !SameSecret(sent, CsrfToken(CsrfSecret(call.request)))) {
            return ErrorReply(403, "missing or wrong CSRF token (X-CSRF-Token): reload the page");
        }
        if (!upload) {
            call.body = nlohmann::json::parse(call.request.body, nullptr, false);
            if (!call.body.is_object()) return ErrorReply(400, "the body must be a JSON object");
        }
        if (endpoint != "logout" && !call.principal.can_write) {
            return ErrorReply(403,
                              "this token is read-only: create one with --scope write to "
                              "change memory");
        }
    }
    return Route(call);
}

RouteResponse UiService::Route(UiCall& call) {
    const std::string endpoint = call.request.path.substr(8);
    const bool post = call.request.method == "POST";
    if (post) {
        if (endpoint == "logout") {
            auto response = JsonReply(200, {{"logged_out", true}});
            response.headers.emplace_back("Set-Cookie", SessionCookie("", true));
            return response;
        }
        if (endpoint == "edit") return Edit(call);
        if (endpoint == "archive") return Archive(call);
        if (endpoint == "restore") return Restore(call);
        if (endpoint == "import") return Import(call);
        return ErrorReply(404, "no such change: " + endpoint);
    }
    if (endpoint == "session") return Session(call);
    if (endpoint == "projects") return Projects(call);
    if (endpoint == "project") return Project(call);
    if (endpoint == "handovers") return Handovers(call);
    if (endpoint == "topics") return Topics(call);
    if (endpoint == "versions") return Versions(call);
    if (endpoint == "version") return Version(call);
    if (endpoint == "search") return Search(call);
    if (endpoint == "files") return Files(call);
    if (endpoint == "live") return Live(call);
    if (endpoint == "export") return Export(call);
    return ErrorReply(404, "no such endpoint: /ui/api/" + endpoint);
}

std::optional<memory::Principal> UiService::Authenticate(const RouteRequest& request,
                                                         RouteResponse& failure) {
    if (!services_.config.http.require_token) return memory::Principal{"", true};
    const std::string token = CookieValue(request.Header("cookie"), kSessionCookie);
    if (token.empty()) {
        failure = ErrorReply(401, "not logged in: paste a token on the login page");
        return std::nullopt;
    }
    // Before the token is looked at: a limited client cannot tell a hit from a refusal.
    const auto now = std::chrono::steady_clock::now();
    if (services_.auth_failures != nullptr) {
        if (const auto wait = services_.auth_failures->RetryAfter(request.client_address, now);
            wait.count() > 0) {
            failure =
                ErrorReply(429, "too many failed token attempts from this address; retry in " +
                                    std::to_string(wait.count()) + " s");
            failure.headers.emplace_back("Retry-After", std::to_string(wait.count()));
            return std::nullopt;
        }
    }
    const auto record_failure = [&] {
        if (services_.auth_failures != nullptr) {
            services_.auth_failures->RecordFailure(request.client_address, now);
        }
    };
    if (!TokenShaped(token)) {
        record_failure();
        failure = ErrorReply(401, "the session cookie is not a mnemo token: log in again");
        failure.headers.emplace_back("Set-Cookie", SessionCookie("", true));
        return std::nullopt;
    }
    auto lease = services_.store.pool().Acquire(
        pqpool::AcquireLabel(memory::AccessStore::ServerTenant(), "ui_session"));
    if (!lease.ok()) {
        failure = ErrorReply(503, lease.error().message());
        return std::nullopt;
    }
    auto resolved = services_.access.Resolve(*lease, token, "");
    if (!resolved.ok()) {
        failure = ErrorReply(503, "Database unavailable: " + resolved.error().message());
        return std::nullopt;
    }
    if (!resolved->principal) {
        record_failure();
        failure = ErrorReply(401, "the session's token is unknown or revoked: log in again");
        failure.headers.emplace_back("Set-Cookie", SessionCookie("", true));
        return std::nullopt;
    }
    return resolved->principal;
}

RouteResponse UiService::Login(const RouteRequest& request) {
    if (!services_.config.http.require_token) {
        return ErrorReply(400, "authentication is off (MNEMO_AUTH=none): no login needed");
    }
    const auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
        return ErrorReply(400, "send {\"token\": \"<token from `mnemo token create`>\"}");
    }
    std::string token = body["token"].get<std::string>();
    while (!token.empty() && (token.back() == ' ' || token.back() == '\n')) token.pop_back();
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    if (token.starts_with("Bearer ")) token.erase(0, 7);
    if (!TokenShaped(token)) {
        return ErrorReply(400, "that is not a mnemo token (expected mnemo_ and 64 hex digits)");
    }
    RouteRequest with_cookie = request;
    with_cookie.headers["cookie"] = std::string(kSessionCookie) + "=" + token;
    RouteResponse failure;
    const auto principal = Authenticate(with_cookie, failure);
    if (!principal) {
        if (failure.status == 401) {
            log::Warning("ui_login_refused", {{"client", request.client_address}});
            return ErrorReply(401, "the token is unknown or revoked");
        }
        return failure;
    }
    log::Info("ui_login", {{"user", principal->user}, {"can_write", principal->can_write}});
    auto response = JsonReply(200, {{"user", principal->user},
                                    {"can_write", principal->can_write},
                                    {"csrf", CsrfToken(token)}});
    response.headers.emplace_back("Set-Cookie", SessionCookie(token, false));
    return response;
}

std::string UiService::CsrfSecret(const RouteRequest& request) const {
    if (!services_.config.http.require_token) return process_key_;
    return CookieValue(request.Header("cookie"), kSessionCookie);
}

std::string UiService::SessionCookie(const std::string& value, bool clear) const {
    std::string cookie = std::string(kSessionCookie) + "=" + value +
                         "; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=" +
                         (clear ? "0" : std::to_string(services_.config.http.session_ttl.count()));
    if (services_.config.http.public_url.starts_with("https://")) cookie += "; Secure";
    return cookie;
}

RouteResponse UiService::Session(const UiCall& call) const {
    return JsonReply(200, {{"user", call.principal.user},
                           {"can_write", call.principal.can_write},
                           {"auth", services_.config.http.require_token ? "token" : "none"},
                           {"csrf", CsrfToken(CsrfSecret(call.request))},
                           {"max_content_bytes", services_.config.max_content_bytes},
                           {"max_upload_bytes", services_.config.http.max_upload_bytes},
                           {"features", {{"export", true}, {"import", true}}}});
}

}  // namespace mnemo::ui

// SPDX-License-Identifier: MIT
// UiService: /ui — the memory browser's files and its JSON API, with the /mcp tokens.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "mcp/subscriptions.hpp"
#include "memory/access_store.hpp"
#include "memory/store.hpp"
#include "util/auth_failure_limiter.hpp"
#include "util/http_route.hpp"
#include "util/metrics.hpp"

namespace mnemo::ui {

/// What the memory browser reads and changes. All outlive the UiService.
struct UiServices {
    memory::Store& store;
    const memory::AccessStore& access;
    const Config& config;
    const util::Metrics& metrics;
    /// Told when a context changes (as lock_context does); may be null.
    mcp::Subscriptions* subscriptions = nullptr;
    /// The server's failed-token limiter, shared with /mcp and the hooks route: a client over
    /// it gets 429 before its cookie or pasted token is looked up. Null: no limit (tests).
    util::AuthFailureLimiter* auth_failures = nullptr;
};

/// One browser request after authentication: who acts, and the request itself.
struct UiCall {
    util::RouteRequest request;
    memory::Principal principal;
    std::map<std::string, std::string> query;
    nlohmann::json body;  // a POST's JSON object; null for GET
};

/// Serves GET /ui (the page), /ui/assets/NAME (its files) and /ui/api/... (JSON; see
/// docs/ui.md). The API authenticates like /mcp: the token (from the session cookie set by
/// POST /ui/api/login, or none when MNEMO_AUTH=none) names a user, who sees only their own
/// projects; a read-scope token gets 403 on every change. Every POST but login must carry
/// the session's CSRF token in X-CSRF-Token, a JSON body (import: the file, as
/// application/octet-stream), and no foreign Origin.
///
/// Handle never blocks: files are answered at once, API calls run on the service's own small
/// worker pool (each takes leases from the store's pool, bounded by its acquire timeout).
///
/// Thread safety: Handle may run concurrently from any thread.
class UiService final : public util::RouteHandler {
public:
    explicit UiService(UiServices services);
    ~UiService() override;
    UiService(const UiService&) = delete;
    UiService& operator=(const UiService&) = delete;

    void Handle(util::RouteRequest request, util::RouteReply reply) override;
    /// POST /ui/api/import takes files up to config.http.max_upload_bytes; the rest, the
    /// server's limit.
    [[nodiscard]] util::BodyLimit BodyLimitFor(std::string_view method,
                                               std::string_view path) const override;
    /// Drops queued API calls and waits for running ones (the server is shutting down).
    void Stop() override;

private:
    struct Workers;

    /// On a worker: authenticates, checks a write's CSRF token, then runs the endpoint.
    [[nodiscard]] util::RouteResponse Api(util::RouteRequest request);
    [[nodiscard]] util::RouteResponse Login(const util::RouteRequest& request);
    /// The principal of the request's cookie (or the local owner without authentication);
    /// nullopt when not logged in. Sets `failure` to the answer when it cannot tell.
    [[nodiscard]] std::optional<memory::Principal> Authenticate(const util::RouteRequest& request,
                                                                util::RouteResponse& failure);
    /// The secret the CSRF token is derived from: the session's token, else the process key.
    [[nodiscard]] std::string CsrfSecret(const util::RouteRequest& request) const;
    [[nodiscard]] std::string SessionCookie(const std::string& value, bool clear) const;

    [[nodiscard]] util::RouteResponse Route(UiCall& call);
    [[nodiscard]] util::RouteResponse Session(const UiCall& call) const;
    [[nodiscard]] util::RouteResponse Projects(const UiCall& call);
    [[nodiscard]] util::RouteResponse Project(const UiCall& call);
    [[nodiscard]] util::RouteResponse Handovers(const UiCall& call);
    [[nodiscard]] util::RouteResponse Topics(const UiCall& call);
    [[nodiscard]] util::RouteResponse Versions(const UiCall& call);
    [[nodiscard]] util::RouteResponse Version(const UiCall& call);
    [[nodiscard]] util::RouteResponse Search(const UiCall& call);
    [[nodiscard]] util::RouteResponse Files(const UiCall& call);
    [[nodiscard]] util::RouteResponse Live(const UiCall& call) const;
    [[nodiscard]] util::RouteResponse Edit(const UiCall& call);
    [[nodiscard]] util::RouteResponse Archive(const UiCall& call);
    [[nodiscard]] util::RouteResponse Restore(const UiCall& call);
    /// GET export?p=: the project as `mnemo export --project` writes it, as an attachment.
    [[nodiscard]] util::RouteResponse Export(const UiCall& call);
    /// POST import?format=&project=&dry_run=: the body is the file (ui_transfer.cpp).
    [[nodiscard]] util::RouteResponse Import(UiCall& call);

    UiServices services_;
    const std::string process_key_;  // the CSRF secret without authentication
    std::unique_ptr<Workers> workers_;
};

}  // namespace mnemo::ui

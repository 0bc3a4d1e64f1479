// SPDX-License-Identifier: MIT
// Hook events over HTTP.
#include "hooks/http_hooks.hpp"

#include <chrono>

#include "util/log.hpp"

namespace mnemo::hooks {
namespace {

HttpHookAnswer Fail(unsigned status, const std::string& message) {
    return {status, nlohmann::json{{"error", message}}.dump(), false};
}

}  // namespace

HttpHookAnswer AnswerHttpHook(memory::Store& store, const memory::AccessStore& access,
                              const Config& config, const std::optional<std::string>& bearer,
                              const std::string& body) {
    const auto start = std::chrono::steady_clock::now();
    auto event = ParseHookEvent(body, std::nullopt);
    if (!event.ok()) return Fail(400, event.error().message());
    memory::Principal principal;
    {
        auto lease = store.pool().Acquire(
            std::chrono::steady_clock::now() + config.acquire_timeout,
            pqpool::AcquireLabel(memory::AccessStore::ServerTenant(), "hook_auth"));
        if (!lease.ok()) return Fail(503, "Database unavailable: " + lease.error().message());
        auto resolved = access.Resolve(*lease, bearer, "");
        if (!resolved.ok()) return Fail(503, "Database unavailable: " + resolved.error().message());
        if (!resolved->principal) {
            HttpHookAnswer answer = Fail(401, "the bearer token is unknown or revoked");
            answer.bad_token = true;
            return answer;
        }
        principal = *resolved->principal;
    }
    const bool writes =
        event->kind == HookEventKind::kPreCompact || event->kind == HookEventKind::kSessionEnd;
    if (writes && !principal.can_write) {
        return Fail(403, std::string("this token is read-only: ") + HookEventName(event->kind) +
                             " stores an automatic handover and needs a write token");
    }
    const std::string project = HookProjectName(event->cwd);
    if (project.empty()) return Fail(400, "no project name comes of cwd '" + event->cwd + "'");
    HookSettings settings;
    settings.min_score = config.hook_min_score;
    settings.read_transcripts = false;
    HookHandler handler(store, settings);
    auto outcome =
        handler.Handle(memory::ProjectRef(principal.user, project), *event, principal.can_write);
    const double latency =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!outcome.ok()) {
        log::Warning("hook_skipped", {{"hook_event", HookEventName(event->kind)},
                                      {"project", project},
                                      {"user", principal.user},
                                      {"reason", outcome.error().message()},
                                      {"latency_ms", latency}});
        const ErrorCode code = outcome.error().code();
        if (code == ErrorCode::kInvalidArgument || code == ErrorCode::kRefused ||
            code == ErrorCode::kProjectMissing || code == ErrorCode::kNotFound) {
            return Fail(400, outcome.error().message());
        }
        return Fail(503, outcome.error().message());
    }
    log::Info("hook_answered", {{"hook_event", HookEventName(event->kind)},
                                {"project", project},
                                {"user", principal.user},
                                {"result", outcome->note},
                                {"latency_ms", latency}});
    return {200, outcome->output.is_null() ? std::string() : outcome->output.dump(), false};
}

}  // namespace mnemo::hooks

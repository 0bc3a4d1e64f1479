// SPDX-License-Identifier: MIT
// `mnemo hook EVENT`: a Claude Code command hook that is never in the way.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "cli/commands.hpp"
#include "cli/database.hpp"
#include "hooks/hook_handler.hpp"
#include "memory/migrations.hpp"
#include "memory/secret_check.hpp"
#include "util/log.hpp"

namespace mnemo::cli {
namespace {

using Clock = std::chrono::steady_clock;

/// What the worker hands back to the waiting main thread.
struct HookResult {
    std::mutex mutex;
    std::condition_variable done_changed;
    bool done = false;
    std::string stdout_text;
};

double MillisSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string ReadStdin() {
    std::string body;
    char buffer[65536];
    while (body.size() <= hooks::kMaxHookEventBytes) {
        const std::size_t got = std::fread(buffer, 1, sizeof buffer, stdin);
        if (got == 0) break;
        body.append(buffer, got);
    }
    return body;
}

/// The hook's work: read the event, open the database, answer. Returns what to print on
/// stdout ("" = nothing); every failure is logged and answered with nothing.
std::string RunHookWork(const Config& config, hooks::HookEventKind kind, bool project_from_env,
                        Clock::time_point start, Clock::time_point deadline) {
    const char* name = hooks::HookEventName(kind);
    auto event = hooks::ParseHookEvent(ReadStdin(), kind);
    if (!event.ok()) {
        log::Warning("hook_ignored", {{"hook_event", name}, {"reason", event.error().message()}});
        return {};
    }
    const std::string project =
        project_from_env ? config.default_project : hooks::HookProjectName(event->cwd);
    if (project.empty()) {
        log::Warning("hook_ignored", {{"hook_event", name},
                                      {"reason", "no project name comes of cwd '" + event->cwd +
                                                     "' (set MNEMO_PROJECT)"}});
        return {};
    }
    auto db = OpenDatabaseForHook(config, deadline);
    if (!db.ok()) {
        log::Warning("hook_skipped", {{"hook_event", name},
                                      {"project", project},
                                      {"reason", db.error().message()},
                                      {"latency_ms", MillisSince(start)}});
        return {};
    }
    hooks::HookSettings settings;
    settings.min_score = config.hook_min_score;
    hooks::HookHandler handler(*db->store, settings);
    auto outcome = handler.Handle(memory::ProjectRef(project), *event, /*can_write=*/true);
    // A new database, or one this binary's migrations have not reached yet: set up as serve
    // would, but never with a secret other than the one the database was set up with.
    const auto secret_fits = [&db] {
        auto fit = memory::CheckSecret(*db->pool, db->keys);
        return fit.ok() && *fit != memory::SecretFit::kDiffers;
    };
    if (!outcome.ok() && SchemaBehind(outcome.error()) && secret_fits()) {
        auto applied = memory::ApplyMigrations(*db->pool);
        if (applied.ok() && db->store->RegisterSecret().ok()) {
            outcome = handler.Handle(memory::ProjectRef(project), *event, /*can_write=*/true);
        }
    }
    (void)db->pool->Close(Clock::now() + std::chrono::milliseconds(100));
    if (!outcome.ok()) {
        log::Warning("hook_skipped", {{"hook_event", name},
                                      {"project", project},
                                      {"reason", outcome.error().message()},
                                      {"latency_ms", MillisSince(start)}});
        return {};
    }
    log::Debug("hook_answered", {{"hook_event", name},
                                 {"project", project},
                                 {"result", outcome->note},
                                 {"latency_ms", MillisSince(start)}});
    return outcome->output.is_null() ? std::string() : outcome->output.dump() + "\n";
}

}  // namespace

int RunHook(const std::string& event_name, const ConfigFlags& flags) {
    const auto start = Clock::now();
    const auto kind = hooks::ParseHookEventKind(event_name);
    if (!kind) {
        log::Warning("hook_ignored",
                     {{"hook_event", event_name},
                      {"reason", "unknown event; mnemo answers " + hooks::HookEventNames()}});
        return 0;
    }
    const auto environment = ProcessEnvironment();
    auto loaded = LoadConfig(Transport::kStdio, environment, flags);
    if (!loaded.ok()) {
        log::Warning("hook_ignored",
                     {{"hook_event", event_name},
                      {"reason", "invalid configuration: " + loaded.error().message()}});
        return 0;
    }
    const Config config = std::move(loaded).value();
    log::Level level = log::Level::kInfo;
    (void)log::ParseLevel(config.log_level, level);
    log::SetMinLevel(level);
    const bool project_from_env =
        flags.project.has_value() ||
        (environment.contains("MNEMO_PROJECT") && !environment.at("MNEMO_PROJECT").empty());
    const auto deadline = start + config.hook_timeout;

    // The work runs on its own thread so that this one can give up at the deadline whatever
    // the work is blocked on (stdin, the cluster's start, the network).
    auto result = std::make_shared<HookResult>();
    std::thread([result, config, kind = *kind, project_from_env, start, deadline] {
        std::string text = RunHookWork(config, kind, project_from_env, start, deadline);
        std::lock_guard lock(result->mutex);
        result->stdout_text = std::move(text);
        result->done = true;
        result->done_changed.notify_all();
    }).detach();

    std::unique_lock lock(result->mutex);
    if (!result->done_changed.wait_until(lock, deadline, [&] { return result->done; })) {
        log::Warning("hook_timeout", {{"hook_event", event_name},
                                      {"reason", "no answer within MNEMO_HOOK_TIMEOUT_MS (" +
                                                     std::to_string(config.hook_timeout.count()) +
                                                     " ms); answering nothing"},
                                      {"latency_ms", MillisSince(start)}});
        std::fflush(stderr);
        // The worker may still hold the database or stdin: leave without waiting for it.
        std::_Exit(0);
    }
    std::fwrite(result->stdout_text.data(), 1, result->stdout_text.size(), stdout);
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(0);
}

}  // namespace mnemo::cli

// SPDX-License-Identifier: MIT
// `mnemo serve --stdio` and `mnemo migrate`.
#include <csignal>
#include <cstdio>
#include <memory>

#include <openssl/rand.h>

#include "backend/database_backend.hpp"
#include "cli/commands.hpp"
#include "cli/database.hpp"
#include "conformance/fixtures.hpp"
#include "hooks/http_hooks.hpp"
#include "mcp/dispatcher.hpp"
#include "memory/access_store.hpp"
#include "memory/migrations.hpp"
#include "tools/memory_features.hpp"
#include "tools/tool_support.hpp"
#include "transport/http_server.hpp"
#include "transport/stdio.hpp"
#include "ui/ui_service.hpp"
#include "util/auth_failure_limiter.hpp"
#include "util/log.hpp"
#include "util/metrics.hpp"

namespace mnemo::cli {
namespace {

constexpr const char* kInstructions =
    "mnemo is this project's persistent memory. At the start of a conversation call wake_up: it "
    "returns the last handover and the rules (always_check contexts) to follow. Lock decisions, "
    "rules and architecture notes with lock_context as they are made; recall_context and "
    "search_contexts find them again; check_contexts before risky commands. Before the "
    "conversation ends call sleep with a summary and the pending items.";

std::string RandomSessionId() {
    unsigned char bytes[8];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return "stdio";
    char text[2 * sizeof bytes + 1];
    for (std::size_t i = 0; i < sizeof bytes; ++i) std::snprintf(text + 2 * i, 3, "%02x", bytes[i]);
    return text;
}

/// What both transports serve: the database and a dispatcher over the memory tools. Pinned in
/// place (the tools' handlers and the dispatcher refer into it); closes the pool when it ends.
struct MemoryServer {
    MemoryServer(const Config& config, Database opened)
        : db(std::move(opened)),
          services{*db.store, config},
          dispatcher(mcp::ServerInfo{"mnemo", MNEMO_VERSION, "mnemo project memory", kInstructions},
                     registry,
                     mcp::ServerFeatures{&resources, &prompts, &subscriptions,
                                         config.client_request_timeout}) {
        services.subscriptions = &subscriptions;
        tools::RegisterMemoryTools(registry, services);
        resources.Add(tools::MakeContextResources(services));
        tools::RegisterMemoryPrompts(prompts, services);
        if (config.conformance_fixtures) {
            conformance::RegisterFixtures(registry, resources, prompts);
            log::Warning("conformance_fixtures", {{"message",
                                                   "serving the conformance suite's test tools, "
                                                   "resources and prompts: not for real use"}});
        }
    }
    MemoryServer(const MemoryServer&) = delete;
    MemoryServer& operator=(const MemoryServer&) = delete;
    ~MemoryServer() {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        if (const auto& caller = db.store->caller().pool) (void)caller->Close(deadline);
        (void)db.pool->Close(deadline);
    }

    Database db;
    tools::ToolServices services;
    mcp::ToolRegistry registry;
    mcp::ResourceRegistry resources;
    mcp::PromptRegistry prompts;
    mcp::Subscriptions subscriptions;
    mcp::Dispatcher dispatcher;
};

/// Opens the database (see OpenDatabase) and builds the server; prints why and returns null
/// when the database cannot be opened.
std::unique_ptr<MemoryServer> OpenServer(const Config& config) {
    auto db = OpenDatabase(config);
    if (!db.ok()) {
        PrintError(db.error().message());
        return nullptr;
    }
    return std::make_unique<MemoryServer>(config, std::move(db).value());
}

util::AuthFailureLimiter::Options AuthFailureLimits(const HttpConfig& http) {
    util::AuthFailureLimiter::Options options;
    options.max_failures = http.auth_max_failures;
    options.window = http.auth_failure_window;
    options.ipv6_prefix = http.auth_ipv6_prefix;
    return options;
}

}  // namespace

void PrintError(const std::string& message) {
    std::fprintf(stderr, "mnemo: %s\n", message.c_str());
}

int RunServeStdio(const Config& config) {
    std::signal(SIGPIPE, SIG_IGN);
    auto server = OpenServer(config);
    if (server == nullptr) return 1;
    mcp::Session session(RandomSessionId());
    if (!config.default_project_problem.empty()) {
        log::Warning("no_default_project", {{"message", config.default_project_problem}});
    }
    log::Info("server_started", {{"transport", "stdio"},
                                 {"version", MNEMO_VERSION},
                                 {"database", server->db.conninfo_for_display},
                                 {"default_project", config.default_project},
                                 {"pool_budget", config.pool_max_connections},
                                 {"session", session.id()}});
    transport::StdioOptions options;
    options.workers = config.pool_max_connections + config.query_max_connections;
    options.max_line_bytes = std::max<std::size_t>(16 << 20, 4 * config.max_content_bytes);
    options.subscriptions = &server->subscriptions;
    return transport::RunStdio(server->dispatcher, session, options);
}

int RunServeHttp(const Config& config) {
    auto server = OpenServer(config);
    if (server == nullptr) return 1;
    util::Metrics metrics;
    server->dispatcher.SetToolObserver([&metrics](const std::string& tool,
                                                  const mcp::ToolResult& result,
                                                  std::chrono::nanoseconds latency) {
        metrics.RecordToolCall(tool, result.is_error ? "error" : "success", latency);
        if (result.error_type == "pool_timeout") metrics.RecordPoolTimeout(result.project);
    });
    const memory::AccessStore access(
        memory::SessionLimits{config.http.session_ttl, config.http.max_sessions_per_user},
        server->db.store->keys().TokenFor(memory::AccessStore::ServerTenant()));
    log::Info("database_ready",
              {{"database", server->db.conninfo_for_display}, {"embedded", server->db.embedded}});
    memory::Store& store = *server->db.store;
    transport::HookHttpHandler hooks = [&store, &access,
                                        &config](const transport::HookHttpRequest& request) {
        auto answer = hooks::AnswerHttpHook(store, access, config, request.bearer, request.body);
        return transport::HookHttpReply{answer.status, std::move(answer.body), answer.bad_token};
    };
    util::AuthFailureLimiter auth_failures(AuthFailureLimits(config.http));
    ui::UiService browser(ui::UiServices{*server->db.store, access, config, metrics,
                                         &server->subscriptions, &auth_failures});
    backend::DatabaseBackend backend(config, access, server->db.pool,
                                     server->db.store->caller().pool, metrics);
    transport::HttpServices services{config,          server->dispatcher, backend,
                                     metrics,         auth_failures,      &server->subscriptions,
                                     std::move(hooks)};
    services.routes.push_back({"/ui", &browser});
    return transport::RunHttp(services);
}

int RunMigrate(const Config& config) {
    auto db = OpenDatabase(config);  // applies pending migrations
    if (!db.ok()) {
        PrintError(db.error().message());
        return 1;
    }
    auto state = memory::ReadMigrationState(*db->pool);
    if (!state.ok()) {
        PrintError(state.error().message());
        return 1;
    }
    std::printf("schema at version %d of %d (%s)\n", state->applied, state->expected,
                db->conninfo_for_display.c_str());
    const std::string file = memory::TenantKeys::SecretFile(config.home).string();
    const std::string source = !config.secret.empty() ? "MNEMO_SECRET"
                               : db->secret_created   ? file + " (created now)"
                                                      : file;
    std::printf("secret: %s; every mnemo process on this database needs the same one\n",
                source.c_str());
    return state->applied == state->expected ? 0 : 1;
}

}  // namespace mnemo::cli

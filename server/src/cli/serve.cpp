// SPDX-License-Identifier: MIT
// `mnemo serve --stdio` and `mnemo migrate`.
#include <csignal>
#include <cstdio>

#include <openssl/rand.h>

#include "cli/commands.hpp"
#include "cli/database.hpp"
#include "mcp/dispatcher.hpp"
#include "memory/access_store.hpp"
#include "memory/migrations.hpp"
#include "tools/tool_support.hpp"
#include "transport/http_server.hpp"
#include "transport/stdio.hpp"
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

}  // namespace

void PrintError(const std::string& message) {
    std::fprintf(stderr, "mnemo: %s\n", message.c_str());
}

int RunServeStdio(const Config& config) {
    std::signal(SIGPIPE, SIG_IGN);
    auto db = OpenDatabase(config);
    if (!db.ok()) {
        PrintError(db.error().message());
        return 1;
    }
    tools::ToolServices services{*db->store, config};
    mcp::ToolRegistry registry;
    tools::RegisterMemoryTools(registry, services);
    mcp::Dispatcher dispatcher(
        mcp::ServerInfo{"mnemo", MNEMO_VERSION, "mnemo project memory", kInstructions}, registry);
    mcp::Session session(RandomSessionId());
    log::Info("server_started", {{"transport", "stdio"},
                                 {"version", MNEMO_VERSION},
                                 {"database", db->conninfo_for_display},
                                 {"default_project", config.default_project},
                                 {"pool_budget", config.pool_max_connections},
                                 {"session", session.id()}});
    transport::StdioOptions options;
    options.workers = config.pool_max_connections;
    options.max_line_bytes = std::max<std::size_t>(16 << 20, 4 * config.max_content_bytes);
    const int code = transport::RunStdio(dispatcher, session, options);
    (void)db->pool->Close(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    return code;
}

int RunServeHttp(const Config& config) {
    auto db = OpenDatabase(config);
    if (!db.ok()) {
        PrintError(db.error().message());
        return 1;
    }
    tools::ToolServices services{*db->store, config};
    mcp::ToolRegistry registry;
    tools::RegisterMemoryTools(registry, services);
    mcp::Dispatcher dispatcher(
        mcp::ServerInfo{"mnemo", MNEMO_VERSION, "mnemo project memory", kInstructions}, registry);
    util::Metrics metrics;
    dispatcher.SetToolObserver([&metrics](const std::string& tool, const mcp::ToolResult& result,
                                          std::chrono::nanoseconds latency) {
        metrics.RecordToolCall(tool, result.is_error ? "error" : "success", latency);
        if (result.error_type == "pool_timeout") metrics.RecordPoolTimeout(result.project);
    });
    const memory::AccessStore access(
        memory::SessionLimits{config.http.session_ttl, config.http.max_sessions_per_user});
    log::Info("database_ready",
              {{"database", db->conninfo_for_display}, {"embedded", db->embedded}});
    const int code = transport::RunHttp({config, dispatcher, db->pool, access, metrics});
    (void)db->pool->Close(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    return code;
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
    return state->applied == state->expected ? 0 : 1;
}

}  // namespace mnemo::cli

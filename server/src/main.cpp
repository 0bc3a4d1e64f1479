// SPDX-License-Identifier: MIT
// mnemo: the command line (serve, migrate, doctor, pg).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "util/log.hpp"

namespace {

/// Flags every database-using command shares.
void AddDatabaseFlags(CLI::App& command, mnemo::ConfigFlags& flags) {
    command.add_option("--database-url", flags.database_url,
                       "PostgreSQL URL or conninfo (default: $DATABASE_URL, else the embedded "
                       "cluster under $MNEMO_HOME)");
    command.add_option("--home", flags.home,
                       "Directory for the embedded cluster and the secret (default: "
                       "$MNEMO_HOME, else ~/.local/share/mnemo)");
}

/// Loads the configuration or prints why it is invalid; 0 on success, else the exit code.
int Load(mnemo::Transport transport, const mnemo::ConfigFlags& flags, mnemo::Config& config) {
    auto loaded = mnemo::LoadConfig(transport, mnemo::ProcessEnvironment(), flags);
    if (!loaded.ok()) {
        mnemo::cli::PrintError("invalid configuration: " + loaded.error().message());
        return 2;
    }
    config = std::move(loaded).value();
    mnemo::log::Level level = mnemo::log::Level::kInfo;
    (void)mnemo::log::ParseLevel(config.log_level, level);
    mnemo::log::SetMinLevel(level);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app(
        "mnemo: persistent, per-project memory for AI coding assistants (an MCP server "
        "on PostgreSQL)");
    app.set_version_flag("--version", std::string("mnemo ") + MNEMO_VERSION);
    app.require_subcommand(1);

    mnemo::ConfigFlags flags;
    bool stdio = false;
    std::string http;
    auto* serve = app.add_subcommand("serve", "Serve MCP (stdio: one assistant session)");
    serve->add_flag("--stdio", stdio, "Speak MCP on stdin/stdout (newline-delimited JSON-RPC)");
    serve->add_option("--http", http, "Serve Streamable HTTP on HOST:PORT (not available yet)");
    serve->add_option("--project", flags.project,
                      "Default project (default: $MNEMO_PROJECT, else the git root's or "
                      "working directory's name)");
    AddDatabaseFlags(*serve, flags);

    auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations");
    AddDatabaseFlags(*migrate, flags);

    bool doctor_http = false;
    auto* doctor = app.add_subcommand(
        "doctor", "Check the database, migrations, role safety and connection budget");
    doctor->add_flag("--http", doctor_http, "Check the HTTP server's budget (default 20)");
    AddDatabaseFlags(*doctor, flags);

    std::string pg_action;
    auto* pg = app.add_subcommand("pg", "Manage the embedded PostgreSQL cluster");
    pg->add_option("action", pg_action, "start | stop | status")
        ->required()
        ->check(CLI::IsMember({"start", "stop", "status"}));
    pg->add_option("--home", flags.home, "Directory of the embedded cluster");

    CLI11_PARSE(app, argc, argv);

    mnemo::Config config;
    if (*serve) {
        if (!http.empty()) {
            mnemo::cli::PrintError(
                "the HTTP transport is not available in this version; use --stdio");
            return 2;
        }
        if (!stdio) {
            mnemo::cli::PrintError("choose a transport: mnemo serve --stdio");
            return 2;
        }
        if (int code = Load(mnemo::Transport::kStdio, flags, config)) return code;
        return mnemo::cli::RunServeStdio(config);
    }
    const auto transport = doctor_http ? mnemo::Transport::kHttp : mnemo::Transport::kStdio;
    if (int code = Load(transport, flags, config)) return code;
    if (*migrate) return mnemo::cli::RunMigrate(config);
    if (*doctor) return mnemo::cli::RunDoctor(config);
    return mnemo::cli::RunPg(config, pg_action);
}

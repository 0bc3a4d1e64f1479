// SPDX-License-Identifier: MIT
// mnemo: the command line (serve, migrate, doctor, token, export, import, pg, hook, hooks).
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
    auto* serve = app.add_subcommand("serve", "Serve MCP over stdio or Streamable HTTP");
    serve->add_flag("--stdio", stdio, "Speak MCP on stdin/stdout (newline-delimited JSON-RPC)");
    auto* http_option =
        serve
            ->add_option("--http", http,
                         "Serve Streamable HTTP on HOST:PORT (default 127.0.0.1:8080) at /mcp")
            ->expected(0, 1);
    serve->add_option("--project", flags.project,
                      "Default project (default: $MNEMO_PROJECT, else the git root's or "
                      "working directory's name)");
    bool conformance_fixtures = false;
    serve->add_flag("--conformance-fixtures", conformance_fixtures,
                    "Also serve the MCP conformance suite's test tools, resources and prompts "
                    "(for running the suite; never for real use)");
    AddDatabaseFlags(*serve, flags);

    auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations");
    AddDatabaseFlags(*migrate, flags);

    bool doctor_http = false;
    auto* doctor = app.add_subcommand(
        "doctor", "Check the database, migrations, role safety and connection budget");
    doctor->add_flag("--http", doctor_http, "Check the HTTP server's budget (default 20)");
    AddDatabaseFlags(*doctor, flags);

    mnemo::cli::TokenCommand token_command;
    auto* token = app.add_subcommand("token", "Manage bearer tokens for the HTTP server");
    token->require_subcommand(1);
    auto* token_create = token->add_subcommand("create", "Create a token; prints it once");
    token_create->add_option("--user", token_command.user, "The user it authenticates")->required();
    token_create->add_option("--scope", token_command.scope, "read | write (default write)")
        ->check(CLI::IsMember({"read", "write"}));
    token_create->add_option("--label", token_command.label, "A note shown by token list");
    auto* token_list = token->add_subcommand("list", "List tokens (never the tokens themselves)");
    auto* token_revoke = token->add_subcommand("revoke", "Revoke a token by id (from list)");
    token_revoke->add_option("id", token_command.id, "Token id")->required();
    for (auto* command : {token_create, token_list, token_revoke}) {
        AddDatabaseFlags(*command, flags);
    }

    std::string hook_event;
    auto* hook = app.add_subcommand(
        "hook", "Answer one Claude Code hook event (JSON on stdin); installed by `mnemo hooks`");
    hook->add_option("event", hook_event,
                     "SessionStart | UserPromptSubmit | PreToolUse | PreCompact | SessionEnd")
        ->required();
    hook->add_option("--project", flags.project,
                     "Project (default: $MNEMO_PROJECT, else the event cwd's git root's name)");
    AddDatabaseFlags(*hook, flags);

    mnemo::cli::HooksCommand hooks_command;
    auto* hooks = app.add_subcommand("hooks", "Install mnemo's Claude Code hooks");
    hooks->require_subcommand(1);
    auto* hooks_install = hooks->add_subcommand(
        "install", "Merge mnemo's hooks into Claude Code's settings (other settings are kept)");
    auto* hooks_uninstall = hooks->add_subcommand("uninstall", "Remove mnemo's hooks only");
    auto* hooks_status = hooks->add_subcommand("status", "Show where mnemo's hooks are installed");
    for (auto* command : {hooks_install, hooks_uninstall}) {
        command
            ->add_option("--scope", hooks_command.scope,
                         "user (~/.claude/settings.json, default) | project "
                         "(.claude/settings.json) | local (.claude/settings.local.json)")
            ->check(CLI::IsMember({"user", "project", "local"}));
    }
    hooks_install->add_option("--http", hooks_command.http_url,
                              "Use http hooks to a hosted mnemo at this URL (…/hooks/claude-code)");
    hooks_install->add_option("--token-env", hooks_command.token_env,
                              "With --http: the environment variable holding the bearer token");

    mnemo::cli::ExportCommand export_command;
    auto* export_cli = app.add_subcommand(
        "export", "Write projects (every version, handovers, file index) as one JSON Lines file");
    export_cli->add_option("--project", export_command.project, "The project to export");
    export_cli->add_flag("--all", export_command.all, "Export all of the user's projects");
    export_cli->add_option("--output,-o", export_command.output, "File to write (default stdout)");
    export_cli->add_option("--user", export_command.user,
                           "Whose projects (a token user; default: the local owner)");
    AddDatabaseFlags(*export_cli, flags);

    mnemo::cli::ImportCommand import_command;
    auto* import_cli = app.add_subcommand(
        "import", "Import a mnemo export, a server-memory memory.json or a Markdown folder");
    import_cli->add_option("file", import_command.path, "File (or Markdown folder) to import")
        ->required();
    import_cli
        ->add_option("--format", import_command.format,
                     "mnemo | server-memory | markdown (default: detected)")
        ->check(CLI::IsMember({"auto", "mnemo", "server-memory", "markdown"}));
    import_cli->add_option("--project", import_command.project,
                           "Project to import into (mnemo: renames the file's one project; "
                           "others: default $MNEMO_PROJECT or the directory's name)");
    import_cli->add_flag("--dry-run", import_command.dry_run,
                         "Check and count what would change; change nothing");
    import_cli->add_option("--user", import_command.user,
                           "Whose projects (a token user; default: the local owner)");
    AddDatabaseFlags(*import_cli, flags);

    std::string pg_action;
    auto* pg = app.add_subcommand("pg", "Manage the embedded PostgreSQL cluster");
    pg->add_option("action", pg_action, "start | stop | status")
        ->required()
        ->check(CLI::IsMember({"start", "stop", "status"}));
    pg->add_option("--home", flags.home, "Directory of the embedded cluster");

    // CLI11 would say "A subcommand is required" for a mistyped one.
    if (argc > 1 && argv[1][0] != '-') {
        std::string known;
        bool found = false;
        for (const CLI::App* command : app.get_subcommands({})) {
            known += (known.empty() ? "" : ", ") + command->get_name();
            found = found || command->get_name() == argv[1];
        }
        if (!found) {
            mnemo::cli::PrintError(std::string("unknown command '") + argv[1] +
                                   "' (commands: " + known + "; see mnemo --help)");
            return 2;
        }
    }
    CLI11_PARSE(app, argc, argv);

    if (*hook) return mnemo::cli::RunHook(hook_event, flags);
    if (*hooks) {
        hooks_command.action = hooks_install->parsed()     ? "install"
                               : hooks_uninstall->parsed() ? "uninstall"
                                                           : "status";
        (void)hooks_status;
        return mnemo::cli::RunHooks(hooks_command);
    }

    mnemo::Config config;
    if (*serve) {
        const bool serve_http = http_option->count() > 0;
        if (stdio == serve_http) {
            mnemo::cli::PrintError(
                "choose one transport: mnemo serve --stdio | mnemo serve --http [HOST:PORT]");
            return 2;
        }
        if (serve_http) flags.http_listen = http;
        const auto transport = serve_http ? mnemo::Transport::kHttp : mnemo::Transport::kStdio;
        if (int code = Load(transport, flags, config)) return code;
        config.conformance_fixtures = conformance_fixtures;
        return serve_http ? mnemo::cli::RunServeHttp(config) : mnemo::cli::RunServeStdio(config);
    }
    if (*token) {
        token_command.action = token_create->parsed() ? "create"
                               : token_list->parsed() ? "list"
                                                      : "revoke";
        if (int code = Load(mnemo::Transport::kStdio, flags, config)) return code;
        return mnemo::cli::RunToken(config, token_command);
    }
    if (*export_cli || *import_cli) {
        if (int code = Load(mnemo::Transport::kStdio, flags, config)) return code;
        return *export_cli ? mnemo::cli::RunExport(config, export_command)
                           : mnemo::cli::RunImport(config, import_command);
    }
    const auto transport = doctor_http ? mnemo::Transport::kHttp : mnemo::Transport::kStdio;
    if (int code = Load(transport, flags, config)) return code;
    if (*migrate) return mnemo::cli::RunMigrate(config);
    if (*doctor) return mnemo::cli::RunDoctor(config);
    return mnemo::cli::RunPg(config, pg_action);
}

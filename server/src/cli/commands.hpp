// SPDX-License-Identifier: MIT
// The mnemo subcommands. Each returns the process exit code and reports errors on stderr.
#pragma once

#include <string>

#include "config/config.hpp"

namespace mnemo::cli {

/// `mnemo serve --stdio`: serves MCP on stdin/stdout until end of input.
int RunServeStdio(const Config& config);

/// `mnemo serve --http HOST:PORT`: serves Streamable HTTP until SIGTERM/SIGINT.
int RunServeHttp(const Config& config);

/// What `mnemo token create|list|revoke` was asked.
struct TokenCommand {
    std::string action;  // create | list | revoke
    std::string user;
    std::string scope = "write";
    std::string label;
    long long id = 0;
};

/// `mnemo token ...`: create prints the new token alone on stdout; list prints a table;
/// revoke takes effect on the token's next request.
int RunToken(const Config& config, const TokenCommand& command);

/// What `mnemo export` was asked.
struct ExportCommand {
    std::string project;  // one project, or
    bool all = false;     // all of the user's projects
    std::string output;   // "" = stdout
    std::string user;     // whose projects ("" = the local owner)
};

/// `mnemo export`: writes the JSON Lines export (docs/export-format.md) to the file (written
/// whole or not at all) or stdout; counts on stderr.
int RunExport(const Config& config, const ExportCommand& command);

/// What `mnemo import` was asked.
struct ImportCommand {
    std::string path;
    std::string format = "auto";  // auto | mnemo | server-memory | markdown
    std::string project;          // "" = the file's (mnemo) or the default project
    bool dry_run = false;
    std::string user;  // whose projects ("" = the local owner)
};

/// `mnemo import`: imports and prints what was added and what was already there; on a
/// problem, its line and what was (not) imported, exit 1.
int RunImport(const Config& config, const ImportCommand& command);

/// `mnemo migrate`: applies pending migrations and prints the schema version.
int RunMigrate(const Config& config);

/// `mnemo doctor`: checks reachability, migrations, role safety and whether the pool budget
/// fits the server's connection limit; prints one line per check and a verdict.
/// Exit 0 when nothing failed, 1 otherwise.
int RunDoctor(const Config& config);

/// `mnemo pg start|stop|status`: manages the embedded cluster under config.home.
int RunPg(const Config& config, const std::string& action);

/// `mnemo hook EVENT`: answers one Claude Code hook event read from stdin (see
/// hooks::HookHandler). Never in the way: always exits 0; when the event is malformed, the
/// database is down or the answer takes longer than config.hook_timeout, prints nothing on
/// stdout and logs why on stderr.
int RunHook(const std::string& event_name, const ConfigFlags& flags);

/// What `mnemo hooks install|uninstall|status` was asked.
struct HooksCommand {
    std::string action;          // install | uninstall | status
    std::string scope = "user";  // user | project | local
    std::string http_url;        // install: http hooks to this URL instead of command hooks
    std::string token_env;       // with http_url: the variable holding the bearer token
};

/// `mnemo hooks ...`: merges mnemo's hooks into (or removes them from) the scope's Claude Code
/// settings file, keeping everything else; status lists every scope. A settings file that is
/// not valid JSON is refused (exit 1) and left untouched.
int RunHooks(const HooksCommand& command);

/// Prints "mnemo: <message>" on stderr (for humans; logs are JSON lines).
void PrintError(const std::string& message);

}  // namespace mnemo::cli

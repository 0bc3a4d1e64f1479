// SPDX-License-Identifier: MIT
// The mnemo subcommands. Each returns the process exit code and reports errors on stderr.
#pragma once

#include <string>

#include "config/config.hpp"

namespace mnemo::cli {

/// `mnemo serve --stdio`: serves MCP on stdin/stdout until end of input.
int RunServeStdio(const Config& config);

/// `mnemo migrate`: applies pending migrations and prints the schema version.
int RunMigrate(const Config& config);

/// `mnemo doctor`: checks reachability, migrations, role safety and whether the pool budget
/// fits the server's connection limit; prints one line per check and a verdict.
/// Exit 0 when nothing failed, 1 otherwise.
int RunDoctor(const Config& config);

/// `mnemo pg start|stop|status`: manages the embedded cluster under config.home.
int RunPg(const Config& config, const std::string& action);

/// Prints "mnemo: <message>" on stderr (for humans; logs are JSON lines).
void PrintError(const std::string& message);

}  // namespace mnemo::cli

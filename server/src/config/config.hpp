// SPDX-License-Identifier: MIT
// Config: every setting mnemo reads from its environment and flags, validated at start-up.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "pqpool/error.hpp"

namespace mnemo {

enum class Transport { kStdio, kHttp };

/// Settings after defaults, environment and flags are merged (flags win over environment).
struct Config {
    Transport transport = Transport::kStdio;

    /// libpq connection string or URL; empty = the embedded cluster under `home`.
    std::string database_url;
    /// $MNEMO_HOME: the embedded cluster and the secret file live here.
    std::filesystem::path home;

    /// Global connection budget (MNEMO_POOL_MAX_CONNECTIONS): 4 over stdio, 20 over HTTP.
    std::size_t pool_max_connections = 4;
    /// Per-project lease quota (MNEMO_PROJECT_MAX_CONNECTIONS), default 5.
    std::size_t project_max_connections = 5;
    /// How long a tool waits for a lease (MNEMO_ACQUIRE_TIMEOUT_MS), default 10 s.
    std::chrono::milliseconds acquire_timeout{10'000};
    /// Statement timeout of query_database (MNEMO_QUERY_TIMEOUT_MS), default 5 s.
    std::chrono::milliseconds query_timeout{5'000};
    /// Largest context content accepted (MNEMO_MAX_CONTENT_BYTES), default 1 MiB.
    std::size_t max_content_bytes = 1 << 20;
    /// Project used when a call names none and the session selected none (--project,
    /// MNEMO_PROJECT; over stdio, else the git root's or working directory's name).
    std::string default_project;
    /// Server secret (MNEMO_SECRET) from which per-project tenant tokens derive; empty = read
    /// or create `home`/secret.
    std::string secret;
    /// "debug" | "info" | "warning" | "error" (MNEMO_LOG_LEVEL).
    std::string log_level = "info";
};

/// Values given on the command line (unset = not given).
struct ConfigFlags {
    std::optional<std::string> database_url;
    std::optional<std::string> project;
    std::optional<std::string> home;
};

/// Builds the configuration for `transport` from `environment` (name → value) and `flags`.
/// Errors (kInvalidArgument) name the variable or flag, the accepted range and the bad value,
/// e.g. "MNEMO_POOL_MAX_CONNECTIONS must be an integer from 1 to 1000, got 'lots'".
[[nodiscard]] pqpool::Result<Config> LoadConfig(
    Transport transport, const std::map<std::string, std::string>& environment,
    const ConfigFlags& flags);

/// The process environment as a map (for LoadConfig).
[[nodiscard]] std::map<std::string, std::string> ProcessEnvironment();

/// True if `name` is a valid project name: [a-z0-9][a-z0-9_-]{0,63}.
[[nodiscard]] bool IsValidProjectName(std::string_view name);

/// Turns a directory name into a project name (lower-case, other characters → '-', trimmed to
/// 64); empty if nothing usable remains.
[[nodiscard]] std::string ProjectNameFromDirectory(std::string_view directory_name);

/// The default project for stdio mode: the git root's name, else the working directory's.
[[nodiscard]] std::string DetectDefaultProject(const std::filesystem::path& working_directory);

}  // namespace mnemo

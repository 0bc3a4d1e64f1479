// SPDX-License-Identifier: MIT
// mnemo_http_bench's baseline: pgbench running the statements behind the tool calls, with the
// tokens and parameters mnemo binds, over the same number of connections.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "http_fixture.hpp"

namespace mnemo::bench {

/// What one pgbench transaction (one "call") runs.
enum class PgbenchScript {
    /// One pipeline, one round trip: set_config of the project's token and the tool's
    /// statement — what mnemo's pool sends for the tool.
    kToolSql = 0,
    /// Two pipelines: first the session check mnemo makes on every HTTP request (set_config of
    /// the server token and AccessStore::Resolve's statement), then the tool's pipeline.
    kWithSessionCheck = 1,
};

/// One pgbench run's figures.
struct PgbenchResult {
    double tps = 0;  ///< pgbench's own, "without initial connection time".
    std::int64_t transactions = 0;
    std::int64_t failed = 0;                 ///< -1: not reported (pgbench before 15).
    double latency_average_ms = 0;           ///< pgbench's own.
    std::vector<std::int64_t> latencies_ns;  ///< Every transaction, sorted (from --log).
    std::array<std::vector<std::int64_t>, kOps> op_latencies_ns;  ///< Sorted.
    double client_cpu_s = 0;  ///< pgbench's own CPU time (user + system).
    std::string output;       ///< What it printed (stdout and stderr).
};

/// Writes pgbench scripts into `directory` — per script kind, one file per operation and
/// project, each `-f file@weight` with the operation's mix weight, so pgbench picks operations
/// and projects with the same odds as the HTTP clients — and runs them.
///
/// The scripts are the server's statements (memory/context_sql.hpp, bench/http_sql.hpp) with
/// `$n` replaced by pgbench variables (`-D name=value`: pgbench sends each occurrence as a text
/// parameter in extended mode, as mnemo does), except: the topic is `('bench/lock-' ||
/// :t::text)` with `\set t random(...)`, and mnemo's NULL parameters (recall's version,
/// search's priority) are NULL literals. Each pipeline is `\startpipeline` ... `\endpipeline`,
/// i.e. one Sync, one implicit transaction, one round trip: what pqpool sends.
///
/// Thread safety: one thread.
class Pgbench {
public:
    /// `binary`: empty to look next to the PostgreSQL server programs, then in PATH.
    /// `protocol`: pgbench's -M, "extended" (each statement parsed every time) or "prepared".
    Pgbench(const std::string& binary, const HttpFixture& fixture, const HttpWorkload& workload,
            std::filesystem::path directory, std::string protocol = "extended");

    /// `pgbench -n -M <protocol> -c clients -j min(clients, threads) -T seconds --log ...`;
    /// Fails when pgbench fails or reports failed transactions.
    [[nodiscard]] PgbenchResult Run(PgbenchScript script, int clients, int threads, int seconds);

    /// The command line for N clients, variable values and connection string elided (for
    /// the report).
    [[nodiscard]] std::string CommandLine(PgbenchScript script, int threads, int seconds) const;

    [[nodiscard]] const std::string& binary() const { return binary_; }
    /// `pgbench --version`.
    [[nodiscard]] std::string Version() const;
    /// The script files of `script`, in -f order.
    [[nodiscard]] std::vector<std::string> ScriptPaths(PgbenchScript script) const;

private:
    struct ScriptFile {
        std::string path;
        Op op;
        int weight;
    };

    [[nodiscard]] std::vector<std::string> Arguments(PgbenchScript script, int clients, int threads,
                                                     int seconds,
                                                     const std::string& log_prefix) const;

    std::string binary_;
    std::string conninfo_;
    std::vector<std::string> environment_;
    std::filesystem::path directory_;
    std::string protocol_;
    std::vector<std::string> variables_;  // "name=value", each passed as -D.
    std::array<std::vector<ScriptFile>, 2> scripts_;
    int runs_ = 0;
};

}  // namespace mnemo::bench

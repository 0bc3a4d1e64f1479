// SPDX-License-Identifier: MIT
// The ways mnemo_stdio_bench issues lock_context / recall_context: over stdio, through mnemo's
// dispatcher in process, through the Store, and as raw libpq pipelines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <libpq-fe.h>

#include "child_process.hpp"
#include "config/config.hpp"
#include "mcp/dispatcher.hpp"
#include "memory/store.hpp"
#include "tools/tool_support.hpp"

namespace mnemo::bench {

/// The arguments every variant uses, so that all of them run the same statements with the
/// same parameters for the same call index.
struct Workload {
    std::string project = "bench";
    /// lock_context call i writes lock_topics[i % size]: a fixed set, so each call takes the
    /// next version of an existing topic (the ON CONFLICT path), and every variant writes the
    /// same topics.
    std::vector<std::string> lock_topics;
    std::string content;
    std::vector<std::string> tags;
    std::string priority = "reference";  // Given, so mnemo does not infer it.
    /// recall_context reads the latest version of this topic, in a project of its own that
    /// the lock calls do not grow: recall_context's cost grows with the number of live
    /// contexts in its project (its max(version) subquery is planned on contexts_live and
    /// filters the project's rows by topic), which would make every round slower than the last.
    std::string recall_project = "bench-recall";
    std::string recall_topic = "bench/recall";

    /// `topics` lock topics and a `content_bytes`-byte English-like text.
    [[nodiscard]] static Workload Make(std::size_t topics, std::size_t content_bytes);
};

/// One way of running the two operations. Each call either succeeds or Fail()s.
///
/// Thread safety: one thread at a time.
class Variant {
public:
    virtual ~Variant() = default;
    /// lock_context of workload.lock_topics[index % size].
    virtual void Lock(std::size_t index) = 0;
    /// recall_context of workload.recall_topic (latest version, with content).
    virtual void Recall() = 0;
    /// The last call's result document (what the tool returned; for the set-up checks).
    [[nodiscard]] virtual nlohmann::json LastResult() const = 0;
    /// CPU seconds (user, system) of the mnemo process serving this variant when it is a
    /// child; nullopt for variants that run in this process.
    [[nodiscard]] virtual std::optional<std::pair<double, double>> ChildCpuSeconds() const {
        return std::nullopt;
    }
};

using PgConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

/// Connects with libpq; Fail()s with libpq's message.
[[nodiscard]] PgConnPtr ConnectRaw(const std::string& conninfo);

/// The statements on a PGconn of our own, in pipeline mode, exactly as pqpool's Lease::Execute
/// sends them: PQsendQueryParams of `SELECT set_config('mnemo.tenant', $1, true)` with the
/// project's token, PQsendQueryParams of the statement (text parameters, text results, no
/// prepared statement), PQpipelineSync, then the two results and the sync. Keeps the JSON
/// cell as a string; does not parse it. The tokens come from `keys`, as mnemo's do, but are
/// computed once, not per call.
[[nodiscard]] std::unique_ptr<Variant> MakeRawVariant(PGconn* conn, const memory::TenantKeys& keys,
                                                      const Workload& workload);

/// memory::Store on a pqpool pool configured like mnemo's (no MCP, no pipe): lease, tenant
/// context, the same pipeline, JSON parse of the result.
[[nodiscard]] std::unique_ptr<Variant> MakeStoreVariant(memory::Store& store,
                                                        const Workload& workload);

/// tools/call over a mnemo child's stdin/stdout (newline-delimited JSON-RPC). Each call writes
/// one pre-built request line (only the id changes), reads one reply line, checks its id and
/// `"isError":false` by substring (no parse; a client's JSON parse is not mnemo's cost).
/// REQUIRES: InitializeMcp(child) ran.
[[nodiscard]] std::unique_ptr<Variant> MakeStdioVariant(ChildProcess& child,
                                                        const Workload& workload);

/// mnemo's MCP core in this process, wired as `mnemo serve` wires it (Store on `pool`, every
/// memory tool, the Dispatcher) and initialised, but with no transport: no pipe, no reader
/// thread, no work queue. Its log lines go through this process's log level.
///
/// Thread safety: one thread at a time.
struct InProcessServer {
    InProcessServer(std::shared_ptr<pqpool::Pool> pool, const memory::TenantKeys& keys,
                    const Config& config);
    InProcessServer(const InProcessServer&) = delete;
    InProcessServer& operator=(const InProcessServer&) = delete;
    ~InProcessServer() = default;

    [[nodiscard]] std::int64_t NextRequestId() noexcept { return ++last_request_id; }

    std::shared_ptr<pqpool::Pool> pool;
    memory::Store store;
    tools::ToolServices services;
    mcp::ToolRegistry registry;
    mcp::Dispatcher dispatcher;
    mcp::Session session;
    std::int64_t last_request_id = 0;
};

/// The same request lines as MakeStdioVariant, handed to Dispatcher::HandleText in this
/// process: JSON-RPC parse, tool layer, Store, reply serialisation, without pipe and threads.
[[nodiscard]] std::unique_ptr<Variant> MakeDispatchVariant(InProcessServer& server,
                                                           const Workload& workload);

/// One tools/call over `child`, fully parsed: the tool's structuredContent. Fails on a
/// JSON-RPC error or isError. For set-up and checks, not for the timed loops.
nlohmann::json CallTool(ChildProcess& child, const std::string& tool,
                        const nlohmann::json& arguments);

/// The MCP handshake: initialize (waits up to `deadline` for mnemo to open its database), then
/// notifications/initialized. Returns the server's initialize result.
nlohmann::json InitializeMcp(ChildProcess& child, BenchClock::time_point deadline);

}  // namespace mnemo::bench

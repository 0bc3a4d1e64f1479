// SPDX-License-Identifier: MIT
// The ways mnemo_stdio_bench issues lock_context / recall_context: over stdio, through the
// Store, and as raw libpq pipelines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "child_process.hpp"
#include "memory/store.hpp"

namespace mnemo::bench {

/// The arguments every variant uses, so that all of them run the same statements with the
/// same parameters for the same call index.
struct Workload {
    std::string project = "bench";
    /// lock_context call i writes lock_topics[i % size]: a fixed set, so each call takes the
    /// next version of an existing topic (the ON CONFLICT path) and no topic piles up more
    /// versions than calls / size per block.
    std::vector<std::string> lock_topics;
    std::string content;
    std::vector<std::string> tags;
    std::string priority = "reference";  // Given, so mnemo does not infer it.
    /// recall_context reads the latest version of this topic, which no lock call touches.
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
};

using PgConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

/// Connects with libpq; Fail()s with libpq's message.
[[nodiscard]] PgConnPtr ConnectRaw(const std::string& conninfo);

/// The statements on a PGconn of our own, in pipeline mode, exactly as pqpool's Lease::Execute
/// sends them: PQsendQueryParams of `SELECT set_config('mnemo.tenant', $1, true)` with the
/// project's token, PQsendQueryParams of the statement (text parameters, text results, no
/// prepared statement), PQpipelineSync, then the two results and the sync. Keeps the JSON
/// cell as a string; does not parse it.
[[nodiscard]] std::unique_ptr<Variant> MakeRawVariant(PGconn* conn, std::string token,
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

/// One tools/call over `child`, fully parsed: the tool's structuredContent. Fails on a
/// JSON-RPC error or isError. For set-up and checks, not for the timed loops.
nlohmann::json CallTool(ChildProcess& child, const std::string& tool,
                        const nlohmann::json& arguments);

/// The MCP handshake: initialize (waits up to `deadline` for mnemo to open its database), then
/// notifications/initialized. Returns the server's initialize result.
nlohmann::json InitializeMcp(ChildProcess& child, BenchClock::time_point deadline);

}  // namespace mnemo::bench

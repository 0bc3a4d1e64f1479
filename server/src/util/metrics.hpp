// SPDX-License-Identifier: MIT
// Metrics: tool, HTTP and pool counters rendered in the Prometheus text exposition format 0.0.4.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mnemo::util {

/// A connection pool's numbers as /metrics shows them, one consistent snapshot
/// (memory::PoolFiguresOf makes them from the pool's own statistics).
struct PoolFigures {
    struct Tenant {
        std::string name;  // the project's tenant
        std::size_t in_use = 0;
        std::size_t waiting = 0;
    };
    struct Group {
        std::string name;  // the token user
        std::size_t in_use = 0;
        std::size_t waiting = 0;
        std::size_t quota = 0;  // 0 = none
    };
    std::size_t connecting = 0;
    std::size_t idle = 0;
    std::size_t in_use = 0;
    std::size_t max_size = 0;
    std::size_t effective_max_size = 0;
    std::size_t waiting = 0;
    std::vector<Tenant> tenants;
    std::vector<Group> groups;
    std::uint64_t acquire_wait_p50_ns = 0;
    std::uint64_t acquire_wait_p99_ns = 0;
    std::uint64_t acquires = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t overloads = 0;
    std::uint64_t connects = 0;
    std::uint64_t connect_errors = 0;
    std::uint64_t leaks = 0;
    std::uint64_t backpressure_refusals = 0;
    std::uint64_t budget_lowerings = 0;
    /// Connections closed, by reason (every reason the pool knows, also those at 0).
    std::vector<std::pair<std::string, std::uint64_t>> evictions;
};

/// Process-wide counters for the HTTP server, plus a renderer that adds a pool snapshot.
///
/// Families (all names prefixed `mnemo_`): tool_calls_total{tool,outcome},
/// tool_latency_seconds{tool} (histogram), pool_acquire_timeouts_total{project},
/// http_responses_total{status}, http_sessions_live, http_connections_open, and the pool_*
/// families taken from a PoolFigures (see Render).
///
/// Label cardinality is bounded: each label dimension (tools, outcomes per tool, projects,
/// statuses) keeps at most kMaxLabelValues distinct values; later new values are counted under
/// kOverflowLabel (statuses under 0), so a client sending made-up tool names cannot grow memory
/// without bound.
///
/// Thread safety: every method may be called concurrently from any thread. Recording takes one
/// short mutex and allocates only the first time a label value is seen. One instance per
/// server process; not copyable or movable.
class Metrics {
public:
    /// One tool's counters, as mnemo_tool_calls_total and mnemo_tool_latency_seconds show them.
    struct ToolTotals {
        std::string tool;
        std::uint64_t calls = 0;
        std::uint64_t errors = 0;  // outcome "error"
        std::uint64_t latency_sum_ns = 0;
    };

    /// Upper bounds (inclusive, seconds) of the tool latency histogram; +Inf is implicit.
    static constexpr std::size_t kLatencyBucketCount = 13;
    /// The most distinct values kept per label dimension.
    static constexpr std::size_t kMaxLabelValues = 256;
    /// The label value that counts everything past kMaxLabelValues.
    static constexpr std::string_view kOverflowLabel = "_other";

    Metrics() = default;
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    /// Counts one tool call: mnemo_tool_calls_total{tool,outcome} += 1 and observes `latency`
    /// in mnemo_tool_latency_seconds{tool}. `outcome` is "success" or "error" by convention
    /// (any value is accepted). A negative latency is recorded as 0.
    void RecordToolCall(std::string_view tool, std::string_view outcome,
                        std::chrono::nanoseconds latency);

    /// Counts a tool call that failed with "Connection pool timeout:" for `project`:
    /// mnemo_pool_acquire_timeouts_total{project} += 1.
    void RecordPoolTimeout(std::string_view project);

    /// Counts one HTTP response: mnemo_http_responses_total{status} += 1.
    void RecordHttpResponse(int status);

    /// Counts a connection moved to an idle I/O loop between two of its requests:
    /// mnemo_http_connections_moved_total += 1.
    void RecordConnectionMoved() { connections_moved_.fetch_add(1, std::memory_order_relaxed); }

    /// Renders every family in Prometheus text format 0.0.4 (Content-Type
    /// `text/plain; version=0.0.4`): `# HELP` and `# TYPE` once per family, families in a fixed
    /// order, samples sorted by label values, label values escaped (\\, \", \n). Pool families
    /// come from `pool`: gauges mnemo_pool_connections{state}, _budget, _effective_budget,
    /// _waiting, _tenant_in_use{project}, _tenant_waiting{project},
    /// _acquire_wait_seconds{quantile="0.5"|"0.99"}; counters mnemo_pool_acquires_total,
    /// _timeouts_total, _overloads_total, _connects_total, _connect_errors_total, _leaks_total,
    /// _evictions_total{reason}. mnemo_http_sessions_live is omitted when `live_sessions` < 0
    /// (no session tracking); mnemo_http_connections_open and _moved_total are always present.
    /// `client_requests_waiting`: requests to clients (sampling, elicitation) awaiting answers.
    [[nodiscard]] std::string Render(const PoolFigures& pool, std::int64_t live_sessions,
                                     std::int64_t open_connections,
                                     std::int64_t client_requests_waiting = 0) const;

    /// The numbers behind mnemo_tool_calls_total and mnemo_tool_latency_seconds, by tool name.
    [[nodiscard]] std::vector<ToolTotals> ToolSnapshot() const;

private:
    using CounterMap = std::map<std::string, std::uint64_t, std::less<>>;

    struct ToolSeries {
        CounterMap outcomes;  // outcome -> calls
        // Non-cumulative counts per finite bucket; the +Inf bucket is `count`.
        std::array<std::uint64_t, kLatencyBucketCount> buckets{};
        std::uint64_t count = 0;
        std::uint64_t sum_ns = 0;
    };

    mutable std::mutex mu_;
    // Guarded by mu_.
    std::map<std::string, ToolSeries, std::less<>> tools_;
    CounterMap pool_timeouts_;  // project -> timeouts
    std::map<int, std::uint64_t> http_responses_;
    std::atomic<std::uint64_t> connections_moved_{0};
};

}  // namespace mnemo::util

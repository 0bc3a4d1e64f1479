// SPDX-License-Identifier: MIT
// Metrics: recording under one mutex, rendering in the Prometheus text format 0.0.4.
#include "util/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <utility>
#include <vector>

namespace mnemo::util {
namespace {

struct Bucket {
    std::int64_t le_ns;
    std::string_view le;  // Rendered `le` label value, in seconds.
};

constexpr std::array<Bucket, Metrics::kLatencyBucketCount> kBuckets{{
    {1'000'000, "0.001"},
    {2'500'000, "0.0025"},
    {5'000'000, "0.005"},
    {10'000'000, "0.01"},
    {25'000'000, "0.025"},
    {50'000'000, "0.05"},
    {100'000'000, "0.1"},
    {250'000'000, "0.25"},
    {500'000'000, "0.5"},
    {1'000'000'000, "1"},
    {2'500'000'000, "2.5"},
    {5'000'000'000, "5"},
    {10'000'000'000, "10"},
}};

struct Label {
    std::string_view name;
    std::string_view value;
};

// Finds the series for `key`, creating it unless the map already holds kMaxLabelValues
// series; past that, new keys share the kOverflowLabel series. Allocates only on creation.
template <class Map>
typename Map::mapped_type& Slot(Map& map, std::string_view key) {
    auto it = map.find(key);
    if (it != map.end()) return it->second;
    if (map.size() >= Metrics::kMaxLabelValues) key = Metrics::kOverflowLabel;
    return map.try_emplace(std::string(key)).first->second;
}

template <class Integer>
std::string FormatInteger(Integer value) {
    std::array<char, 24> text{};
    const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
    return std::string(text.data(), result.ptr);
}

// Nanoseconds as exact decimal seconds ("0.0025", "12", "1.000000001"): no floating point, so
// the output is deterministic and sums never pick up rounding noise.
std::string FormatSeconds(std::uint64_t ns) {
    std::string text = FormatInteger(ns / 1'000'000'000);
    std::uint64_t fraction = ns % 1'000'000'000;
    if (fraction == 0) return text;
    int digits = 9;
    while (fraction % 10 == 0) {
        fraction /= 10;
        --digits;
    }
    const std::string tail = FormatInteger(fraction);
    text += '.';
    text.append(static_cast<std::size_t>(digits) - tail.size(), '0');
    text += tail;
    return text;
}

void AppendEscaped(std::string& out, std::string_view value) {
    for (const char c : value) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            case '\n': out += "\\n"; break;
            default: out += c;
        }
    }
}

void AppendFamily(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void AppendSample(std::string& out, std::string_view name, std::initializer_list<Label> labels,
                  std::string_view value) {
    out.append(name);
    if (labels.size() != 0) {
        out += '{';
        bool first = true;
        for (const Label& label : labels) {
            if (!first) out += ',';
            first = false;
            out.append(label.name).append("=\"");
            AppendEscaped(out, label.value);
            out += '"';
        }
        out += '}';
    }
    out.append(" ").append(value).append("\n");
}

// A family with one unlabelled sample.
template <class Integer>
void AppendSingle(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help, Integer value) {
    AppendFamily(out, name, type, help);
    AppendSample(out, name, {}, FormatInteger(value));
}

// Pool families from one snapshot, in a fixed order, samples sorted by label value.
void AppendPool(std::string& out, const PoolFigures& pool) {
    AppendFamily(out, "mnemo_pool_connections", "gauge",
                 "Pool connections by state (connecting ones are not yet open).");
    AppendSample(out, "mnemo_pool_connections", {{"state", "connecting"}},
                 FormatInteger(pool.connecting));
    AppendSample(out, "mnemo_pool_connections", {{"state", "idle"}}, FormatInteger(pool.idle));
    AppendSample(out, "mnemo_pool_connections", {{"state", "in_use"}}, FormatInteger(pool.in_use));
    AppendSingle(out, "mnemo_pool_budget", "gauge", "Configured maximum pool size.", pool.max_size);
    AppendSingle(out, "mnemo_pool_effective_budget", "gauge",
                 "Pool size limit after server backpressure (SQLSTATE 53300).",
                 pool.effective_max_size);
    AppendSingle(out, "mnemo_pool_waiting", "gauge", "Acquires queued for a connection.",
                 pool.waiting);

    // By project name, merging duplicates so no series is emitted twice.
    std::map<std::string_view, std::pair<std::size_t, std::size_t>> tenants;
    for (const PoolFigures::Tenant& tenant : pool.tenants) {
        auto& [in_use, waiting] = tenants[tenant.name];
        in_use += tenant.in_use;
        waiting += tenant.waiting;
    }
    AppendFamily(out, "mnemo_pool_tenant_in_use", "gauge", "Leases held per project.");
    for (const auto& [project, counts] : tenants) {
        AppendSample(out, "mnemo_pool_tenant_in_use", {{"project", project}},
                     FormatInteger(counts.first));
    }
    AppendFamily(out, "mnemo_pool_tenant_waiting", "gauge", "Acquires queued per project.");
    for (const auto& [project, counts] : tenants) {
        AppendSample(out, "mnemo_pool_tenant_waiting", {{"project", project}},
                     FormatInteger(counts.second));
    }

    // Per token user (the pool's tenant groups): leases over all their projects, their queue,
    // and their quota (MNEMO_USER_MAX_CONNECTIONS).
    AppendFamily(out, "mnemo_pool_user_in_use", "gauge", "Leases held per user.");
    for (const PoolFigures::Group& group : pool.groups) {
        AppendSample(out, "mnemo_pool_user_in_use", {{"user", group.name}},
                     FormatInteger(group.in_use));
    }
    AppendFamily(out, "mnemo_pool_user_waiting", "gauge", "Acquires queued per user.");
    for (const PoolFigures::Group& group : pool.groups) {
        AppendSample(out, "mnemo_pool_user_waiting", {{"user", group.name}},
                     FormatInteger(group.waiting));
    }
    AppendFamily(out, "mnemo_pool_user_quota", "gauge", "Lease quota per user (0 = none).");
    for (const PoolFigures::Group& group : pool.groups) {
        AppendSample(out, "mnemo_pool_user_quota", {{"user", group.name}},
                     FormatInteger(group.quota));
    }

    AppendFamily(out, "mnemo_pool_acquire_wait_seconds", "gauge",
                 "Acquire wait quantiles since pool creation (log2 bucket upper bounds).");
    AppendSample(out, "mnemo_pool_acquire_wait_seconds", {{"quantile", "0.5"}},
                 FormatSeconds(pool.acquire_wait_p50_ns));
    AppendSample(out, "mnemo_pool_acquire_wait_seconds", {{"quantile", "0.99"}},
                 FormatSeconds(pool.acquire_wait_p99_ns));

    AppendSingle(out, "mnemo_pool_acquires_total", "counter", "Leases handed out.", pool.acquires);
    AppendSingle(out, "mnemo_pool_timeouts_total", "counter", "Acquires that timed out.",
                 pool.timeouts);
    AppendSingle(out, "mnemo_pool_overloads_total", "counter",
                 "Acquires refused because the wait queue was full.", pool.overloads);
    AppendSingle(out, "mnemo_pool_connects_total", "counter", "Connections opened.", pool.connects);
    AppendSingle(out, "mnemo_pool_connect_errors_total", "counter", "Failed connection attempts.",
                 pool.connect_errors);
    AppendSingle(out, "mnemo_pool_leaks_total", "counter", "Leases held past the leak threshold.",
                 pool.leaks);
    AppendSingle(out, "mnemo_pool_backpressure_refusals_total", "counter",
                 "Connects the server refused with SQLSTATE 53300 (too many clients).",
                 pool.backpressure_refusals);
    AppendSingle(out, "mnemo_pool_budget_lowerings_total", "counter",
                 "Times the budget was lowered from the configured size after SQLSTATE 53300.",
                 pool.budget_lowerings);

    std::vector<std::pair<std::string_view, std::uint64_t>> evictions(pool.evictions.begin(),
                                                                      pool.evictions.end());
    std::sort(evictions.begin(), evictions.end());
    AppendFamily(out, "mnemo_pool_evictions_total", "counter", "Connections closed by reason.");
    for (const auto& [reason, count] : evictions) {
        AppendSample(out, "mnemo_pool_evictions_total", {{"reason", reason}}, FormatInteger(count));
    }
}

}  // namespace

void Metrics::RecordToolCall(std::string_view tool, std::string_view outcome,
                             std::chrono::nanoseconds latency) {
    const std::int64_t ns = std::max<std::int64_t>(latency.count(), 0);
    std::size_t bucket = kLatencyBucketCount;  // +Inf only
    for (std::size_t i = 0; i < kLatencyBucketCount; ++i) {
        if (ns <= kBuckets[i].le_ns) {
            bucket = i;
            break;
        }
    }
    const std::lock_guard lock(mu_);
    ToolSeries& series = Slot(tools_, tool);
    ++Slot(series.outcomes, outcome);
    if (bucket < kLatencyBucketCount) ++series.buckets[bucket];
    ++series.count;
    series.sum_ns += static_cast<std::uint64_t>(ns);
}

void Metrics::RecordPoolTimeout(std::string_view project) {
    const std::lock_guard lock(mu_);
    ++Slot(pool_timeouts_, project);
}

void Metrics::RecordHttpResponse(int status) {
    const std::lock_guard lock(mu_);
    auto it = http_responses_.find(status);
    if (it == http_responses_.end()) {
        if (http_responses_.size() >= kMaxLabelValues) status = 0;
        it = http_responses_.try_emplace(status).first;
    }
    ++it->second;
}

std::vector<Metrics::ToolTotals> Metrics::ToolSnapshot() const {
    std::vector<ToolTotals> totals;
    const std::lock_guard lock(mu_);
    totals.reserve(tools_.size());
    for (const auto& [tool, series] : tools_) {
        ToolTotals& entry = totals.emplace_back();
        entry.tool = tool;
        entry.calls = series.count;
        if (const auto errors = series.outcomes.find("error"); errors != series.outcomes.end()) {
            entry.errors = errors->second;
        }
        entry.latency_sum_ns = series.sum_ns;
    }
    return totals;
}

std::string Metrics::Render(const PoolFigures& pool, std::int64_t live_sessions,
                            std::int64_t open_connections,
                            std::int64_t client_requests_waiting) const {
    std::string out;
    out.reserve(4096);
    {
        const std::lock_guard lock(mu_);
        AppendFamily(out, "mnemo_tool_calls_total", "counter", "Tool calls by tool and outcome.");
        for (const auto& [tool, series] : tools_) {
            for (const auto& [outcome, calls] : series.outcomes) {
                AppendSample(out, "mnemo_tool_calls_total", {{"tool", tool}, {"outcome", outcome}},
                             FormatInteger(calls));
            }
        }
        AppendFamily(out, "mnemo_tool_latency_seconds", "histogram", "Tool call latency.");
        for (const auto& [tool, series] : tools_) {
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < kLatencyBucketCount; ++i) {
                cumulative += series.buckets[i];
                AppendSample(out, "mnemo_tool_latency_seconds_bucket",
                             {{"tool", tool}, {"le", kBuckets[i].le}}, FormatInteger(cumulative));
            }
            AppendSample(out, "mnemo_tool_latency_seconds_bucket", {{"tool", tool}, {"le", "+Inf"}},
                         FormatInteger(series.count));
            AppendSample(out, "mnemo_tool_latency_seconds_sum", {{"tool", tool}},
                         FormatSeconds(series.sum_ns));
            AppendSample(out, "mnemo_tool_latency_seconds_count", {{"tool", tool}},
                         FormatInteger(series.count));
        }
        AppendFamily(out, "mnemo_pool_acquire_timeouts_total", "counter",
                     "Tool calls that failed with a connection pool timeout, by project.");
        for (const auto& [project, count] : pool_timeouts_) {
            AppendSample(out, "mnemo_pool_acquire_timeouts_total", {{"project", project}},
                         FormatInteger(count));
        }
        AppendFamily(out, "mnemo_http_responses_total", "counter", "HTTP responses by status.");
        for (const auto& [status, count] : http_responses_) {
            AppendSample(out, "mnemo_http_responses_total", {{"status", FormatInteger(status)}},
                         FormatInteger(count));
        }
    }
    if (live_sessions >= 0) {
        AppendSingle(out, "mnemo_http_sessions_live", "gauge", "Live MCP sessions.", live_sessions);
    }
    AppendSingle(out, "mnemo_http_connections_open", "gauge", "Open HTTP connections.",
                 open_connections);
    AppendSingle(out, "mnemo_http_connections_moved_total", "counter",
                 "HTTP connections moved to an idle I/O thread between two of their requests.",
                 static_cast<std::int64_t>(connections_moved_.load(std::memory_order_relaxed)));
    AppendSingle(out, "mnemo_client_requests_waiting", "gauge",
                 "Requests to clients (sampling, elicitation) waiting for an answer.",
                 client_requests_waiting);
    AppendPool(out, pool);
    return out;
}

}  // namespace mnemo::util

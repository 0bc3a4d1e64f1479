// SPDX-License-Identifier: MIT
// Metrics: parses the rendered Prometheus text and checks counters, histograms and pool gauges.
#include "util/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "memory/pool_figures.hpp"

namespace mnemo::util {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using Labels = std::map<std::string, std::string>;

struct Sample {
    std::string name;
    Labels labels;
    std::string value;
};

/// A parsed exposition: samples in order, plus HELP/TYPE bookkeeping per family.
struct Exposition {
    std::vector<Sample> samples;
    std::map<std::string, int> help_count;
    std::map<std::string, int> type_count;
    std::map<std::string, std::string> types;

    [[nodiscard]] std::optional<std::string> Find(const std::string& name,
                                                  const Labels& labels = {}) const {
        for (const Sample& sample : samples) {
            if (sample.name == name && sample.labels == labels) return sample.value;
        }
        return std::nullopt;
    }
    /// The value as a number; -1 (and a test failure) when the sample is missing.
    [[nodiscard]] double Number(const std::string& name, const Labels& labels = {}) const {
        const std::optional<std::string> value = Find(name, labels);
        if (!value) {
            ADD_FAILURE() << "missing sample " << name;
            return -1;
        }
        return std::stod(*value);
    }
    [[nodiscard]] std::vector<Sample> All(const std::string& name) const {
        std::vector<Sample> out;
        for (const Sample& sample : samples) {
            if (sample.name == name) out.push_back(sample);
        }
        return out;
    }
};

// Parses `name{a="x",b="y"} value` lines strictly: unknown escapes or junk fail the test.
Exposition Parse(const std::string& text) {
    Exposition result;
    std::istringstream lines(text);
    std::string line;
    std::string current_family;
    while (std::getline(lines, line)) {
        if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
            const std::string rest = line.substr(7);
            const std::string name = rest.substr(0, rest.find(' '));
            if (line[2] == 'H') {
                ++result.help_count[name];
            } else {
                ++result.type_count[name];
                result.types[name] = rest.substr(name.size() + 1);
                current_family = name;
            }
            continue;
        }
        Sample sample;
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') sample.name += line[i++];
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                const std::size_t eq = line.find("=\"", i);
                if (eq == std::string::npos) {
                    ADD_FAILURE() << "bad labels: " << line;
                    return result;
                }
                const std::string key = line.substr(i, eq - i);
                std::string value;
                for (i = eq + 2; i < line.size() && line[i] != '"'; ++i) {
                    if (line[i] != '\\') {
                        value += line[i];
                        continue;
                    }
                    const char next = ++i < line.size() ? line[i] : '?';
                    if (next == '\\' || next == '"') {
                        value += next;
                    } else if (next == 'n') {
                        value += '\n';
                    } else {
                        ADD_FAILURE() << "bad escape: " << line;
                    }
                }
                EXPECT_EQ(sample.labels.count(key), 0U) << line;
                sample.labels[key] = value;
                ++i;  // closing quote
                if (i < line.size() && line[i] == ',') ++i;
            }
            ++i;  // closing brace
        }
        EXPECT_TRUE(i < line.size() && line[i] == ' ') << line;
        sample.value = line.substr(i + 1);
        EXPECT_FALSE(sample.value.empty()) << line;
        // Every sample belongs to the family declared just above it.
        const bool in_family =
            sample.name == current_family ||
            (result.types[current_family] == "histogram" &&
             (sample.name == current_family + "_bucket" || sample.name == current_family + "_sum" ||
              sample.name == current_family + "_count"));
        EXPECT_TRUE(in_family) << sample.name << " after # TYPE " << current_family;
        result.samples.push_back(std::move(sample));
    }
    return result;
}

Exposition Render(const Metrics& metrics, const pqpool::PoolStats& pool = {},
                  std::int64_t live_sessions = 0, std::int64_t open_connections = 0) {
    const std::string text =
        metrics.Render(memory::PoolFiguresOf(pool), live_sessions, open_connections);
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    return Parse(text);
}

TEST(MetricsTest, ToolCallCountersIncreasePerLabelSet) {
    Metrics metrics;
    metrics.RecordToolCall("recall", "success", milliseconds(3));
    metrics.RecordToolCall("recall", "success", milliseconds(4));
    metrics.RecordToolCall("recall", "error", milliseconds(5));
    metrics.RecordToolCall("remember", "success", milliseconds(1));
    const Exposition first = Render(metrics);
    EXPECT_EQ(first.Number("mnemo_tool_calls_total", {{"tool", "recall"}, {"outcome", "success"}}),
              2);
    EXPECT_EQ(first.Number("mnemo_tool_calls_total", {{"tool", "recall"}, {"outcome", "error"}}),
              1);
    EXPECT_EQ(
        first.Number("mnemo_tool_calls_total", {{"tool", "remember"}, {"outcome", "success"}}), 1);
    EXPECT_FALSE(
        first.Find("mnemo_tool_calls_total", {{"tool", "remember"}, {"outcome", "error"}}));

    metrics.RecordToolCall("remember", "error", milliseconds(1));
    const Exposition second = Render(metrics);
    EXPECT_EQ(second.Number("mnemo_tool_calls_total", {{"tool", "remember"}, {"outcome", "error"}}),
              1);
    EXPECT_EQ(second.Number("mnemo_tool_calls_total", {{"tool", "recall"}, {"outcome", "success"}}),
              2);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInfEqualsCount) {
    Metrics metrics;
    metrics.RecordToolCall("recall", "success", microseconds(500));         // <= 0.001
    metrics.RecordToolCall("recall", "success", milliseconds(1));           // le is inclusive
    metrics.RecordToolCall("recall", "error", milliseconds(30));            // <= 0.05
    metrics.RecordToolCall("recall", "success", std::chrono::seconds(11));  // +Inf only
    metrics.RecordToolCall("recall", "success", nanoseconds(-5));           // clamped to 0
    const Exposition parsed = Render(metrics);

    const std::vector<Sample> buckets = parsed.All("mnemo_tool_latency_seconds_bucket");
    const std::vector<std::string> expected_le = {"0.001", "0.0025", "0.005", "0.01", "0.025",
                                                  "0.05",  "0.1",    "0.25",  "0.5",  "1",
                                                  "2.5",   "5",      "10",    "+Inf"};
    ASSERT_EQ(buckets.size(), expected_le.size());
    double previous = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        EXPECT_EQ(buckets[i].labels.at("le"), expected_le[i]);
        EXPECT_EQ(buckets[i].labels.at("tool"), "recall");
        const double value = std::stod(buckets[i].value);
        EXPECT_GE(value, previous) << "le=" << expected_le[i];
        previous = value;
    }
    const Labels tool = {{"tool", "recall"}};
    auto le = [](const char* bound) { return Labels{{"tool", "recall"}, {"le", bound}}; };
    EXPECT_EQ(parsed.Number("mnemo_tool_latency_seconds_bucket", le("0.001")), 3);
    EXPECT_EQ(parsed.Number("mnemo_tool_latency_seconds_bucket", le("0.025")), 3);
    EXPECT_EQ(parsed.Number("mnemo_tool_latency_seconds_bucket", le("0.05")), 4);
    EXPECT_EQ(parsed.Number("mnemo_tool_latency_seconds_bucket", le("10")), 4);
    EXPECT_EQ(parsed.Number("mnemo_tool_latency_seconds_count", tool), 5);
    EXPECT_EQ(parsed.Number("mnemo_tool_latency_seconds_bucket", le("+Inf")),
              parsed.Number("mnemo_tool_latency_seconds_count", tool));
    // Exact decimal: 0.0005 + 0.001 + 0.03 + 11 + 0.
    EXPECT_EQ(parsed.Find("mnemo_tool_latency_seconds_sum", tool), "11.0315");
}

TEST(MetricsTest, LabelValuesAreEscaped) {
    Metrics metrics;
    const std::string tool = "we\"ird\\to\nol";
    metrics.RecordToolCall(tool, "success", milliseconds(2));
    metrics.RecordPoolTimeout("proj\"ect\n");
    const std::string text = metrics.Render({}, -1, 0);
    EXPECT_NE(text.find(R"(tool="we\"ird\\to\nol")"), std::string::npos) << text;
    const Exposition parsed = Parse(text);
    EXPECT_EQ(parsed.Number("mnemo_tool_calls_total", {{"tool", tool}, {"outcome", "success"}}), 1);
    EXPECT_EQ(parsed.Number("mnemo_pool_acquire_timeouts_total", {{"project", "proj\"ect\n"}}), 1);
}

TEST(MetricsTest, PoolTimeoutsAndHttpResponsesAreCounted) {
    Metrics metrics;
    metrics.RecordPoolTimeout("alpha");
    metrics.RecordPoolTimeout("alpha");
    metrics.RecordPoolTimeout("beta");
    metrics.RecordHttpResponse(200);
    metrics.RecordHttpResponse(200);
    metrics.RecordHttpResponse(404);
    const Exposition parsed = Render(metrics);
    EXPECT_EQ(parsed.Number("mnemo_pool_acquire_timeouts_total", {{"project", "alpha"}}), 2);
    EXPECT_EQ(parsed.Number("mnemo_pool_acquire_timeouts_total", {{"project", "beta"}}), 1);
    EXPECT_EQ(parsed.Number("mnemo_http_responses_total", {{"status", "200"}}), 2);
    EXPECT_EQ(parsed.Number("mnemo_http_responses_total", {{"status", "404"}}), 1);
    EXPECT_FALSE(parsed.Find("mnemo_http_responses_total", {{"status", "500"}}));
}

TEST(MetricsTest, PoolGaugesReflectSnapshot) {
    pqpool::PoolStats pool;
    pool.idle = 3;
    pool.in_use = 5;
    pool.connecting = 1;
    pool.total = 8;
    pool.waiting = 4;
    pool.max_size = 20;
    pool.effective_max_size = 12;
    pool.tenants = {{"zeta", 1, 0}, {"alpha", 4, 4}};
    pool.groups = {{"alice", 10, 3, 10}, {"bob", 1, 0, 10}};
    pool.acquires = 100;
    pool.timeouts = 7;
    pool.overloads = 2;
    pool.connects = 9;
    pool.connect_errors = 3;
    pool.leaks = 1;
    pool.backpressure_refusals = 13;
    pool.budget_lowerings = 2;
    pool.evictions[static_cast<std::size_t>(pqpool::EvictReason::kLifetime)] = 6;
    pool.evictions[static_cast<std::size_t>(pqpool::EvictReason::kBroken)] = 2;
    pool.acquire_wait.buckets[10] = 98;  // [1024, 2048) ns
    pool.acquire_wait.buckets[20] = 2;   // [2^20, 2^21) ns
    pool.acquire_wait.count = 100;

    Metrics metrics;
    const Exposition parsed = Render(metrics, pool, 6, 11);
    EXPECT_EQ(parsed.Number("mnemo_pool_connections", {{"state", "idle"}}), 3);
    EXPECT_EQ(parsed.Number("mnemo_pool_connections", {{"state", "in_use"}}), 5);
    EXPECT_EQ(parsed.Number("mnemo_pool_connections", {{"state", "connecting"}}), 1);
    EXPECT_EQ(parsed.Number("mnemo_pool_budget"), 20);
    EXPECT_EQ(parsed.Number("mnemo_pool_effective_budget"), 12);
    EXPECT_EQ(parsed.Number("mnemo_pool_waiting"), 4);
    EXPECT_EQ(parsed.Number("mnemo_pool_tenant_in_use", {{"project", "alpha"}}), 4);
    EXPECT_EQ(parsed.Number("mnemo_pool_tenant_in_use", {{"project", "zeta"}}), 1);
    EXPECT_EQ(parsed.Number("mnemo_pool_tenant_waiting", {{"project", "alpha"}}), 4);
    EXPECT_EQ(parsed.Number("mnemo_pool_tenant_waiting", {{"project", "zeta"}}), 0);
    EXPECT_EQ(parsed.Number("mnemo_pool_user_in_use", {{"user", "alice"}}), 10);
    EXPECT_EQ(parsed.Number("mnemo_pool_user_waiting", {{"user", "alice"}}), 3);
    EXPECT_EQ(parsed.Number("mnemo_pool_user_quota", {{"user", "bob"}}), 10);
    EXPECT_EQ(parsed.Number("mnemo_pool_user_in_use", {{"user", "bob"}}), 1);
    EXPECT_EQ(parsed.Number("mnemo_pool_acquires_total"), 100);
    EXPECT_EQ(parsed.Number("mnemo_pool_timeouts_total"), 7);
    EXPECT_EQ(parsed.Number("mnemo_pool_overloads_total"), 2);
    EXPECT_EQ(parsed.Number("mnemo_pool_connects_total"), 9);
    EXPECT_EQ(parsed.Number("mnemo_pool_connect_errors_total"), 3);
    EXPECT_EQ(parsed.Number("mnemo_pool_leaks_total"), 1);
    EXPECT_EQ(parsed.Number("mnemo_pool_backpressure_refusals_total"), 13);
    EXPECT_EQ(parsed.Number("mnemo_pool_budget_lowerings_total"), 2);
    EXPECT_EQ(parsed.All("mnemo_pool_evictions_total").size(), pqpool::kEvictReasonCount);
    EXPECT_EQ(parsed.Number("mnemo_pool_evictions_total", {{"reason", "lifetime"}}), 6);
    EXPECT_EQ(parsed.Number("mnemo_pool_evictions_total", {{"reason", "broken"}}), 2);
    EXPECT_EQ(parsed.Number("mnemo_pool_evictions_total", {{"reason", "close"}}), 0);
    EXPECT_EQ(parsed.Find("mnemo_pool_acquire_wait_seconds", {{"quantile", "0.5"}}), "0.000002047");
    EXPECT_EQ(parsed.Find("mnemo_pool_acquire_wait_seconds", {{"quantile", "0.99"}}),
              "0.002097151");
    EXPECT_EQ(parsed.Number("mnemo_http_sessions_live"), 6);
    EXPECT_EQ(parsed.Number("mnemo_http_connections_open"), 11);
    // Tenants come out sorted by project, whatever the snapshot order.
    const std::vector<Sample> tenants = parsed.All("mnemo_pool_tenant_in_use");
    ASSERT_EQ(tenants.size(), 2U);
    EXPECT_EQ(tenants[0].labels.at("project"), "alpha");
}

TEST(MetricsTest, LiveSessionsOmittedWhenNegative) {
    Metrics metrics;
    const Exposition parsed = Render(metrics, {}, -1, 2);
    EXPECT_FALSE(parsed.Find("mnemo_http_sessions_live"));
    EXPECT_EQ(parsed.help_count.count("mnemo_http_sessions_live"), 0U);
    EXPECT_EQ(parsed.Number("mnemo_http_connections_open"), 2);
    EXPECT_EQ(parsed.Number("mnemo_pool_acquire_wait_seconds", {{"quantile", "0.5"}}), 0);
}

TEST(MetricsTest, MovedConnectionsAreCounted) {
    Metrics metrics;
    EXPECT_EQ(Render(metrics, {}, 0, 0).Number("mnemo_http_connections_moved_total"), 0);
    metrics.RecordConnectionMoved();
    metrics.RecordConnectionMoved();
    EXPECT_EQ(Render(metrics, {}, 0, 0).Number("mnemo_http_connections_moved_total"), 2);
}

TEST(MetricsTest, HelpAndTypeAreEmittedOncePerFamily) {
    Metrics metrics;
    metrics.RecordToolCall("a", "success", milliseconds(1));
    metrics.RecordToolCall("b", "error", milliseconds(1));
    metrics.RecordPoolTimeout("p");
    metrics.RecordHttpResponse(200);
    metrics.RecordHttpResponse(500);
    pqpool::PoolStats pool;
    pool.tenants = {{"p", 1, 1}, {"q", 2, 0}};
    const Exposition parsed = Render(metrics, pool, 1, 1);
    for (const auto& [family, count] : parsed.type_count) {
        EXPECT_EQ(count, 1) << family;
        EXPECT_EQ(parsed.help_count.at(family), 1) << family;
    }
    EXPECT_EQ(parsed.help_count.size(), parsed.type_count.size());
    EXPECT_EQ(parsed.types.at("mnemo_tool_calls_total"), "counter");
    EXPECT_EQ(parsed.types.at("mnemo_tool_latency_seconds"), "histogram");
    EXPECT_EQ(parsed.types.at("mnemo_pool_connections"), "gauge");
    EXPECT_EQ(parsed.types.at("mnemo_pool_evictions_total"), "counter");
    EXPECT_EQ(parsed.types.at("mnemo_http_sessions_live"), "gauge");
    EXPECT_EQ(parsed.types.at("mnemo_client_requests_waiting"), "gauge");
    EXPECT_EQ(parsed.types.at("mnemo_http_connections_moved_total"), "counter");
    EXPECT_EQ(parsed.type_count.size(), 27U);  // + the per-user gauges and the 53300 counters
}

TEST(MetricsTest, RenderIsDeterministicAndSorted) {
    Metrics one;
    Metrics two;
    for (const char* tool : {"zeta", "alpha", "mid"}) one.RecordToolCall(tool, "success", {});
    for (const char* tool : {"mid", "zeta", "alpha"}) two.RecordToolCall(tool, "success", {});
    EXPECT_EQ(one.Render({}, 0, 0), two.Render({}, 0, 0));
    const std::vector<Sample> calls = Render(one).All("mnemo_tool_calls_total");
    ASSERT_EQ(calls.size(), 3U);
    EXPECT_EQ(calls[0].labels.at("tool"), "alpha");
    EXPECT_EQ(calls[2].labels.at("tool"), "zeta");
}

TEST(MetricsTest, LabelCardinalityIsCapped) {
    Metrics metrics;
    const std::size_t extra = 10;
    for (std::size_t i = 0; i < Metrics::kMaxLabelValues + extra; ++i) {
        metrics.RecordToolCall("tool_" + std::to_string(i), "success", {});
    }
    const Exposition parsed = Render(metrics);
    EXPECT_EQ(parsed.All("mnemo_tool_calls_total").size(), Metrics::kMaxLabelValues + 1);
    EXPECT_EQ(
        parsed.Number("mnemo_tool_calls_total",
                      {{"tool", std::string(Metrics::kOverflowLabel)}, {"outcome", "success"}}),
        static_cast<double>(extra));
}

TEST(MetricsTest, ConcurrentRecordingLosesNothing) {
    Metrics metrics;
    constexpr int kThreads = 4;
    constexpr int kCalls = 2000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&metrics] {
            for (int i = 0; i < kCalls; ++i) {
                metrics.RecordToolCall("recall", i % 2 == 0 ? "success" : "error", microseconds(i));
                metrics.RecordHttpResponse(200);
                if (i % 100 == 0) (void)metrics.Render({}, 0, 0);
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    const Exposition parsed = Render(metrics);
    EXPECT_EQ(parsed.Number("mnemo_tool_latency_seconds_count", {{"tool", "recall"}}),
              kThreads * kCalls);
    EXPECT_EQ(parsed.Number("mnemo_tool_calls_total", {{"tool", "recall"}, {"outcome", "error"}}),
              kThreads * kCalls / 2);
    EXPECT_EQ(parsed.Number("mnemo_http_responses_total", {{"status", "200"}}), kThreads * kCalls);
}

TEST(MetricsTest, ToolSnapshotHasTheNumbersRenderShows) {
    Metrics metrics;
    metrics.RecordToolCall("recall_context", "success", std::chrono::milliseconds(2));
    metrics.RecordToolCall("recall_context", "error", std::chrono::milliseconds(4));
    metrics.RecordToolCall("sleep", "success", std::chrono::milliseconds(1));
    const auto tools = metrics.ToolSnapshot();
    ASSERT_EQ(tools.size(), 2u);
    EXPECT_EQ(tools[0].tool, "recall_context");
    EXPECT_EQ(tools[0].calls, 2u);
    EXPECT_EQ(tools[0].errors, 1u);
    EXPECT_EQ(tools[0].latency_sum_ns, 6'000'000u);
    EXPECT_EQ(tools[1].tool, "sleep");
    EXPECT_EQ(tools[1].errors, 0u);
}

}  // namespace
}  // namespace mnemo::util

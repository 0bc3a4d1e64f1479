// SPDX-License-Identifier: MIT
// mnemo_json_bench: the JSON work of one tool call beside nlohmann's, with each pair's ratio
// from the same run: serialising a tool result (the text block, then the whole JSON-RPC
// response) with mcp::Serialize against nlohmann's dump, for a recall_context and a
// search_contexts reply; and reading JSON text with util::ParseJson against nlohmann's parse,
// for those results as PostgreSQL returns them and for a lock_context request.
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "mcp/jsonrpc.hpp"
#include "util/json_read.hpp"

namespace {

using mnemo::mcp::Json;

/// Memory-like prose: code with quotes, newlines, a tab, and some non-ASCII (2- and 3-byte).
std::string Prose(std::size_t bytes) {
    static constexpr std::array<std::string_view, 5> kLines = {
        "The pool hands out a lease; call Release() before the \"deadline\" passes.\n",
        "Config: {\"max_size\": 16, \"timeout_ms\": 250} \xE2\x80\x94 see docs/server.md.\n",
        "Caf\xC3\xA9 r\xC3\xA9sum\xC3\xA9: idle connections are closed \xE2\x86\x92 reconnect.\n",
        "\tif (!lease.ok()) return lease.error();  // C:\\path\\to\\file\n",
        "Plain text about migrations, tenants and the HTTP transport, nothing to escape here.\n",
    };
    std::string text;
    for (std::size_t i = 0; text.size() < bytes; ++i) text += kLines[i % kLines.size()];
    text.resize(bytes);
    while ((static_cast<unsigned char>(text.back()) & 0xC0) == 0x80 ||
           static_cast<unsigned char>(text.back()) >= 0xC0) {
        text.pop_back();  // do not cut a UTF-8 sequence in two
    }
    return text;
}

/// recall_context's structured result (sql/011_recall_plan.sql) with 1 KB of content.
Json RecallResult() {
    return Json{{"found", true},
                {"project", "mnemo"},
                {"topic", "architecture/pool"},
                {"version", 3},
                {"priority", "important"},
                {"tags", {"pqpool", "design"}},
                {"created_at", "2026-12-06T17:04:34.123456+00:00"},
                {"content_hash", std::string(64, 'a')},
                {"size_bytes", 1024},
                {"archived_at", nullptr},
                {"preview", Prose(200)},
                {"guard", nullptr},
                {"content", Prose(1024)},
                {"live_versions", {1, 2, 3}}};
}

/// search_contexts' structured result (sql/010_search_plan.sql) with 10 hits.
Json SearchResult() {
    Json hits = Json::array();
    for (int i = 0; i < 10; ++i) {
        hits.push_back(Json{{"topic", "notes/topic-" + std::to_string(i)},
                            {"version", i + 1},
                            {"priority", "reference"},
                            {"tags", {"search", "bench"}},
                            {"preview", Prose(300)},
                            {"score", 0.0759 + 0.01 * i},
                            {"match", "all"},
                            {"matched", {"topic", "content"}},
                            {"content", nullptr},
                            {"created_at", "2026-12-06T17:04:34.123456+00:00"}});
    }
    return Json{{"project", "mnemo"}, {"query", "pool deadline"}, {"results", std::move(hits)}};
}

/// A tools/call request of lock_context with 1 KB of content, as a client sends it.
std::string LockRequest() {
    return Json{{"jsonrpc", "2.0"},
                {"id", 7},
                {"method", "tools/call"},
                {"params",
                 {{"name", "lock_context"},
                  {"arguments",
                   {{"project", "bench-p1"},
                    {"topic", "bench/lock-12"},
                    {"content", Prose(1024)},
                    {"priority", "important"},
                    {"tags", {"bench", "http"}}}}}}}
        .dump();
}

/// `value` as PostgreSQL's json_build_object writes it: a space on each side of every colon
/// and after every comma, which nlohmann's dump with indentation approximates closely enough.
std::string PostgresText(const Json& value) { return value.dump(1, ' '); }

Json NlohmannParse(std::string_view text) { return Json::parse(text); }

/// Reading one JSON text into a value.
template <Json (*kParse)(std::string_view)>
void ReadText(benchmark::State& state, const std::string& text) {
    for (auto _ : state) {
        Json value = kParse(text);
        benchmark::DoNotOptimize(value);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

std::string NlohmannDump(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

/// The JSON-RPC response carrying `structured` as a tool result: the text block and
/// structuredContent.
Json Response(const Json& structured) {
    return Json{
        {"jsonrpc", "2.0"},
        {"id", 42},
        {"result",
         {{"content", Json::array({{{"type", "text"}, {"text", NlohmannDump(structured)}}})},
          {"structuredContent", structured},
          {"isError", false}}}};
}

/// One tool result's serialisation, as the dispatcher and the transport do it: the structured
/// result into the text block, then the whole response.
template <std::string (*kSerialize)(const Json&)>
void SerialiseToolResult(benchmark::State& state, const Json& structured) {
    const Json response = Response(structured);
    std::size_t bytes = 0;
    for (auto _ : state) {
        std::string text = kSerialize(structured);
        std::string wire = kSerialize(response);
        bytes += text.size() + wire.size();
        benchmark::DoNotOptimize(text.data());
        benchmark::DoNotOptimize(wire.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

/// The console report, plus each mcp::Serialize run's time against its nlohmann baseline (the
/// median when repetitions are asked for, else the single run).
class RatioReporter final : public benchmark::ConsoleReporter {
public:
    // Colours only on a terminal (Google Benchmark's --benchmark_color reaches only the reporter
    // it makes itself).
    RatioReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& reports) override {
        ConsoleReporter::ReportRuns(reports);
        for (const Run& run : reports) {
            if (run.error_occurred) continue;
            const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
            if (run.run_type == Run::RT_Aggregate && !median) continue;
            auto& kept = cpu_ns_[run.run_name.function_name];
            if (median || !kept.second) kept = {run.GetAdjustedCPUTime(), median};
        }
    }

    void PrintRatios() const {
        std::printf("\nratio (CPU time, ours / nlohmann's; below 1 is faster):\n");
        for (const auto& [baseline_name, ours_name] : kPairs) {
            const auto baseline = cpu_ns_.find(baseline_name);
            const auto ours = cpu_ns_.find(ours_name);
            if (baseline == cpu_ns_.end() || ours == cpu_ns_.end()) continue;
            const double ratio = ours->second.first / baseline->second.first;
            std::printf("  %-30s %8.0f ns vs %8.0f ns  ratio %.2fx  (%.1f times as fast)\n",
                        ours_name, ours->second.first, baseline->second.first, ratio, 1 / ratio);
        }
    }

    /// (nlohmann's run, ours) by benchmark name.
    static constexpr std::array<std::pair<const char*, const char*>, 5> kPairs = {{
        {"recall_context/nlohmann_dump", "recall_context/mcp_serialize"},
        {"search_contexts/nlohmann_dump", "search_contexts/mcp_serialize"},
        {"recall_context/nlohmann_parse", "recall_context/util_parse"},
        {"search_contexts/nlohmann_parse", "search_contexts/util_parse"},
        {"lock_request/nlohmann_parse", "lock_request/util_parse"},
    }};

private:
    std::map<std::string, std::pair<double, bool>> cpu_ns_;  // name -> (ns, from a median)
};

}  // namespace

int main(int argc, char** argv) {
    const Json recall = RecallResult();
    const Json search = SearchResult();
    for (const Json* structured : {&recall, &search}) {
        const Json response = Response(*structured);
        if (mnemo::mcp::Serialize(response) != NlohmannDump(response)) {
            std::fprintf(stderr, "mcp::Serialize and nlohmann's dump differ\n");
            return 1;
        }
    }
    benchmark::RegisterBenchmark("recall_context/nlohmann_dump", SerialiseToolResult<NlohmannDump>,
                                 recall);
    benchmark::RegisterBenchmark("recall_context/mcp_serialize",
                                 SerialiseToolResult<mnemo::mcp::Serialize>, recall);
    benchmark::RegisterBenchmark("search_contexts/nlohmann_dump", SerialiseToolResult<NlohmannDump>,
                                 search);
    benchmark::RegisterBenchmark("search_contexts/mcp_serialize",
                                 SerialiseToolResult<mnemo::mcp::Serialize>, search);
    const std::string recall_text = PostgresText(recall);
    const std::string search_text = PostgresText(search["results"]);
    const std::string lock_text = LockRequest();
    for (const std::string* text : {&recall_text, &search_text, &lock_text}) {
        if (mnemo::util::ParseJson(*text) != Json::parse(*text)) {
            std::fprintf(stderr, "util::ParseJson and nlohmann's parse differ\n");
            return 1;
        }
    }
    benchmark::RegisterBenchmark("recall_context/nlohmann_parse", ReadText<NlohmannParse>,
                                 recall_text);
    benchmark::RegisterBenchmark("recall_context/util_parse", ReadText<mnemo::util::ParseJson>,
                                 recall_text);
    benchmark::RegisterBenchmark("search_contexts/nlohmann_parse", ReadText<NlohmannParse>,
                                 search_text);
    benchmark::RegisterBenchmark("search_contexts/util_parse", ReadText<mnemo::util::ParseJson>,
                                 search_text);
    benchmark::RegisterBenchmark("lock_request/nlohmann_parse", ReadText<NlohmannParse>, lock_text);
    benchmark::RegisterBenchmark("lock_request/util_parse", ReadText<mnemo::util::ParseJson>,
                                 lock_text);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.PrintRatios();
    benchmark::Shutdown();
    return 0;
}

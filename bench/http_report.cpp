// SPDX-License-Identifier: MIT
// mnemo_http_bench's figures and tables.
#include "http_report.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <numeric>
#include <sstream>

namespace mnemo::bench {
namespace {

using pqpool::bench::Fixed;
using pqpool::bench::Median;
using pqpool::bench::Quantile;
using pqpool::bench::Table;

// The median over the rounds a row ran of `figure`.
double MedianOf(const std::vector<RunStats>& rounds,
                const std::function<double(const RunStats&)>& figure) {
    std::vector<double> values;
    for (const RunStats& stats : rounds) {
        if (stats.ran) values.push_back(figure(stats));
    }
    return Median(values);
}

struct RatioFigures {
    double median = 0;
    double min = 0;
    double max = 0;
    bool any = false;
};

// Per round: rows[a] calls/s over rows[b] calls/s; their median and range.
RatioFigures Ratio(const SessionCountResult& result, Row a, Row b) {
    std::vector<double> ratios;
    const auto& num = result.stats[static_cast<std::size_t>(a)];
    const auto& den = result.stats[static_cast<std::size_t>(b)];
    for (std::size_t r = 0; r < num.size() && r < den.size(); ++r) {
        if (num[r].ran && den[r].ran && den[r].calls_per_s > 0) {
            ratios.push_back(num[r].calls_per_s / den[r].calls_per_s);
        }
    }
    RatioFigures figures;
    if (ratios.empty()) return figures;
    figures.any = true;
    figures.median = Median(ratios);
    figures.min = *std::min_element(ratios.begin(), ratios.end());
    figures.max = *std::max_element(ratios.begin(), ratios.end());
    return figures;
}

std::string RatioText(const RatioFigures& ratio) {
    if (!ratio.any) return "-";
    return Fixed(ratio.median, 2) + "x (" + Fixed(ratio.min, 2) + "-" + Fixed(ratio.max, 2) + ")";
}

std::string Ms(double ns) { return Fixed(ns / 1e6, 2); }

// Seconds per call as whole microseconds.
std::string Us(double seconds) { return Fixed(seconds * 1e6, 0); }

}  // namespace

void FillLatencies(RunStats& stats, const std::vector<std::int64_t>& all,
                   const std::array<std::vector<std::int64_t>, kOps>& per_op) {
    stats.calls = static_cast<std::int64_t>(all.size());
    stats.p50_ns = Quantile(all, 0.50);
    stats.p99_ns = Quantile(all, 0.99);
    stats.mean_ns =
        all.empty()
            ? 0.0
            : static_cast<double>(std::accumulate(all.begin(), all.end(), std::int64_t{0})) /
                  static_cast<double>(all.size());
    for (std::size_t o = 0; o < kOps; ++o) {
        stats.op_p50_ns[o] = Quantile(per_op[o], 0.50);
        stats.op_calls[o] = static_cast<std::int64_t>(per_op[o].size());
    }
}

double MachineBusySeconds() {
    std::ifstream file("/proc/stat");
    std::string line;
    std::getline(file, line);
    std::istringstream fields(line);
    std::string cpu;
    fields >> cpu;
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    std::array<double, 8> ticks{};
    for (double& value : ticks) fields >> value;
    const double busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
    return busy / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

namespace {

// Fields 4 (ppid) and 14-17 (utime, stime, cutime, cstime) of /proc/PID/stat, in ticks.
bool ReadStat(const std::string& pid, long long& parent, std::array<double, 4>& ticks) {
    std::ifstream file("/proc/" + pid + "/stat");
    std::string stat;
    if (!std::getline(file, stat)) return false;
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 > stat.size()) return false;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    std::string skip;
    fields >> state >> parent;
    for (int field = 5; field < 14; ++field) fields >> skip;
    for (double& value : ticks) fields >> value;
    return static_cast<bool>(fields);
}

}  // namespace

double PostgresCpuSeconds(const std::filesystem::path& data_directory) {
    std::ifstream pid_file(data_directory / "postmaster.pid");
    long long postmaster = 0;
    if (!(pid_file >> postmaster) || postmaster <= 0) return -1;
    double ticks_total = 0;
    bool found = false;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        long long parent = 0;
        std::array<double, 4> ticks{};
        if (!ReadStat(name, parent, ticks)) continue;
        if (std::stoll(name) == postmaster) {
            ticks_total += ticks[0] + ticks[1] + ticks[2] + ticks[3];
            found = true;
        } else if (parent == postmaster) {
            ticks_total += ticks[0] + ticks[1];
        }
    }
    return found ? ticks_total / static_cast<double>(::sysconf(_SC_CLK_TCK)) : -1;
}

void PrintSessionCount(const SessionCountResult& result, int seconds) {
    const std::size_t rounds = result.stats[0].size();
    const std::string title = std::to_string(result.sessions) + " session" +
                              (result.sessions == 1 ? "" : "s") + " / pgbench -c " +
                              std::to_string(result.sessions) + " -j " +
                              std::to_string(result.pgbench_threads);
    std::cout << "\n"
              << title << "\n"
              << std::string(title.size(), '=') << "\n"
              << "  " << rounds << " round(s) of " << seconds
              << " s per row; medians over rounds; ratio = median of per-round ratios "
                 "(range).\n"
                 "  CPU per call, us: client = the load generator (this process, or pgbench); "
                 "mnemo = the\n  server process; PostgreSQL = the cluster's processes; machine = "
                 "all busy CPU (/proc/stat),\n  other people's processes included.\n\n";
    Table table({"row", "calls/s", "p50 ms", "p99 ms", "mean ms", "lock p50", "recall p50",
                 "search p50", "CPU: client", "mnemo", "PostgreSQL", "machine",
                 "calls/s vs tool SQL"});
    for (std::size_t row = 0; row < kRows; ++row) {
        const auto& rounds_of_row = result.stats[row];
        if (std::none_of(rounds_of_row.begin(), rounds_of_row.end(),
                         [](const RunStats& s) { return s.ran; })) {
            continue;
        }
        const auto median = [&](auto figure) { return MedianOf(rounds_of_row, figure); };
        const auto per_call = [&](double RunStats::*figure) {
            return median([figure](const RunStats& s) {
                return s.calls > 0 ? s.*figure / static_cast<double>(s.calls) : 0.0;
            });
        };
        const bool known_postgres =
            std::all_of(rounds_of_row.begin(), rounds_of_row.end(),
                        [](const RunStats& s) { return !s.ran || s.postgres_cpu_s >= 0; });
        const bool mnemo = row == static_cast<std::size_t>(Row::kMnemo);
        const std::string ratio =
            row == static_cast<std::size_t>(Row::kPgbenchTool)
                ? "(baseline)"
                : RatioText(Ratio(result, static_cast<Row>(row), Row::kPgbenchTool));
        table.AddRow({kRowNames[row],
                      Fixed(median([](const RunStats& s) { return s.calls_per_s; }), 0),
                      Ms(median([](const RunStats& s) { return s.p50_ns; })),
                      Ms(median([](const RunStats& s) { return s.p99_ns; })),
                      Ms(median([](const RunStats& s) { return s.mean_ns; })),
                      Ms(median([](const RunStats& s) { return s.op_p50_ns[0]; })),
                      Ms(median([](const RunStats& s) { return s.op_p50_ns[1]; })),
                      Ms(median([](const RunStats& s) { return s.op_p50_ns[2]; })),
                      Us(per_call(&RunStats::client_cpu_s)),
                      mnemo ? Us(per_call(&RunStats::server_cpu_s)) : "-",
                      known_postgres ? Us(per_call(&RunStats::postgres_cpu_s)) : "?",
                      Us(per_call(&RunStats::machine_cpu_s)), ratio});
    }
    table.Print();

    std::cout << "\n  Per round, calls/s (and the order the rows ran in)\n";
    Table per_round({"round", "mnemo", "pgbench tool SQL", "pgbench check + tool",
                     "mnemo / tool SQL", "mnemo / check + tool", "order"});
    for (std::size_t r = 0; r < rounds; ++r) {
        std::vector<std::string> cells{std::to_string(r + 1)};
        for (std::size_t row = 0; row < kRows; ++row) {
            const RunStats& s = result.stats[row][r];
            cells.push_back(s.ran ? Fixed(s.calls_per_s, 0) : "-");
        }
        for (const Row baseline : {Row::kPgbenchTool, Row::kPgbenchChecked}) {
            const RunStats& m = result.stats[0][r];
            const RunStats& b = result.stats[static_cast<std::size_t>(baseline)][r];
            cells.push_back(m.ran && b.ran && b.calls_per_s > 0
                                ? Fixed(m.calls_per_s / b.calls_per_s, 2) + "x"
                                : "-");
        }
        cells.push_back(r < result.orders.size() ? result.orders[r] : "");
        per_round.AddRow(std::move(cells));
    }
    per_round.Print();
}

void PrintSummary(const std::vector<SessionCountResult>& results, double goal) {
    std::cout << "\nSummary: mnemo over HTTP vs pgbench running the same SQL\n"
                 "=======================================================\n"
                 "  Medians over rounds; ratios: median of per-round calls/s ratios (range). Goal: "
                 "mnemo >= "
              << Fixed(goal, 2)
              << "x pgbench's\n  calls/s on the tool SQL at the same number of connections.\n\n";
    Table table({"sessions", "mnemo calls/s", "p50 ms", "p99 ms", "pgbench tps", "p50 ms", "p99 ms",
                 "mnemo / pgbench", "goal >= " + Fixed(goal, 2), "pgbench check+tool tps",
                 "mnemo / check+tool"});
    for (const SessionCountResult& result : results) {
        const auto median = [&](Row row, auto figure) {
            return MedianOf(result.stats[static_cast<std::size_t>(row)], figure);
        };
        const auto rate = [](const RunStats& s) { return s.calls_per_s; };
        const auto p50 = [](const RunStats& s) { return s.p50_ns; };
        const auto p99 = [](const RunStats& s) { return s.p99_ns; };
        const RatioFigures ratio = Ratio(result, Row::kMnemo, Row::kPgbenchTool);
        const RatioFigures checked = Ratio(result, Row::kMnemo, Row::kPgbenchChecked);
        table.AddRow({std::to_string(result.sessions), Fixed(median(Row::kMnemo, rate), 0),
                      Ms(median(Row::kMnemo, p50)), Ms(median(Row::kMnemo, p99)),
                      Fixed(median(Row::kPgbenchTool, rate), 0), Ms(median(Row::kPgbenchTool, p50)),
                      Ms(median(Row::kPgbenchTool, p99)), RatioText(ratio),
                      ratio.any ? (ratio.median >= goal ? "met" : "missed") : "-",
                      checked.any ? Fixed(median(Row::kPgbenchChecked, rate), 0) : "-",
                      RatioText(checked)});
    }
    table.Print();
}

}  // namespace mnemo::bench

// SPDX-License-Identifier: MIT
// Helpers shared by the pqpool_bench sections: settings, clocks, thread runs, stats, tables.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace pqpool::bench {

using BenchClock = std::chrono::steady_clock;

/// Settings for one pqpool_bench invocation (see Usage() in pool_bench.cpp).
struct BenchConfig {
    bool quick = false;
    std::string sections = "abcd";  ///< Which sections run, by letter.
    std::string dsn;                ///< TCP DSN (MNEMO_TEST_DSN).
    std::string socket_dsn;         ///< Unix-socket DSN (MNEMO_TEST_SOCKET_DSN).
    std::string python = "/usr/bin/python3";
    std::string python_script;
    std::vector<int> workload_threads{4, 16};

    [[nodiscard]] bool Runs(char section) const {
        return sections.find(section) != std::string::npos;
    }
};

/// Prints "pqpool_bench: <what>" and ends the process at once (safe on worker threads).
[[noreturn]] void Die(const std::string& what);

/// Keeps the compiler from discarding a value computed only to be measured.
template <class T>
inline void DoNotOptimize(const T& value) {
    asm volatile("" : : "r,m"(value) : "memory");
}

/// Nanoseconds in a steady_clock duration, as a double.
[[nodiscard]] inline double Ns(BenchClock::duration duration) {
    return static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count());
}

/// Nanoseconds between two steady_clock readings, as an integer sample.
[[nodiscard]] inline std::int64_t NsBetween(BenchClock::time_point from,
                                            BenchClock::time_point to) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

/// Runs body(thread_index) on `threads` threads, all released at once; returns the wall time
/// from the release until the last thread finished.
BenchClock::duration RunThreads(int threads, const std::function<void(int)>& body);

/// Runs body(thread_index, stop) on `threads` threads for `duration` (the body polls `stop`);
/// returns the measured wall time.
BenchClock::duration RunThreadsFor(int threads, BenchClock::duration duration,
                                   const std::function<void(int, const std::atomic<bool>&)>& body);

/// Quantile q (0..1) of `sorted` samples by nearest rank; 0 when empty. REQUIRES: sorted.
[[nodiscard]] double Quantile(const std::vector<std::int64_t>& sorted, double q);

/// Median of `values` (mean of the middle two for an even count); 0 when empty.
[[nodiscard]] double Median(std::vector<double> values);

/// Concatenates per-thread samples and sorts them.
[[nodiscard]] std::vector<std::int64_t> MergeSorted(std::vector<std::vector<std::int64_t>>& parts);

/// What one steady_clock::now() costs here, in ns (the timing loops pay it per sample).
[[nodiscard]] double ClockReadNs();

/// Formatting: fixed decimals, ratios ("2.31x"), signed percentages ("+1.4 %"), rates.
[[nodiscard]] std::string Fixed(double value, int decimals);
[[nodiscard]] std::string Times(double ratio);
[[nodiscard]] std::string SignedPercent(double fraction);
[[nodiscard]] std::string Rate(double per_second);

/// A plain-text table. `align` has one letter per column, 'l' (labels) or 'r' (figures);
/// columns past its end are right-aligned. Default: the first column left, the rest right.
class Table {
public:
    explicit Table(std::vector<std::string> headers, std::string align = "l")
        : headers_(std::move(headers)), align_(std::move(align)) {}
    void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
    void Print() const;

private:
    std::vector<std::string> headers_;
    std::string align_;
    std::vector<std::vector<std::string>> rows_;
};

/// Prints a section heading and an explanatory note (wrapped by the caller).
void PrintHeading(const std::string& title, const std::vector<std::string>& notes);

/// The 1, 5 and 15 minute load averages from /proc/loadavg, e.g. "0.52 1.10 0.98".
[[nodiscard]] std::string LoadAverage();

}  // namespace pqpool::bench

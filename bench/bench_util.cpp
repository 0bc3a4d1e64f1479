// SPDX-License-Identifier: MIT
// Helpers shared by the pqpool_bench sections: thread runs, quantiles, formatting and tables.
#include "bench_util.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace pqpool::bench {

void Die(const std::string& what) {
    std::cout.flush();
    std::cerr << "pqpool_bench: " << what << std::endl;
    std::_Exit(1);  // No static destructors under the feet of other threads.
}

namespace {

// Starts `threads` workers that enter `body` at the same moment, runs `meanwhile` on this
// thread, joins them, and returns the time from that moment until the last one finished.
BenchClock::duration RunTogether(int threads, const std::function<void(int)>& body,
                                 const std::function<void()>& meanwhile) {
    std::latch ready(threads + 1);
    std::latch go(1);
    std::vector<std::thread> workers;
    workers.reserve(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            ready.count_down();
            go.wait();
            body(t);
        });
    }
    ready.arrive_and_wait();
    const auto started = BenchClock::now();
    go.count_down();
    meanwhile();
    for (std::thread& worker : workers) worker.join();
    return BenchClock::now() - started;
}

}  // namespace

BenchClock::duration RunThreads(int threads, const std::function<void(int)>& body) {
    return RunTogether(threads, body, [] {});
}

BenchClock::duration RunThreadsFor(int threads, BenchClock::duration duration,
                                   const std::function<void(int, const std::atomic<bool>&)>& body) {
    std::atomic<bool> stop{false};
    return RunTogether(
        threads, [&](int t) { body(t, stop); },
        [&] {
            std::this_thread::sleep_for(duration);
            stop.store(true, std::memory_order_relaxed);
        });
}

double Quantile(const std::vector<std::int64_t>& sorted, double q) {
    if (sorted.empty()) return 0.0;
    const double rank = std::ceil(q * static_cast<double>(sorted.size()));
    const auto index = static_cast<std::size_t>(std::max(rank, 1.0)) - 1;
    return static_cast<double>(sorted[std::min(index, sorted.size() - 1)]);
}

double Median(std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
}

std::vector<std::int64_t> MergeSorted(std::vector<std::vector<std::int64_t>>& parts) {
    std::size_t total = 0;
    for (const auto& part : parts) total += part.size();
    std::vector<std::int64_t> merged;
    merged.reserve(total);
    for (auto& part : parts) {
        merged.insert(merged.end(), part.begin(), part.end());
        part.clear();
        part.shrink_to_fit();
    }
    std::sort(merged.begin(), merged.end());
    return merged;
}

double ClockReadNs() {
    constexpr int kReads = 1'000'000;
    const auto started = BenchClock::now();
    for (int i = 0; i < kReads; ++i) DoNotOptimize(BenchClock::now());
    return Ns(BenchClock::now() - started) / kReads;
}

std::string Fixed(double value, int decimals) {
    std::array<char, 64> text{};
    std::snprintf(text.data(), text.size(), "%.*f", decimals, value);
    return text.data();
}

std::string Times(double ratio) { return Fixed(ratio, 2) + "x"; }

std::string SignedPercent(double fraction) {
    std::array<char, 64> text{};
    std::snprintf(text.data(), text.size(), "%+.1f %%", fraction * 100.0);
    return text.data();
}

std::string Rate(double per_second) {
    if (per_second >= 1e6) return Fixed(per_second / 1e6, 2) + " M";
    if (per_second >= 1e3) return Fixed(per_second / 1e3, 1) + " k";
    return Fixed(per_second, 0);
}

void Table::Print() const {
    std::vector<std::size_t> widths(headers_.size(), 0);
    auto widen = [&widths](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
            widths[i] = std::max(widths[i], cells[i].size());
        }
    };
    widen(headers_);
    for (const auto& row : rows_) widen(row);

    auto print_row = [this, &widths](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t i = 0; i < widths.size(); ++i) {
            const std::string cell = i < cells.size() ? cells[i] : "";
            const std::string pad(widths[i] - cell.size(), ' ');
            if (i > 0) line += "  ";
            const bool left = i < align_.size() && align_[i] == 'l';
            line += left ? cell + pad : pad + cell;
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        std::cout << "  " << line << '\n';
    };
    print_row(headers_);
    std::size_t total = 0;
    for (const std::size_t width : widths) total += width;
    std::cout << "  " << std::string(total + 2 * (widths.size() - 1), '-') << '\n';
    for (const auto& row : rows_) print_row(row);
    std::cout << std::flush;
}

std::string LoadAverage() {
    std::ifstream file("/proc/loadavg");
    std::string one, five, fifteen;
    file >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

void PrintHeading(const std::string& title, const std::vector<std::string>& notes) {
    std::cout << '\n' << title << '\n' << std::string(title.size(), '=') << '\n';
    for (const std::string& note : notes) std::cout << "  " << note << '\n';
    std::cout << '\n';
}

}  // namespace pqpool::bench

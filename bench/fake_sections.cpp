// SPDX-License-Identifier: MIT
// Sections (a) and (b): the pool's own cost with fake connections, against a locked free list.
#include <array>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "fake_connection.hpp"
#include "sections.hpp"

namespace pqpool::bench {
namespace {

using std::chrono::milliseconds;

/// The baseline: the least a thread-safe pool must do, a mutex around a vector of free
/// connections. PopWait/PushNotify add a condition variable (any waiter may win, not FIFO).
class LockedFreeList {
public:
    explicit LockedFreeList(std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) {
            owned_.push_back(std::make_unique<FakeConnection>());
            free_.push_back(owned_.back().get());
        }
    }

    /// REQUIRES: a connection is free (the uncontended runs guarantee it).
    Connection* Pop() {
        std::lock_guard lock(mu_);
        Connection* conn = free_.back();
        free_.pop_back();
        return conn;
    }
    void Push(Connection* conn) {
        std::lock_guard lock(mu_);
        free_.push_back(conn);
    }

    Connection* PopWait() {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !free_.empty(); });
        Connection* conn = free_.back();
        free_.pop_back();
        return conn;
    }
    void PushNotify(Connection* conn) {
        {
            std::lock_guard lock(mu_);
            free_.push_back(conn);
        }
        cv_.notify_one();
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Connection*> free_;
    std::vector<std::unique_ptr<Connection>> owned_;
};

std::shared_ptr<Pool> MakeFakePool(std::size_t size) {
    PoolOptions options = BenchPoolOptions("fake", size);
    options.min_idle = size;
    auto pool = Pool::Create(std::move(options), std::make_unique<FakeConnector>());
    if (!pool.ok()) Die("creating the fake pool: " + pool.error().message());
    if (!WaitForIdle(*pool.value(), size)) Die("the fake pool did not open its connections");
    return pool.value();
}

struct CycleRun {
    double ns_per_op = 0;  // Per thread: the time one thread spends per cycle.
    double ops_per_s = 0;  // All threads together.
};

// Runs `cycle` in a tight loop on `threads` threads for `duration`.
template <class Cycle>
CycleRun TimeCycles(int threads, BenchClock::duration duration, Cycle cycle) {
    std::vector<std::uint64_t> ops(static_cast<std::size_t>(threads), 0);
    const auto wall = RunThreadsFor(threads, duration, [&](int t, const std::atomic<bool>& stop) {
        std::uint64_t done = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            for (int i = 0; i < 64; ++i) cycle();
            done += 64;
        }
        ops[static_cast<std::size_t>(t)] = done;
    });
    double total = 0;
    for (const std::uint64_t n : ops) total += static_cast<double>(n);
    return CycleRun{Ns(wall) * threads / total, total / (Ns(wall) / 1e9)};
}

}  // namespace

void RunUncontended(const BenchConfig& config) {
    const int rounds = config.quick ? 2 : 5;
    const auto duration = milliseconds(config.quick ? 60 : 300);
    PrintHeading(
        "(a) Uncontended acquire+release, fake connections",
        {"Each thread loops Acquire(deadline) -> touch -> release on a pool with max_size =",
         "threads (never waits). Baseline: std::mutex + std::vector<Connection*> pop/push.",
         "ns/op is per thread (one thread's cycle time). " + std::to_string(rounds) +
             " interleaved rounds of " + std::to_string(duration.count()) + " ms each;",
         "medians shown, ratio = median of per-round ratios. Goal: <= 100 ns/op."});

    Table table({"threads", "pqpool ns/op", "free list ns/op", "pqpool/free list",
                 "pqpool ops/s (all)", "goal <= 100 ns"});
    for (const int threads : {1, 2}) {
        const auto size = static_cast<std::size_t>(threads);
        auto pool = MakeFakePool(size);
        LockedFreeList list(size);
        const Deadline deadline = Clock::now() + std::chrono::hours(1);
        auto pool_cycle = [&pool, deadline] {
            auto lease = pool->Acquire(deadline);
            if (!lease.ok()) Die("acquire: " + lease.error().message());
            DoNotOptimize(lease.value().connection().broken());
        };
        auto list_cycle = [&list] {
            Connection* conn = list.Pop();
            DoNotOptimize(conn->broken());
            list.Push(conn);
        };
        (void)TimeCycles(threads, milliseconds(20), pool_cycle);  // Warm-up.
        (void)TimeCycles(threads, milliseconds(20), list_cycle);

        std::vector<double> pool_ns;
        std::vector<double> list_ns;
        std::vector<double> ratios;
        std::vector<double> pool_rate;
        for (int round = 0; round < rounds; ++round) {
            CycleRun p;
            CycleRun l;
            if (round % 2 == 0) {
                p = TimeCycles(threads, duration, pool_cycle);
                l = TimeCycles(threads, duration, list_cycle);
            } else {
                l = TimeCycles(threads, duration, list_cycle);
                p = TimeCycles(threads, duration, pool_cycle);
            }
            pool_ns.push_back(p.ns_per_op);
            list_ns.push_back(l.ns_per_op);
            ratios.push_back(p.ns_per_op / l.ns_per_op);
            pool_rate.push_back(p.ops_per_s);
        }
        const double pool_median = Median(pool_ns);
        table.AddRow({std::to_string(threads), Fixed(pool_median, 1), Fixed(Median(list_ns), 1),
                      Times(Median(ratios)), Rate(Median(pool_rate)),
                      pool_median <= 100.0 ? "met" : "missed"});
    }
    table.Print();
}

namespace {

struct WaitRun {
    double ops_per_s = 0;
    double p50_ns = 0;
    double p99_ns = 0;
    double p999_ns = 0;
    double max_ns = 0;
    double slowest_thread = 0;  // The least busy thread's ops / the mean: 1 = even shares.
    std::uint64_t errors = 0;
};

// Each thread: t0, acquire (may wait), t1, release at once; the wait t1 - t0 is one sample.
template <class AcquireRelease>
WaitRun TimeWaits(int threads, BenchClock::duration duration, AcquireRelease acquire_release) {
    std::vector<std::vector<std::int64_t>> samples(static_cast<std::size_t>(threads));
    std::atomic<std::uint64_t> errors{0};
    const auto wall = RunThreadsFor(threads, duration, [&](int t, const std::atomic<bool>& stop) {
        auto& mine = samples[static_cast<std::size_t>(t)];
        mine.reserve(1 << 16);
        std::uint64_t failed = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            const std::int64_t waited = acquire_release();
            if (waited < 0) {
                ++failed;
            } else {
                mine.push_back(waited);
            }
        }
        errors.fetch_add(failed);
    });
    std::size_t fewest = SIZE_MAX;
    for (const auto& part : samples) fewest = std::min(fewest, part.size());
    const auto merged = MergeSorted(samples);
    WaitRun run;
    run.slowest_thread =
        merged.empty() ? 0.0
                       : static_cast<double>(fewest) * threads / static_cast<double>(merged.size());
    run.ops_per_s = static_cast<double>(merged.size()) / (Ns(wall) / 1e9);
    run.p50_ns = Quantile(merged, 0.50);
    run.p99_ns = Quantile(merged, 0.99);
    run.p999_ns = Quantile(merged, 0.999);
    run.max_ns = merged.empty() ? 0.0 : static_cast<double>(merged.back());
    run.errors = errors.load();
    return run;
}

std::string Micros(double ns) { return Fixed(ns / 1000.0, ns < 10'000.0 ? 2 : 1); }

}  // namespace

void RunContended(const BenchConfig& config) {
    constexpr int kThreads = 32;
    constexpr std::size_t kConnections = 16;
    const int rounds = config.quick ? 1 : 3;
    const auto duration = milliseconds(config.quick ? 200 : 1000);
    PrintHeading(
        "(b) Contended: 32 threads on 16 fake connections, zero hold",
        {"Each thread loops t0 = now; Acquire; t1 = now; release; the acquire wait is t1 - t0.",
         "Baseline: mutex + vector free list + condition_variable (any waiter may win; not",
         "FIFO). pqpool: FIFO hand-off to the oldest waiter. " + std::to_string(rounds) +
             " interleaved round(s) of",
         std::to_string(duration.count()) +
             " ms; medians of per-round figures. Waits in microseconds. 'slowest thread':",
         "ops of the thread that got fewest / mean ops per thread (100 % = even shares)."});

    auto pool = MakeFakePool(kConnections);
    LockedFreeList list(kConnections);
    auto pool_op = [&pool]() -> std::int64_t {
        const auto started = BenchClock::now();
        auto lease = pool->Acquire(started + std::chrono::seconds(10));
        const auto got = BenchClock::now();
        if (!lease.ok()) return -1;
        lease.value().Release();
        return NsBetween(started, got);
    };
    auto list_op = [&list]() -> std::int64_t {
        const auto started = BenchClock::now();
        Connection* conn = list.PopWait();
        const auto got = BenchClock::now();
        list.PushNotify(conn);
        return NsBetween(started, got);
    };

    std::vector<WaitRun> pool_runs;
    std::vector<WaitRun> list_runs;
    for (int round = 0; round < rounds; ++round) {
        if (round % 2 == 0) {
            pool_runs.push_back(TimeWaits(kThreads, duration, pool_op));
            list_runs.push_back(TimeWaits(kThreads, duration, list_op));
        } else {
            list_runs.push_back(TimeWaits(kThreads, duration, list_op));
            pool_runs.push_back(TimeWaits(kThreads, duration, pool_op));
        }
    }
    auto median_of = [](const std::vector<WaitRun>& runs, double WaitRun::*field) {
        std::vector<double> values;
        values.reserve(runs.size());
        for (const WaitRun& run : runs) values.push_back(run.*field);
        return Median(values);
    };
    auto errors_of = [](const std::vector<WaitRun>& runs) {
        std::uint64_t total = 0;
        for (const WaitRun& run : runs) total += run.errors;
        return total;
    };

    Table table({"implementation", "ops/s", "p50 us", "p99 us", "p99.9 us", "max us",
                 "slowest thread", "errors"});
    const std::array<std::pair<const char*, const std::vector<WaitRun>*>, 2> rows{
        {{"pqpool (FIFO)", &pool_runs}, {"free list + condvar", &list_runs}}};
    for (const auto& [name, runs] : rows) {
        table.AddRow({name, Rate(median_of(*runs, &WaitRun::ops_per_s)),
                      Micros(median_of(*runs, &WaitRun::p50_ns)),
                      Micros(median_of(*runs, &WaitRun::p99_ns)),
                      Micros(median_of(*runs, &WaitRun::p999_ns)),
                      Micros(median_of(*runs, &WaitRun::max_ns)),
                      Fixed(100.0 * median_of(*runs, &WaitRun::slowest_thread), 0) + " %",
                      std::to_string(errors_of(*runs))});
    }
    // Ratios per round (both ran side by side), then the median over rounds.
    auto ratio_of = [&](double WaitRun::*field) {
        std::vector<double> ratios;
        for (std::size_t i = 0; i < pool_runs.size(); ++i) {
            ratios.push_back(pool_runs[i].*field / list_runs[i].*field);
        }
        return Times(Median(ratios));
    };
    table.AddRow({"pqpool / free list", ratio_of(&WaitRun::ops_per_s), ratio_of(&WaitRun::p50_ns),
                  ratio_of(&WaitRun::p99_ns), ratio_of(&WaitRun::p999_ns),
                  ratio_of(&WaitRun::max_ns), "", ""});
    table.Print();
}

}  // namespace pqpool::bench

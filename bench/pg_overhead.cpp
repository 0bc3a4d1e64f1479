// SPDX-License-Identifier: MIT
// Section (c): SELECT 1 through the pool vs a raw PGconn, and what the hand-out check costs.
#include <poll.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>

#include <libpq-fe.h>

#include "sections.hpp"

namespace pqpool::bench {
namespace {

using PgConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

PgConnPtr ConnectRaw(const std::string& dsn) {
    PgConnPtr conn(PQconnectdb(dsn.c_str()), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        Die("cannot connect to " + dsn + ": " + PQerrorMessage(conn.get()));
    }
    return conn;
}

// The raw loops' one statement: simple protocol (PQexec) or extended (PQexecParams, the
// protocol pqpool's Execute uses). Reads the value like a caller would.
void SelectOne(PGconn* conn, bool extended) {
    PGresult* result =
        extended ? PQexecParams(conn, "SELECT 1", 0, nullptr, nullptr, nullptr, nullptr, 0)
                 : PQexec(conn, "SELECT 1");
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
        Die(std::string("SELECT 1 failed: ") + PQerrorMessage(conn));
    }
    DoNotOptimize(PQgetvalue(result, 0, 0)[0]);
    PQclear(result);
}

std::shared_ptr<Pool> MakePgPool(const std::string& dsn, Millis alive_bypass) {
    PoolOptions options = BenchPoolOptions(dsn, 1);
    options.min_idle = 1;
    options.alive_bypass = alive_bypass;
    auto pool = Pool::Create(std::move(options));
    if (!pool.ok()) Die("creating a pool: " + pool.error().message());
    if (!WaitForIdle(*pool.value(), 1)) Die("the pool did not connect to " + dsn);
    return pool.value();
}

Lease AcquireOrDie(Pool& pool) {
    auto lease = pool.Acquire();
    if (!lease.ok()) Die("acquire: " + lease.error().message());
    return std::move(lease).value();
}

enum class Query { kExec, kExecParams, kLeaseExecute };

/// One row of the table: raw loop (pool == nullptr, on `conn`) or pool + statement.
struct Variant {
    Variant(std::string variant_name, Pool* variant_pool, PGconn* raw_conn, Query variant_query,
            int baseline_index = -1)
        : name(std::move(variant_name)),
          pool(variant_pool),
          conn(raw_conn),
          query(variant_query),
          baseline(baseline_index) {}

    // One op. The pool's own time (acquire, release) goes to `pool_part`; raw ops read the
    // clock as often, so both rows pay the same timing cost.
    void Op() {
        const auto t0 = BenchClock::now();
        std::optional<Lease> lease;
        if (pool != nullptr) lease.emplace(AcquireOrDie(*pool));
        const auto t1 = BenchClock::now();
        if (query == Query::kLeaseExecute) {
            auto result = lease->Execute("SELECT 1");
            if (!result.ok()) Die("Execute: " + result.error().message());
            DoNotOptimize(result->Get(0, 0).size());
        } else {
            SelectOne(lease ? lease->connection().native() : conn, query == Query::kExecParams);
        }
        const auto t2 = BenchClock::now();
        if (lease) lease->Release();
        const auto t3 = BenchClock::now();
        pool_part.push_back(NsBetween(t0, t1) + NsBetween(t2, t3));
    }

    std::string name;
    Pool* pool;
    PGconn* conn;
    Query query;
    int baseline;  // Index of the raw row this one's overhead is measured against; -1 if raw.
    std::vector<std::int64_t> pool_part;
    // Per round.
    std::vector<double> p50;
    std::vector<double> p99;
    std::vector<double> mean;
    std::vector<double> pool_part_p50;
};

// Runs `rounds` rounds. In each, every pair (a row and its raw-loop baseline) runs in turn,
// its two rows alternating op by op (a, b, a, b, ...; the first swaps each round) until each
// ran `ops` times, so drifting machine noise hits both alike and each follows the other.
// Keeps per-round p50 / p99 / mean of each row's per-op latency.
void RunInterleaved(std::vector<Variant>& variants, int rounds, int ops) {
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (std::size_t v = 0; v < variants.size(); ++v) {
        if (variants[v].baseline >= 0) {
            pairs.emplace_back(static_cast<std::size_t>(variants[v].baseline), v);
        }
    }
    for (int i = 0; i < ops / 10 + 1; ++i) {  // Warm-up: caches, plans, CPU frequency.
        for (Variant& variant : variants) variant.Op();
    }
    std::vector<std::int64_t> first;
    std::vector<std::int64_t> second;
    auto keep = [](Variant& variant, std::vector<std::int64_t>& part) {
        double total = 0;
        for (const std::int64_t ns : part) total += static_cast<double>(ns);
        std::sort(part.begin(), part.end());
        variant.p50.push_back(Quantile(part, 0.50));
        variant.p99.push_back(Quantile(part, 0.99));
        variant.mean.push_back(total / static_cast<double>(part.size()));
        std::sort(variant.pool_part.begin(), variant.pool_part.end());
        variant.pool_part_p50.push_back(Quantile(variant.pool_part, 0.50));
        variant.pool_part.clear();
    };
    for (int round = 0; round < rounds; ++round) {
        for (std::size_t k = 0; k < pairs.size(); ++k) {
            const auto [a, b] = pairs[(k + static_cast<std::size_t>(round)) % pairs.size()];
            first.clear();
            second.clear();
            for (int turn = 0; turn < 2 * ops; ++turn) {
                const bool run_a = (turn + round) % 2 == 0;
                const auto started = BenchClock::now();
                variants[run_a ? a : b].Op();
                (run_a ? first : second).push_back(NsBetween(started, BenchClock::now()));
            }
            keep(variants[a], first);
            keep(variants[b], second);
        }
    }
}

// Median over rounds of (variant / baseline - 1) for one per-round statistic.
double MedianOverhead(const std::vector<double>& variant, const std::vector<double>& baseline) {
    std::vector<double> overheads;
    for (std::size_t i = 0; i < variant.size(); ++i) {
        overheads.push_back(variant[i] / baseline[i] - 1.0);
    }
    return Median(overheads);
}

std::string Us(double ns) { return Fixed(ns / 1000.0, 1); }

// SELECT 1 latency table for one DSN; returns the raw PQexec p50 (ns) for the check table.
double RunSelectOne(const std::string& label, const std::string& dsn, int rounds, int ops) {
    auto pool = MakePgPool(dsn, Millis(0));
    auto bypass_pool = MakePgPool(dsn, Millis(10'000));
    // The raw rows run on the pools' own connections (the PGconn* is kept from one lease and
    // used while the connection sits idle in its pool; this thread is the pool's only user),
    // so each raw row and its pool row reach the same backend and differ only by the pool.
    PGconn* const conn = AcquireOrDie(*pool).connection().native();
    PGconn* const bypass_conn = AcquireOrDie(*bypass_pool).connection().native();

    std::vector<Variant> variants;
    variants.emplace_back("raw loop: PQexec", nullptr, conn, Query::kExec);
    variants.emplace_back("pool: Acquire + PQexec + release (alive_bypass 0, default)", pool.get(),
                          nullptr, Query::kExec, 0);
    variants.emplace_back("raw loop: PQexec (2nd pool's PGconn)", nullptr, bypass_conn,
                          Query::kExec);
    variants.emplace_back("pool: Acquire + PQexec + release (alive_bypass 10 s)", bypass_pool.get(),
                          nullptr, Query::kExec, 2);
    variants.emplace_back("raw loop: PQexecParams", nullptr, conn, Query::kExecParams);
    variants.emplace_back("pool: Acquire + Lease::Execute + release (alive_bypass 0)", pool.get(),
                          nullptr, Query::kLeaseExecute, 4);
    RunInterleaved(variants, rounds, ops);

    std::cout << "  " << label << '\n';
    Table table({"variant", "p50 us", "p99 us", "mean us", "pool part ns", "overhead p50",
                 "overhead mean", "goal <= 2 %"});
    for (const Variant& variant : variants) {
        std::vector<std::string> row{variant.name, Us(Median(variant.p50)), Us(Median(variant.p99)),
                                     Us(Median(variant.mean)),
                                     Fixed(Median(variant.pool_part_p50), 0)};
        if (variant.baseline >= 0) {
            const Variant& base = variants[static_cast<std::size_t>(variant.baseline)];
            const double p50_overhead = MedianOverhead(variant.p50, base.p50);
            const double mean_overhead = MedianOverhead(variant.mean, base.mean);
            row.emplace_back(SignedPercent(p50_overhead));
            row.emplace_back(SignedPercent(mean_overhead));
            row.emplace_back(std::max(p50_overhead, mean_overhead) <= 0.02 ? "met" : "missed");
        } else {
            row.insert(row.end(), {"(baseline)", "", ""});
        }
        table.AddRow(std::move(row));
    }
    table.Print();
    std::cout << '\n';
    return Median(variants[0].p50);
}

// Acquire+release alone on a real connection, with and without the socket check, plus the
// bare poll(2) the check makes. Shows what the check costs without round-trip noise.
void RunCheckCost(const std::string& dsn, double round_trip_ns, int rounds, int ops) {
    auto pool = MakePgPool(dsn, Millis(0));
    auto bypass_pool = MakePgPool(dsn, Millis(10'000));
    PgConnPtr raw = ConnectRaw(dsn);
    const int fd = PQsocket(raw.get());

    auto time_loop = [ops](const std::function<void()>& op) {
        const auto started = BenchClock::now();
        for (int i = 0; i < ops; ++i) op();
        return Ns(BenchClock::now() - started) / ops;
    };
    std::function<void()> checked = [&pool] {
        DoNotOptimize(AcquireOrDie(*pool).connection().broken());
    };
    std::function<void()> bypassed = [&bypass_pool] {
        DoNotOptimize(AcquireOrDie(*bypass_pool).connection().broken());
    };
    std::function<void()> bare_poll = [fd] {
        pollfd pfd{fd, POLLIN, 0};
        DoNotOptimize(poll(&pfd, 1, 0));
    };
    (void)time_loop(checked);
    (void)time_loop(bypassed);
    std::vector<double> checked_ns;
    std::vector<double> bypassed_ns;
    std::vector<double> differences;
    std::vector<double> poll_ns;
    for (int round = 0; round < rounds; ++round) {
        double with_check = 0;
        double without_check = 0;
        if (round % 2 == 0) {
            with_check = time_loop(checked);
            without_check = time_loop(bypassed);
        } else {
            without_check = time_loop(bypassed);
            with_check = time_loop(checked);
        }
        checked_ns.push_back(with_check);
        bypassed_ns.push_back(without_check);
        differences.push_back(with_check - without_check);
        poll_ns.push_back(time_loop(bare_poll));
    }
    const double difference = Median(differences);
    Table table({"acquire+release, real connection, no query", "ns/op"});
    table.AddRow({"alive_bypass 0 (socket check on every hand-out)", Fixed(Median(checked_ns), 0)});
    table.AddRow({"alive_bypass 10 s (check skipped)", Fixed(Median(bypassed_ns), 0)});
    table.AddRow({"difference = cost of the socket check", Fixed(difference, 0)});
    table.AddRow({"bare poll(2), timeout 0, idle socket", Fixed(Median(poll_ns), 0)});
    table.AddRow({"check / SELECT 1 round trip (Unix socket p50)",
                  Fixed(100.0 * difference / round_trip_ns, 2) + " %"});
    table.Print();
}

}  // namespace

void RunPgOverhead(const BenchConfig& config) {
    const int rounds = config.quick ? 3 : 7;
    const int ops = config.quick ? 1000 : 4000;
    PrintHeading(
        "(c) SELECT 1 through the pool vs a raw PGconn loop (one thread)",
        {"Per-op latency of acquire -> SELECT 1 -> release vs the same statement in a raw loop",
         "on the same PGconn (the pool's own connection, used directly while idle), so both",
         "rows reach the same backend and differ only by the pool's per-op work. PQexec rows",
         "run the raw statement on the lease's native() PGconn; Lease::Execute (extended",
         "protocol) is compared with PQexecParams. Pools: max_size 1, min_idle 1.",
         std::to_string(rounds) + " rounds; in each, a row and its raw loop alternate op by op, " +
             std::to_string(ops) + " ops each.",
         "Figures: medians over rounds; overhead = median over rounds of (row / its raw loop)",
         "- 1. 'pool part': p50 of the time inside Acquire and release within each op (raw",
         "rows: the same clock reads around nothing, i.e. the timing floor)."});
    if (config.socket_dsn.empty() && config.dsn.empty()) {
        std::cout << "  skipped: no DSN (pass --dsn/--socket-dsn or set MNEMO_TEST_DSN)\n";
        return;
    }
    double round_trip_ns = 0;
    if (!config.socket_dsn.empty()) {
        round_trip_ns = RunSelectOne("Unix socket", config.socket_dsn, rounds, ops);
    }
    if (!config.dsn.empty()) {
        const double tcp_ns = RunSelectOne("TCP 127.0.0.1", config.dsn, rounds, ops);
        if (round_trip_ns == 0) round_trip_ns = tcp_ns;
    }
    std::cout << "  Hand-out check cost (alive_bypass), " << rounds << " rounds x " << ops * 10
              << " cycles\n";
    const std::string& check_dsn = config.socket_dsn.empty() ? config.dsn : config.socket_dsn;
    RunCheckCost(check_dsn, round_trip_ns, rounds, ops * 10);
}

}  // namespace pqpool::bench

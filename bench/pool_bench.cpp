// SPDX-License-Identifier: MIT
// pqpool_bench: the pool's micro-benchmarks, its libpq overhead and the Python pools side by side.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>

#include <libpq-fe.h>

#include "sections.hpp"

namespace pqpool::bench {

PoolOptions BenchPoolOptions(std::string conninfo, std::size_t max_size) {
    PoolOptions options;
    options.conninfo = std::move(conninfo);
    options.name = "pqpool_bench";
    options.max_size = max_size;
    options.max_waiting = 1000;
    options.logger = [](LogLevel level, std::string_view message) {
        if (level == LogLevel::kWarning || level == LogLevel::kError) LogToStderr(level, message);
    };
    return options;
}

bool WaitForIdle(Pool& pool, std::size_t count) {
    const auto give_up = BenchClock::now() + std::chrono::seconds(10);
    while (pool.Stats().idle < count) {
        if (BenchClock::now() > give_up) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

namespace {

void Usage(std::ostream& out) {
    out << "usage: pqpool_bench [--quick] [--sections LETTERS] [--dsn DSN] [--socket-dsn DSN]\n"
           "                    [--python PATH] [--python-script PATH] [--threads N,N,...]\n"
           "  --quick          short runs (noisier), for a smoke test or a first look\n"
           "  --sections       any of a b c d (default abcd):\n"
           "                   a uncontended acquire+release (fake connections)\n"
           "                   b 32 threads on 16 fake connections\n"
           "                   c SELECT 1 through the pool vs raw libpq; hand-out check cost\n"
           "                   d pqpool vs the Python pools, N threads (needs --dsn)\n"
           "  --dsn            TCP DSN (default: $MNEMO_TEST_DSN)\n"
           "  --socket-dsn     Unix-socket DSN (default: $MNEMO_TEST_SOCKET_DSN)\n"
           "  --python         interpreter for python_pools.py (default /usr/bin/python3)\n"
           "  --python-script  path of bench/python_pools.py (default: the source tree's)\n"
           "  --threads        thread counts for section d (default 4,16)\n";
}

std::vector<int> ParseThreads(const std::string& text) {
    std::vector<int> counts;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string item =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const int count = std::atoi(item.c_str());
        if (count <= 0) return {};
        counts.push_back(count);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return counts;
}

std::string EnvOr(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): before threads.
    return value != nullptr && *value != '\0' ? value : fallback;
}

// Returns the exit code for a run that should stop here (--help: 0, bad arguments: 2), or -1.
int ParseArgs(int argc, char** argv, BenchConfig& config) {
    config.dsn = EnvOr("MNEMO_TEST_DSN", "");
    config.socket_dsn = EnvOr("MNEMO_TEST_SOCKET_DSN", "");
#ifdef MNEMO_BENCH_DIR
    config.python_script = std::string(MNEMO_BENCH_DIR) + "/python_pools.py";
#endif
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        std::string threads;
        bool ok = true;
        if (arg == "--quick") {
            config.quick = true;
        } else if (arg == "--sections") {
            ok = value(config.sections) &&
                 config.sections.find_first_not_of("abcd,") == std::string::npos;
        } else if (arg == "--dsn") {
            ok = value(config.dsn);
        } else if (arg == "--socket-dsn") {
            ok = value(config.socket_dsn);
        } else if (arg == "--python") {
            ok = value(config.python);
        } else if (arg == "--python-script") {
            ok = value(config.python_script);
        } else if (arg == "--threads") {
            ok = value(threads) && !(config.workload_threads = ParseThreads(threads)).empty();
        } else if (arg == "-h" || arg == "--help") {
            Usage(std::cout);
            return 0;
        } else {
            ok = false;
        }
        if (!ok) {
            std::cerr << "pqpool_bench: bad argument " << arg << "\n";
            Usage(std::cerr);
            return 2;
        }
    }
    return -1;
}

void PrintPreamble(const BenchConfig& config) {
    std::cout << "pqpool_bench" << (config.quick ? " --quick" : "") << ": "
              << std::thread::hardware_concurrency() << " CPUs, libpq " << PQlibVersion()
              << ", steady_clock::now() " << Fixed(ClockReadNs(), 1) << " ns\n";
#ifndef NDEBUG
    std::cout << "WARNING: built without NDEBUG (not a release build): figures are not "
                 "representative.\n";
#endif
    std::cout << "Noisy shared machine: read the ratios (measured side by side in this run), "
                 "not the absolute figures.\n";
}

}  // namespace
}  // namespace pqpool::bench

int main(int argc, char** argv) {
    using namespace pqpool::bench;
    BenchConfig config;
    if (const int code = ParseArgs(argc, argv, config); code >= 0) return code;
    PrintPreamble(config);
    if (config.Runs('a')) RunUncontended(config);
    if (config.Runs('b')) RunContended(config);
    if (config.Runs('c')) RunPgOverhead(config);
    if (config.Runs('d')) RunPythonComparison(config);
    return 0;
}

// SPDX-License-Identifier: MIT
// mnemo_stdio_bench: lock_context / recall_context over mnemo's stdio transport vs the same
// statements through the Store and as raw libpq pipelines, against the embedded cluster.
#include <array>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>

#include "stdio_fixture.hpp"
#include "util/log.hpp"

namespace mnemo::bench {
namespace {

using pqpool::bench::ClockReadNs;
using pqpool::bench::Fixed;
using pqpool::bench::LoadAverage;

struct Options {
    bool quick = false;
    std::string sections = "ab";
    int rounds = 5;
    int calls = 2000;         // Section a.
    int durable_calls = 300;  // Section b: each call waits for a WAL flush.
    int durable_pause_us = 4000;
    std::size_t topics = 64;
    std::size_t content_bytes = 1024;
    bool with_info_log = true;
    std::string home;  // Empty: a temporary one, removed at the end.
    std::string mnemo;
};

void Usage(std::ostream& out) {
    out << "usage: mnemo_stdio_bench [--quick] [--sections LETTERS] [--rounds R] [--calls N]\n"
           "                         [--durable-calls N] [--durable-pause-us U] [--topics T]\n"
           "                         [--content-bytes B]"
           " [--no-info-log] [--home DIR] [--mnemo PATH]\n"
           "  --quick          3 rounds, 200 / 30 calls (a smoke test or a first look)\n"
           "  --sections       any of a b (default ab):\n"
           "                   a every connection with synchronous_commit = off: what mnemo adds\n"
           "                   b the embedded cluster's own settings (durable commits)\n"
           "  --rounds         rounds per section (default 5)\n"
           "  --calls          calls per variant, operation and round in section a (default "
           "2000)\n"
           "  --durable-calls  the same in section b (default 300)\n"
           "  --durable-pause-us  section b: untimed random pause before each call, 0 to this\n"
           "                   many us (default 4000; breaks lock-step with the WAL flushes)\n"
           "  --topics         lock_context cycles over this many topics (default 64)\n"
           "  --content-bytes  size of the locked content (default 1024)\n"
           "  --no-info-log    leave out the mnemo child with MNEMO_LOG_LEVEL=info\n"
           "  --home           MNEMO_HOME to use (a scratch one: project 'bench' grows); its\n"
           "                   cluster is stopped at the end only if this run started it.\n"
           "                   Default: a new temporary directory, removed at the end\n"
           "  --mnemo          the mnemo binary (default: the one built next to this bench";
#ifdef MNEMO_BENCH_MNEMO_BINARY
    out << ",\n                   " MNEMO_BENCH_MNEMO_BINARY ")\n";
#else
    out << ")\n";
#endif
}

// Returns the exit code for a run that should stop here (--help: 0, bad arguments: 2), or -1.
int ParseArgs(int argc, char** argv, Options& options) {
#ifdef MNEMO_BENCH_MNEMO_BINARY
    options.mnemo = MNEMO_BENCH_MNEMO_BINARY;
#endif
    bool rounds_given = false;
    bool calls_given = false;
    bool durable_calls_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        auto number = [&](auto& out, bool& given) {
            std::string text;
            if (!value(text)) return false;
            char* end = nullptr;
            const long long parsed = std::strtoll(text.c_str(), &end, 10);
            if (end == text.c_str() || *end != '\0' || parsed < 1 || parsed > 10'000'000) {
                return false;
            }
            out = static_cast<std::remove_reference_t<decltype(out)>>(parsed);
            given = true;
            return true;
        };
        bool ok = true;
        bool ignored = false;
        if (arg == "--quick") {
            options.quick = true;
        } else if (arg == "--sections") {
            ok = value(options.sections) && !options.sections.empty() &&
                 options.sections.find_first_not_of("ab,") == std::string::npos;
        } else if (arg == "--rounds") {
            ok = number(options.rounds, rounds_given);
        } else if (arg == "--calls") {
            ok = number(options.calls, calls_given);
        } else if (arg == "--durable-calls") {
            ok = number(options.durable_calls, durable_calls_given);
        } else if (arg == "--durable-pause-us") {
            ok = number(options.durable_pause_us, ignored);
        } else if (arg == "--topics") {
            ok = number(options.topics, ignored);
        } else if (arg == "--content-bytes") {
            ok = number(options.content_bytes, ignored);
        } else if (arg == "--no-info-log") {
            options.with_info_log = false;
        } else if (arg == "--home") {
            ok = value(options.home);
        } else if (arg == "--mnemo") {
            ok = value(options.mnemo);
        } else if (arg == "-h" || arg == "--help") {
            Usage(std::cout);
            return 0;
        } else {
            ok = false;
        }
        if (!ok) {
            std::cerr << "mnemo_stdio_bench: bad argument " << arg << "\n";
            Usage(std::cerr);
            return 2;
        }
    }
    if (options.quick) {
        if (!rounds_given) options.rounds = 3;
        if (!calls_given) options.calls = 200;
        if (!durable_calls_given) options.durable_calls = 30;
    }
    if (options.mnemo.empty()) {
        std::cerr << "mnemo_stdio_bench: pass --mnemo PATH\n";
        return 2;
    }
    return -1;
}

std::string ShowSetting(PGconn* conn, const std::string& name) {
    PGresult* result = PQexec(conn, ("SHOW " + name).c_str());
    std::string value = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1
                            ? PQgetvalue(result, 0, 0)
                            : "?";
    PQclear(result);
    return value;
}

void RunSection(char letter, const Options& options, const BenchHome& home,
                const Workload& workload) {
    SectionSettings settings;
    settings.with_info_log = options.with_info_log;
    settings.mnemo = options.mnemo;
    std::string title;
    int calls = options.calls;
    if (letter == 'a') {
        settings.pg_options = "-c synchronous_commit=off";
        title = "(a) synchronous_commit = off on every connection: what mnemo adds";
    } else {
        calls = options.durable_calls;
        title =
            "(b) the embedded cluster's own settings (durable commits): what a client waits for";
    }
    std::cout << "\n" << title << "\n" << std::string(title.size(), '=') << "\n";
    SectionFixture fixture;
    fixture.SetUp(home, settings, workload);
    std::cout
        << "  Settings of every connection (checked on mnemo's through query_database):\n"
        << "  synchronous_commit = " << ShowSetting(fixture.raw(), "synchronous_commit")
        << ", fsync = " << ShowSetting(fixture.raw(), "fsync")
        << (settings.pg_options.empty() ? "" : " (options '" + settings.pg_options + "')")
        << ".\n  Variants, each on its own connection(s): raw = PQsendQueryParams of set_config + "
           "the statement in\n  one pipeline (what pqpool sends); store = "
           "memory::Store::LockContext / RecallContext on a\n  pqpool pool with mnemo's "
           "options; in-proc = the same request line through mnemo's Dispatcher\n  in this "
           "process (no pipe, no threads); stdio = the request line to a `mnemo serve "
           "--stdio`\n  child and its reply line, MNEMO_LOG_LEVEL warning (and info, stderr "
           "to a file).\n";
    Pacing pacing;
    if (letter == 'b') pacing.max_pause = std::chrono::microseconds(options.durable_pause_us);
    if (pacing.max_pause.count() > 0) {
        std::cout << "  Before every call an untimed pause, uniform in 0-"
                  << options.durable_pause_us << " us (see Pacing in bench/stdio_report.hpp).\n";
    }
    const Measurements measured =
        RunRounds(fixture.variants(), options.rounds, calls, std::max(20, calls / 10), pacing);
    PrintReport(fixture.variants(), measured, options.rounds, calls);
}

int Run(const Options& options) {
    InstallInterruptHandlers();
    log::SetMinLevel(log::Level::kError);  // Our pool's and the cluster's notes.
    // Before any thread: our connections take their options from the conninfo only.
    unsetenv("PGOPTIONS");  // NOLINT(concurrency-mt-unsafe)
    const Workload workload = Workload::Make(options.topics, options.content_bytes);

    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::array<char, 64> date{};
    std::strftime(date.data(), date.size(), "%Y-%m-%d %H:%M UTC", &utc);
    std::cout << "mnemo_stdio_bench" << (options.quick ? " --quick" : "") << "\n"
              << "date:        " << date.data() << "\n"
              << "machine:     " << std::thread::hardware_concurrency() << " CPUs, load "
              << LoadAverage() << ", steady_clock::now() " << Fixed(ClockReadNs(), 1)
              << " ns, libpq " << PQlibVersion() << "\n";
#ifndef NDEBUG
    std::cout << "WARNING: this bench is built without NDEBUG (not a release build).\n";
#endif
    BenchHome home;
    home.SetUp(options.home, workload);
    std::cout << "mnemo:       " << options.mnemo << "\n"
              << "cluster:     " << home.cluster_note() << ", " << home.conninfo()
              << (home.temporary() ? " (temporary home)" : "") << "\n"
              << "workload:    lock_context cycles " << options.topics << " topics of project '"
              << workload.project << "' (the children's default),\n             "
              << options.content_bytes
              << "-byte content, tags [bench, stdio], priority reference;\n"
                 "             recall_context of '"
              << workload.recall_topic << "' in project '" << workload.recall_project
              << "' (latest of 3\n             versions, with content; that project holds "
                 "nothing else)\n";
    for (const char letter : {'a', 'b'}) {
        if (options.sections.find(letter) != std::string::npos) {
            RunSection(letter, options, home, workload);
        }
    }
    std::cout << "\nload after:  " << LoadAverage() << "\n";
    return 0;
}

}  // namespace
}  // namespace mnemo::bench

int main(int argc, char** argv) {
    using namespace mnemo::bench;
    Options options;
    if (const int code = ParseArgs(argc, argv, options); code >= 0) return code;
    try {
        return Run(options);
    } catch (const std::exception& e) {  // BenchFailure, or a library's (e.g. JSON parse).
        std::cout.flush();
        std::cerr << "mnemo_stdio_bench: " << e.what() << std::endl;
        return 1;
    }
}

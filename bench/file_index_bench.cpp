// SPDX-License-Identifier: MIT
// mnemo_file_index_bench: scan_project_files' work on a generated tree (10 000 files by
// default) — the first scan into an empty index and the rescans — beside a plain directory
// walk with lstat(2) of the same tree, in the same run.
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "bench_util.hpp"
#include "child_process.hpp"
#include "cli/database.hpp"
#include "config/config.hpp"
#include "embedded/cluster.hpp"
#include "embedded_start.hpp"
#include "files/scanner.hpp"
#include "memory/store_scan_sink.hpp"
#include "util/log.hpp"

namespace mnemo::bench {
namespace {

namespace fs = std::filesystem;
using pqpool::bench::Fixed;
using pqpool::bench::Median;
using pqpool::bench::Ns;
using pqpool::bench::Table;

struct Options {
    int files = 10000;
    int rounds = 5;
    std::string dsn;  // empty: the embedded cluster of a temporary MNEMO_HOME
};

void Usage(std::ostream& out) {
    out << "usage: mnemo_file_index_bench [--quick] [--files N] [--rounds R] [--dsn DSN]\n"
           "  --files   files in the generated tree (default 10000, in directories of 100)\n"
           "  --rounds  rounds; each scans into a new project (default 5; --quick: 2)\n"
           "  --dsn     database to use (default: mnemo's embedded cluster in a temporary\n"
           "            MNEMO_HOME, started for the run and stopped after it)\n";
}

int ParseArgs(int argc, char** argv, Options& options) {
    bool rounds_given = false;
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto number = [&](int& out) {
            if (i + 1 >= argc) return false;
            char* end = nullptr;
            const long value = std::strtol(argv[++i], &end, 10);
            if (*end != '\0' || value < 1 || value > 1'000'000) return false;
            out = static_cast<int>(value);
            return true;
        };
        bool ok = true;
        if (arg == "--quick") {
            quick = true;
        } else if (arg == "--files") {
            ok = number(options.files);
        } else if (arg == "--rounds") {
            ok = number(options.rounds);
            rounds_given = true;
        } else if (arg == "--dsn" && i + 1 < argc) {
            options.dsn = argv[++i];
        } else if (arg == "-h" || arg == "--help") {
            Usage(std::cout);
            return 0;
        } else {
            ok = false;
        }
        if (!ok) {
            std::cerr << "mnemo_file_index_bench: bad argument " << arg << "\n";
            Usage(std::cerr);
            return 2;
        }
    }
    if (quick && !rounds_given) options.rounds = 2;
    return -1;
}

/// A source-like file of about 1.5 KB: a leading comment, a class, some functions.
std::string SourceText(int index, int version) {
    std::string text = "// SPDX-License-Identifier: MIT\n// Module " + std::to_string(index) +
                       ": generated for the file index benchmark (version " +
                       std::to_string(version) + ").\n#pragma once\n\nnamespace bench {\n\n";
    text += "class Module" + std::to_string(index) + " {\npublic:\n";
    for (int f = 0; f < 12; ++f) {
        text += "    int Function" + std::to_string(f) + "(int value) const { return value * " +
                std::to_string(f + index) + "; }\n";
    }
    return text + "};\n\n}  // namespace bench\n";
}

void WriteFile(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) Fail("cannot write " + path.string());
}

void GenerateTree(const fs::path& root, int files) {
    fs::create_directories(root);
    WriteFile(root / ".gitignore", "build/\n*.o\n");
    for (int i = 0; i < files; ++i) {
        const fs::path dir = root / ("dir" + std::to_string(i / 100));
        if (i % 100 == 0) fs::create_directories(dir);
        const bool markdown = i % 10 == 0;
        WriteFile(
            dir / ("file" + std::to_string(i) + (markdown ? ".md" : ".hpp")),
            markdown ? "# Note " + std::to_string(i) + "\n## Details\nText.\n" : SourceText(i, 1));
    }
}

/// The baseline: what any scan must do at least — list every directory and lstat every entry.
std::size_t WalkAndStat(const fs::path& root) {
    std::size_t regular = 0;
    struct stat st {};
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (::lstat(entry.path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) ++regular;
    }
    return regular;
}

struct Step {
    std::string name;
    std::vector<double> ms{};
    std::size_t read = 0;
    std::size_t batches = 0;
};

template <class Fn>
void Time(Step& step, Fn&& body) {
    const auto began = BenchClock::now();
    body();
    step.ms.push_back(Ns(BenchClock::now() - began) / 1e6);
}

files::ScanReport MustScan(const fs::path& root, memory::Store& store,
                           const memory::ProjectRef& project) {
    auto report = files::ScanTree(root, "", memory::StoreScanSink(store, project));
    if (!report.ok()) Fail("scan: " + report.error().message());
    return std::move(report).value();
}

int Run(const Options& options) {
    InstallInterruptHandlers();
    log::SetMinLevel(log::Level::kError);
    std::string pattern = "/tmp/mnemo-file-index-bench.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp failed");
    const fs::path home = pattern;
    bool started_cluster = false;
    struct Cleanup {
        const fs::path& home;
        bool& started;
        ~Cleanup() {
            if (started) (void)cli::EmbeddedClusterAt(home).Stop();
            std::error_code ignored;
            fs::remove_all(home, ignored);
        }
    } cleanup{home, started_cluster};

    // The Config `mnemo serve --stdio` would have, on the embedded cluster or on --dsn.
    Config config;
    config.home = home;
    config.secret = "file-index-bench-secret-0123456789abcdef";
    config.default_project = "bench-files";
    std::string database_note = "--dsn";
    if (options.dsn.empty()) {
        const EmbeddedStart start = StartEmbedded(home);
        started_cluster = start.started;
        config.database_url = start.conninfo;
        database_note = "embedded cluster (" + start.note + ")";
    } else {
        config.database_url = options.dsn;
    }
    auto db = cli::OpenDatabase(config);
    if (!db.ok()) Fail(db.error().message());
    memory::Store& store = *db->store;

    const fs::path root = home / "tree";
    const auto generate_began = BenchClock::now();
    GenerateTree(root, options.files);
    std::cout << "mnemo_file_index_bench: " << options.files << " files (" << options.files / 100
              << " directories, ~1.5 KB sources and small markdown), " << options.rounds
              << " rounds, " << database_note << "; tree written in "
              << Fixed(Ns(BenchClock::now() - generate_began) / 1e9, 1)
              << " s (page cache warm)\n\n";

    Step walk{"walk + lstat (baseline)"};
    Step mnemo_walk{"mnemo walk (ignore rules, no reads)"};
    Step first{"first scan (empty index)"};
    Step rescan{"rescan, nothing changed"};
    Step changed{"rescan, 1% of files changed"};
    for (int round = 0; round < options.rounds; ++round) {
        const std::string project = "bench-files-" + std::to_string(round);
        (void)store.DeleteProject(project, true);
        auto created = store.CreateProject(project, "file index bench");
        if (!created.ok()) Fail(created.error().message());
        Time(walk, [&] {
            if (WalkAndStat(root) != static_cast<std::size_t>(options.files) + 1) {
                Fail("the baseline walk saw another number of files");
            }
        });
        Time(mnemo_walk, [&] {
            if (!files::Walk(root, "").ok()) Fail("walk failed");
        });
        files::ScanReport report;
        Time(first, [&] { report = MustScan(root, store, project); });
        first.read = report.files_read;
        first.batches = report.batches;
        Time(rescan, [&] { report = MustScan(root, store, project); });
        rescan.read = report.files_read;
        rescan.batches = report.batches;
        if (report.files_read != 0) Fail("the no-change rescan read files");
        // One source per directory (i % 10 != 0: never a markdown file), another each round.
        for (int i = round % 9 + 1; i < options.files; i += 100) {
            WriteFile(
                root / ("dir" + std::to_string(i / 100)) / ("file" + std::to_string(i) + ".hpp"),
                SourceText(i, round + 2));
        }
        Time(changed, [&] { report = MustScan(root, store, project); });
        changed.read = report.files_read;
        changed.batches = report.batches;
        (void)store.DeleteProject(project, true);
        if (Interrupted()) Fail("interrupted");
    }

    const double baseline = Median(walk.ms);
    const double first_ms = Median(first.ms);
    Table table(
        {"step", "median ms", "min ms", "files read", "writes", "vs walk+lstat", "vs first scan"});
    for (const Step* step : {&walk, &mnemo_walk, &first, &rescan, &changed}) {
        const double median = Median(step->ms);
        const bool scan = step == &first || step == &rescan || step == &changed;
        table.AddRow({step->name, Fixed(median, 1),
                      Fixed(*std::min_element(step->ms.begin(), step->ms.end()), 1),
                      scan ? std::to_string(step->read) : "-",
                      scan ? std::to_string(step->batches) : "-",
                      pqpool::bench::Times(median / baseline),
                      scan ? pqpool::bench::Times(median / first_ms) : "-"});
    }
    table.Print();
    std::cout << "\nwrites = statements (batches of up to 500 files, one lease each); the\n"
                 "no-change rescan is one SELECT of the index, the walk and an lstat per file.\n";
    return 0;
}

}  // namespace
}  // namespace mnemo::bench

int main(int argc, char** argv) {
    mnemo::bench::Options options;
    if (const int code = mnemo::bench::ParseArgs(argc, argv, options); code >= 0) return code;
    try {
        return mnemo::bench::Run(options);
    } catch (const mnemo::bench::BenchFailure& failure) {
        std::cerr << "mnemo_file_index_bench: " << failure.what() << "\n";
        return 1;
    }
}

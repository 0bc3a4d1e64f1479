// SPDX-License-Identifier: MIT
// Walk and ScanTree on generated trees: ignores, .git, symlinks, traversal, incremental reads,
// progress and cancellation (with an in-memory index; the PostgreSQL one is in files_pgtest).
#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "file_test_tree.hpp"
#include "files/path_rules.hpp"
#include "files/scanner.hpp"
#include "files/walker.hpp"
#include "memory/store.hpp"

namespace mnemo::files {
namespace {

using testing::TempTree;

std::vector<std::string> Paths(const WalkReport& report) {
    std::vector<std::string> paths;
    for (const auto& file : report.files) paths.push_back(file.path);
    std::sort(paths.begin(), paths.end());
    return paths;
}

TEST(FileWalkTest, SkipsGitAndHonoursGitignoreAndMnemoignore) {
    TempTree tree;
    tree.Write(".git/config", "x");
    tree.Write("sub/.git", "gitdir: elsewhere");  // a worktree's .git file
    tree.Write(".gitignore", "*.o\nbuild/\n/top.txt\n!keep.o\n");
    tree.Write(".mnemoignore", "secret*\n");
    tree.Write("a.cpp", "int a;");
    tree.Write("a.o", "obj");
    tree.Write("keep.o", "obj");
    tree.Write("top.txt", "t");
    tree.Write("sub/top.txt", "t");
    tree.Write("build/out.txt", "o");
    tree.Write("secrets.env", "k");
    tree.Write("sub/.gitignore", "local.*\n");
    tree.Write("sub/local.md", "l");
    tree.Write("local.md", "l");
    auto walked = Walk(tree.root(), "");
    ASSERT_TRUE(walked.ok()) << walked.error().message();
    EXPECT_EQ(Paths(*walked),
              (std::vector<std::string>{".gitignore", ".mnemoignore", "a.cpp", "keep.o", "local.md",
                                        "sub/.gitignore", "sub/top.txt"}));
    EXPECT_EQ(walked->ignored, 5u);  // a.o, top.txt, build/, secrets.env, sub/local.md
}

TEST(FileWalkTest, SymlinksOutsideTheRootAreNotFollowedAndLoopsEnd) {
    TempTree tree;
    TempTree outside;
    outside.Write("leak.txt", "secret");
    tree.Write("in/real.txt", "r");
    tree.Symlink(outside.root().string(), "out_dir");
    tree.Symlink((outside.root() / "leak.txt").string(), "out_file");
    tree.Symlink("..", "in/up");               // loop back to the root
    tree.Symlink("real.txt", "in/alias.txt");  // inside: listed under its own path
    tree.Symlink("missing", "broken");
    auto walked = Walk(tree.root(), "");
    ASSERT_TRUE(walked.ok());
    EXPECT_EQ(Paths(*walked), (std::vector<std::string>{"in/alias.txt", "in/real.txt"}));
    EXPECT_EQ(walked->outside_root, 2u);
    EXPECT_EQ(walked->loops, 1u);
    EXPECT_EQ(walked->unreadable, 1u);
    EXPECT_FALSE(walked->notes.empty());
}

TEST(FileWalkTest, ScanPathsMustStayInsideTheRoot) {
    TempTree tree;
    TempTree outside;
    tree.MakeDir("src/lib");
    tree.Symlink(outside.root().string(), "elsewhere");
    auto ok = ResolveScanPath(tree.root(), "src/lib");
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, "src/lib");
    EXPECT_EQ(ResolveScanPath(tree.root(), "").value(), "");
    EXPECT_EQ(ResolveScanPath(tree.root(), (tree.root() / "src").string()).value(), "src");
    const std::vector<std::string> refused_paths = {
        "../", "src/../../etc", "..", "/etc", "elsewhere", outside.root().string(), "missing"};
    for (const auto& bad : refused_paths) {
        auto refused = ResolveScanPath(tree.root(), bad);
        ASSERT_FALSE(refused.ok()) << bad;
        EXPECT_EQ(refused.error().code(), ErrorCode::kRefused) << bad;
    }
    EXPECT_NE(ResolveScanPath(tree.root(), "src/../..").error().message().find("'..'"),
              std::string::npos);
    EXPECT_NE(ResolveScanPath(tree.root(), "/etc").error().message().find("outside"),
              std::string::npos);
}

TEST(FileWalkTest, WalkingASubtreeAppliesTheIgnoreFilesAboveIt) {
    TempTree tree;
    tree.Write(".gitignore", "*.tmp\n");
    tree.Write("src/.gitignore", "gen/\n");
    tree.Write("src/a/x.tmp", "t");
    tree.Write("src/a/x.c", "c");
    tree.Write("src/a/gen/y.c", "c");
    auto walked = Walk(tree.root(), "src/a");
    ASSERT_TRUE(walked.ok());
    EXPECT_EQ(Paths(*walked), (std::vector<std::string>{"src/a/x.c"}));
}

/// An in-memory index with the Store's semantics, counting what the scan writes.
struct MemoryIndex {
    std::map<std::string, FileRecord> rows;
    std::size_t batches = 0;

    ScanSink Sink() {
        ScanSink sink;
        sink.load = [this](const std::string& prefix) {
            std::unordered_map<std::string, KnownFile> known;
            for (const auto& [path, row] : rows) {
                if (prefix.empty() || path == prefix || path.starts_with(prefix + "/")) {
                    known[path] = {row.size, row.mtime_ns};
                }
            }
            return Result<std::unordered_map<std::string, KnownFile>>(known);
        };
        sink.upsert = [this](std::span<const FileRecord> records) {
            IndexCounts counts;
            ++batches;
            for (const auto& record : records) {
                auto [at, added] = rows.insert_or_assign(record.path, record);
                (added ? counts.added : counts.modified) += 1;
            }
            return Result<IndexCounts>(counts);
        };
        sink.remove = [this](std::span<const FileDeletion> paths) {
            IndexCounts counts;
            ++batches;
            for (const auto& deletion : paths) counts.deleted += rows.erase(deletion.path) ? 1 : 0;
            return Result<IndexCounts>(counts);
        };
        return sink;
    }
};

TEST(FileWalkTest, RescansReadOnlyNewAndChangedFiles) {
    TempTree tree;
    for (int i = 0; i < 30; ++i) tree.Write("d/f" + std::to_string(i) + ".txt", "v1");
    MemoryIndex index;
    auto first = ScanTree(tree.root(), "", index.Sink());
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->files_read, 30u);
    EXPECT_EQ(first->counts.added, 30);

    auto again = ScanTree(tree.root(), "", index.Sink());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->files_read, 0u);
    EXPECT_EQ(again->unchanged, 30u);
    EXPECT_EQ(again->batches, 0u);

    tree.Write("d/f1.txt", "version two");
    tree.SetMtime("d/f2.txt", 1'000'000);  // same content, other mtime: read again
    tree.Remove("d/f3.txt");
    tree.Write("d/new.md", "# Title\n");
    auto third = ScanTree(tree.root(), "", index.Sink());
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(third->files_read, 3u);
    EXPECT_EQ(third->unchanged, 27u);
    EXPECT_EQ(third->counts.deleted, 1);
    EXPECT_EQ(index.rows.count("d/f3.txt"), 0u);
    EXPECT_EQ(index.rows.at("d/new.md").summary, "Title");
    EXPECT_EQ(index.rows.at("d/new.md").language, "markdown");
    EXPECT_EQ(index.rows.at("d/f1.txt").size, 11);
}

TEST(FileWalkTest, RecordsHashTypeLinesAndSkipsReadingLargeFiles) {
    TempTree tree;
    tree.Write("a.py", "\"\"\"Tools for x.\"\"\"\n\ndef run():\n    pass\n");
    tree.Write("b.bin", std::string("\x7f"
                                    "ELF\0\0\0",
                                    7));
    tree.Write("big.txt", std::string(2000, 'x'));
    MemoryIndex index;
    ScanOptions options;
    options.max_file_bytes = 1000;
    auto report = ScanTree(tree.root(), "", index.Sink(), options);
    ASSERT_TRUE(report.ok());
    const auto& py = index.rows.at("a.py");
    EXPECT_EQ(py.kind, "text");
    EXPECT_EQ(py.language, "python");
    EXPECT_EQ(py.line_count, 4);
    EXPECT_EQ(py.hash.size(), 64u);
    EXPECT_EQ(py.summary, "Tools for x. — defines: run");
    EXPECT_EQ(index.rows.at("b.bin").kind, "binary");
    EXPECT_TRUE(index.rows.at("b.bin").summary.empty());
    EXPECT_EQ(index.rows.at("big.txt").kind, "large");
    EXPECT_TRUE(index.rows.at("big.txt").hash.empty());
    EXPECT_EQ(report->files_read, 2u);  // big.txt was not opened
    EXPECT_EQ(report->large, 1u);
    EXPECT_EQ(report->binary, 1u);
}

TEST(FileWalkTest, ReportsIncreasingProgressAndStopsWhenCancelled) {
    TempTree tree;
    for (int i = 0; i < 50; ++i) tree.Write("f" + std::to_string(i), "x");
    MemoryIndex index;
    ScanOptions options;
    options.batch_size = 10;
    options.progress_every = 10;
    std::vector<double> seen;
    options.progress = [&](double done, double total, const std::string&) {
        if (done > 0) {
            EXPECT_EQ(total, 50);
        }
        seen.push_back(done);
    };
    auto report = ScanTree(tree.root(), "", index.Sink(), options);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(seen, (std::vector<double>{0, 10, 20, 30, 40, 50}));

    MemoryIndex fresh;
    int batches_before_cancel = 2;
    options.progress = nullptr;
    options.cancelled = [&] {
        return fresh.batches >= static_cast<std::size_t>(batches_before_cancel);
    };
    tree.Remove("f0");
    auto cancelled = ScanTree(tree.root(), "", fresh.Sink(), options);
    ASSERT_TRUE(cancelled.ok());
    EXPECT_TRUE(cancelled->cancelled);
    EXPECT_EQ(fresh.rows.size(), 20u);  // two batches of 10, then it stopped
}

TEST(FileWalkTest, AWalkStopsAtMaxFilesAndTheScanThenDeletesNothing) {
    TempTree tree;
    for (int i = 0; i < 10; ++i) tree.Write("f" + std::to_string(i), "x");
    MemoryIndex index;
    FileRecord gone;
    gone.path = "gone";
    gone.kind = "text";
    index.rows["gone"] = gone;
    ScanOptions options;
    options.max_files = 4;
    auto report = ScanTree(tree.root(), "", index.Sink(), options);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->walk.truncated);
    EXPECT_EQ(report->files_seen, 4u);
    EXPECT_EQ(index.rows.size(), 5u);  // four files, and "gone" kept
}

TEST(FileWalkTest, ACancelledScanDeletesNothing) {
    TempTree tree;
    tree.Write("a", "1");
    MemoryIndex index;
    FileRecord gone;
    gone.path = "gone";
    gone.size = 1;
    gone.mtime_ns = 1;
    gone.kind = "text";
    index.rows["gone"] = gone;
    ScanOptions options;
    options.cancelled = [] { return true; };
    auto report = ScanTree(tree.root(), "", index.Sink(), options);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->cancelled);
    EXPECT_EQ(index.rows.count("gone"), 1u);
}

}  // namespace
}  // namespace mnemo::files

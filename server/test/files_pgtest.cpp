// SPDX-License-Identifier: MIT
// The project file index in PostgreSQL: scans of generated trees through the store and the
// tools (changes, incremental rescans, 10 000 files, concurrent scans, isolation, paging,
// progress, cancellation, wake_up).
#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "file_test_tree.hpp"
#include "files/scanner.hpp"
#include "mcp/dispatcher.hpp"
#include "server_pg_support.hpp"
#include "tools/tool_support.hpp"

namespace mnemo {
namespace {

using mcp::Json;
using testing::TempTree;
using testing::TestDatabase;
using testing::UniqueProject;

files::ScanSink SinkFor(memory::Store& store, const memory::ProjectRef& project) {
    files::ScanSink sink;
    sink.load = [&store, project](const std::string& prefix) {
        return store.IndexedFiles(project, prefix);
    };
    sink.upsert = [&store, project](std::span<const files::FileRecord> records) {
        return store.UpsertFiles(project, records);
    };
    sink.remove = [&store, project](std::span<const files::FileDeletion> paths) {
        return store.DeleteFiles(project, paths);
    };
    return sink;
}

/// Runs one SQL statement as the cluster's superuser (no row-level security) and returns the
/// first cell.
std::string AdminValue(const std::string& sql) {
    PGconn* conn = PQconnectdb(TestDatabase::Shared().admin_dsn().c_str());
    PGresult* result = PQexec(conn, sql.c_str());
    std::string value = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0
                            ? PQgetvalue(result, 0, 0)
                            : "error: " + std::string(PQerrorMessage(conn));
    PQclear(result);
    PQfinish(conn);
    return value;
}

std::string ProjectFilter(const std::string& project) {
    return "project_id = (SELECT project_id FROM mnemo.projects WHERE name = '" + project +
           "' AND owner = '')";
}

class FilesPgTest : public ::testing::Test {
protected:
    void SetUp() override {
        config_ = TestDatabase::Shared().MakeConfig(4);
        config_.default_project = UniqueProject("files");
        auto db = cli::OpenDatabase(config_);
        ASSERT_TRUE(db.ok()) << db.error().message();
        db_ = std::move(db).value();
        services_ = std::make_unique<tools::ToolServices>(
            tools::ToolServices{*db_.store, config_, tree_.root()});
        tools::RegisterMemoryTools(registry_, *services_);
        project_ = config_.default_project;
        ASSERT_TRUE(db_.store->CreateProject(project_, "").ok());
    }

    memory::Store& store() { return *db_.store; }

    Result<files::ScanReport> Scan(const std::string& start = "", files::ScanOptions options = {}) {
        return files::ScanTree(tree_.root(), start, SinkFor(store(), project_), options);
    }

    /// Calls a tool handler directly (as the dispatcher would after validating).
    mcp::ToolResult Call(const std::string& tool, const Json& arguments,
                         const mcp::ProgressFn* progress = nullptr,
                         const std::atomic<bool>* cancelled = nullptr) {
        const auto* definition = registry_.Find(tool);
        EXPECT_NE(definition, nullptr) << tool;
        const mcp::ToolCall call{.arguments = arguments,
                                 .session = session_,
                                 .progress = progress,
                                 .cancelled = cancelled};
        return definition->handler(call);
    }
    Json Ok(const std::string& tool, const Json& arguments) {
        auto result = Call(tool, arguments);
        EXPECT_FALSE(result.is_error) << tool << ": " << result.message;
        return result.structured;
    }

    std::string History(const std::string& change) {
        return AdminValue("SELECT count(*) FROM mnemo.file_changes WHERE " +
                          ProjectFilter(project_) + " AND change = '" + change + "'");
    }

    TempTree tree_;
    Config config_;
    cli::Database db_;
    std::unique_ptr<tools::ToolServices> services_;
    mcp::ToolRegistry registry_;
    mcp::Session session_{"files-session"};
    std::string project_;
};

TEST_F(FilesPgTest, DetectsAddedModifiedAndDeletedFilesWithHistory) {
    tree_.Write("src/pool.cpp", "// Pool: leases.\nclass Pool {};\n");
    tree_.Write("src/old.cpp", "int old;\n");
    tree_.Write("README.md", "# Readme\n");
    auto first = Scan();
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(first->counts.added, 3);

    tree_.Write("src/pool.cpp", "// Pool: leases fairly.\nclass Pool {};\n");
    tree_.Remove("src/old.cpp");
    tree_.Write("docs/new.md", "# New\n");
    tree_.SetMtime("README.md", 1'500'000'000);  // touched, same content
    auto second = Scan();
    ASSERT_TRUE(second.ok()) << second.error().message();
    EXPECT_EQ(second->counts.added, 1);
    EXPECT_EQ(second->counts.modified, 1);
    EXPECT_EQ(second->counts.deleted, 1);
    EXPECT_EQ(second->counts.touched, 1);
    EXPECT_EQ(second->files_read, 3u);  // pool.cpp, new.md, README.md (mtime changed)
    EXPECT_EQ(History("added"), "4");
    EXPECT_EQ(History("modified"), "1");
    EXPECT_EQ(History("deleted"), "1");

    const Json found = Ok("query_files", {{"query", "fairly"}});
    ASSERT_EQ(found["files"].size(), 1u);
    EXPECT_EQ(found["files"][0]["path"], "src/pool.cpp");
    EXPECT_EQ(found["files"][0]["language"], "cpp");
    EXPECT_EQ(found["files"][0]["lines"], 2);
    EXPECT_EQ(found["files"][0]["summary"], "Pool: leases fairly. — defines: Pool");
    EXPECT_EQ(found["files"][0]["hash"].get<std::string>().size(), 64u);
    const Json since = Ok("query_files", {{"changed_since", "2000-01-01T00:00:00Z"}});
    ASSERT_EQ(since["deleted"].size(), 1u);
    EXPECT_EQ(since["deleted"][0]["path"], "src/old.cpp");
}

TEST_F(FilesPgTest, AnUnchangedRescanReadsNothingAndWritesNothing) {
    for (int i = 0; i < 40; ++i)
        tree_.Write("d" + std::to_string(i % 4) + "/f" + std::to_string(i), "x");
    ASSERT_TRUE(Scan().ok());
    auto again = Scan();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->files_read, 0u);
    EXPECT_EQ(again->unchanged, 40u);
    EXPECT_EQ(again->batches, 0u);
    EXPECT_EQ(History("added"), "40");
}

TEST_F(FilesPgTest, TenThousandFilesInBatches) {
    for (int d = 0; d < 100; ++d) {
        for (int f = 0; f < 100; ++f) {
            tree_.Write("dir" + std::to_string(d) + "/file" + std::to_string(f) + ".txt",
                        "line " + std::to_string(d * 100 + f) + "\n");
        }
    }
    auto first = Scan();
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(first->files_seen, 10000u);
    EXPECT_EQ(first->counts.added, 10000);
    EXPECT_EQ(first->batches, 20u);  // 500 files per statement
    EXPECT_EQ(AdminValue("SELECT count(*) FROM mnemo.files WHERE " + ProjectFilter(project_)),
              "10000");
    auto again = Scan();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->files_read, 0u);
    EXPECT_EQ(Ok("query_files", {{"path_prefix", "dir7/"}, {"limit", 1}})["total"], 100);
}

TEST_F(FilesPgTest, ConcurrentScansOfOneProjectLeaveAConsistentIndex) {
    for (int i = 0; i < 600; ++i)
        tree_.Write("c/f" + std::to_string(i) + ".txt", std::to_string(i));
    files::ScanOptions options;
    options.batch_size = 50;  // many interleaved batches
    for (int round = 0; round < 2; ++round) {
        if (round == 1) {
            for (int i = 0; i < 600; i += 3) tree_.Write("c/f" + std::to_string(i) + ".txt", "v2");
            for (int i = 1; i < 600; i += 10) tree_.Remove("c/f" + std::to_string(i) + ".txt");
        }
        std::vector<Result<files::ScanReport>> reports(2, Error(ErrorCode::kCancelled, ""));
        std::thread a([&] { reports[0] = Scan("", options); });
        std::thread b([&] { reports[1] = Scan("", options); });
        a.join();
        b.join();
        ASSERT_TRUE(reports[0].ok()) << reports[0].error().message();
        ASSERT_TRUE(reports[1].ok()) << reports[1].error().message();
        if (round == 0) {
            EXPECT_EQ(reports[0]->counts.added + reports[1]->counts.added, 600);
        } else {
            EXPECT_EQ(reports[0]->counts.modified + reports[1]->counts.modified, 180);
            EXPECT_EQ(reports[0]->counts.deleted + reports[1]->counts.deleted, 60);
        }
    }
    EXPECT_EQ(AdminValue("SELECT count(*) FROM mnemo.files WHERE " + ProjectFilter(project_)),
              "540");
    EXPECT_EQ(History("added"), "600");  // each file once, whichever scan wrote it
    EXPECT_EQ(History("modified"), "180");
    EXPECT_EQ(History("deleted"), "60");
    // Every row holds its file's current content hash.
    EXPECT_EQ(AdminValue("SELECT count(*) FROM mnemo.files WHERE " + ProjectFilter(project_) +
                         " AND content_hash = encode(sha256('v2'), 'hex')"),
              "180");
}

TEST_F(FilesPgTest, ScanToolRefusesTraversalAndHttp) {
    tree_.Write("a.txt", "a");
    auto refused = Call("scan_project_files", {{"path", "../"}});
    ASSERT_TRUE(refused.is_error);
    EXPECT_NE(refused.message.find("'..'"), std::string::npos) << refused.message;
    refused = Call("scan_project_files", {{"path", "/etc"}});
    ASSERT_TRUE(refused.is_error);
    EXPECT_NE(refused.message.find("outside the project root"), std::string::npos);

    const Json scanned = Ok("scan_project_files", Json::object());
    EXPECT_EQ(scanned["added"], 1);
    EXPECT_EQ(scanned["files_read"], 1);
    EXPECT_EQ(scanned["project"], project_);

    config_.transport = Transport::kHttp;
    auto http = Call("scan_project_files", Json::object());
    config_.transport = Transport::kStdio;
    ASSERT_TRUE(http.is_error);
    EXPECT_NE(http.message.find("index_files"), std::string::npos) << http.message;
}

TEST_F(FilesPgTest, ScanToolSendsProgressAndStopsWhenCancelled) {
    for (int i = 0; i < 1200; ++i) tree_.Write("p/f" + std::to_string(i), "x");
    std::vector<double> progress;
    std::atomic<bool> cancelled{false};
    const mcp::ProgressFn report = [&](double done, double, const std::string&) {
        progress.push_back(done);
        if (done >= 500) cancelled = true;  // the client cancels after the first report
    };
    auto result = Call("scan_project_files", Json::object(), &report, &cancelled);
    ASSERT_FALSE(result.is_error) << result.message;
    EXPECT_TRUE(result.structured["cancelled"].get<bool>());
    EXPECT_EQ(result.structured["added"], 500);  // the first batch, nothing after it
    ASSERT_GE(progress.size(), 2u);
    EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));

    cancelled = false;
    progress.clear();
    result = Call("scan_project_files", Json::object(), &report, nullptr);
    ASSERT_FALSE(result.is_error) << result.message;
    EXPECT_EQ(result.structured["added"], 700);
    EXPECT_EQ(result.structured["unchanged"], 500);
    EXPECT_EQ(progress.back(), 1200);
}

TEST_F(FilesPgTest, IndexFilesValidatesAndDetectsChanges) {
    auto bad =
        Call("index_files", {{"files", {{{"path", "../etc/passwd"}, {"size", 1}, {"mtime", 1}}}}});
    ASSERT_TRUE(bad.is_error);
    EXPECT_NE(bad.message.find("files[0].path"), std::string::npos) << bad.message;
    const Json entry = {
        {"path", "src/a.ts"}, {"size", 10}, {"mtime", 1700000000}, {"summary", "Widget"}};
    Json added = Ok("index_files", {{"files", {entry}}});
    EXPECT_EQ(added["added"], 1);
    Json same = Ok("index_files", {{"files", {entry}}});
    EXPECT_EQ(same["unchanged"], 1);
    EXPECT_EQ(same["added"], 0);
    Json changed = entry;
    changed["size"] = 11;
    EXPECT_EQ(Ok("index_files", {{"files", {changed}}})["modified"], 1);
    EXPECT_EQ(Ok("index_files", {{"deleted", {"src/a.ts"}}})["deleted"], 1);
    EXPECT_EQ(Ok("query_files", {{"query", "widget"}})["total"], 0);
}

TEST_F(FilesPgTest, QueryFilesPagesWithCursorsAndFilters) {
    Json batch = Json::array();
    for (int i = 0; i < 7; ++i) {
        batch.push_back({{"path", "lib/m" + std::to_string(i) + ".py"}, {"size", i}, {"mtime", 1}});
    }
    batch.push_back(
        {{"path", "docs/guide.md"}, {"size", 1}, {"mtime", 1}, {"summary", "pool guide"}});
    Ok("index_files", {{"files", batch}});
    std::vector<std::string> paths;
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
        Json arguments = {{"type", "python"}, {"limit", 3}};
        if (!cursor.empty()) arguments["cursor"] = cursor;
        const Json found = Ok("query_files", arguments);
        EXPECT_EQ(found["total"], 7);
        for (const auto& file : found["files"]) paths.push_back(file["path"]);
        if (!found.contains("next_cursor")) break;
        cursor = found["next_cursor"];
    }
    EXPECT_EQ(paths.size(), 7u);
    EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
    EXPECT_EQ(std::adjacent_find(paths.begin(), paths.end()), paths.end());

    auto wrong = Call("query_files", {{"type", "markdown"}, {"cursor", cursor}});
    ASSERT_TRUE(wrong.is_error);
    EXPECT_NE(wrong.message.find("invalid cursor"), std::string::npos);
    EXPECT_TRUE(Call("query_files", {{"cursor", "not-a-cursor"}}).is_error);
    auto bad_time = Call("query_files", {{"changed_since", "yesterday-ish"}});
    ASSERT_TRUE(bad_time.is_error);
    EXPECT_NE(bad_time.message.find("changed_since"), std::string::npos) << bad_time.message;

    EXPECT_EQ(Ok("query_files", {{"query", "pool"}})["files"][0]["path"], "docs/guide.md");
    EXPECT_EQ(Ok("query_files", {{"query", "guide"}})["files"][0]["path"], "docs/guide.md");
    EXPECT_EQ(Ok("query_files", {{"query", "m3"}})["files"][0]["path"], "lib/m3.py");
    EXPECT_EQ(Ok("query_files", {{"path_prefix", "docs/"}})["total"], 1);
    EXPECT_EQ(Ok("query_files", {{"type", "unread"}})["total"], 8);
}

TEST_F(FilesPgTest, ProjectsCannotSeeEachOthersFiles) {
    const std::string other = UniqueProject("other");
    ASSERT_TRUE(store().CreateProject(other, "").ok());
    Ok("index_files", {{"files", {{{"path", "private.txt"}, {"size", 1}, {"mtime", 1}}}}});
    EXPECT_EQ(Ok("query_files", {{"project", other}})["total"], 0);
    const Json seen =
        Ok("query_database", {{"project", other},
                              {"sql",
                               "SELECT (SELECT count(*) FROM mnemo.files) AS files, "
                               "(SELECT count(*) FROM mnemo.file_changes) AS changes"}});
    EXPECT_EQ(seen["rows"][0][0], 0) << seen.dump();
    EXPECT_EQ(seen["rows"][0][1], 0) << seen.dump();
    const Json mine = Ok("query_database", {{"sql", "SELECT count(*) AS n FROM mnemo.files"}});
    EXPECT_EQ(mine["rows"][0][0], 1) << mine.dump();
}

TEST_F(FilesPgTest, WakeUpMentionsFilesChangedSinceTheLastHandover) {
    Ok("index_files", {{"files", {{{"path", "before.txt"}, {"size", 1}, {"mtime", 1}}}}});
    EXPECT_TRUE(Ok("wake_up", Json::object())["files_changed"].is_null());
    Ok("sleep", {{"summary", "stopping here"}});
    Ok("index_files", {{"files", {{{"path", "after.txt"}, {"size", 1}, {"mtime", 1}}}},
                       {"deleted", {"before.txt"}}});
    const Json woke = Ok("wake_up", Json::object());
    const Json& changed = woke["files_changed"];
    ASSERT_TRUE(changed.is_object()) << woke.dump();
    EXPECT_EQ(changed["count"], 2);
    ASSERT_EQ(changed["recent"].size(), 2u);
    std::vector<std::string> seen;
    for (const auto& entry : changed["recent"]) {
        seen.push_back(entry["path"].get<std::string>() + ":" + entry["change"].get<std::string>());
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, (std::vector<std::string>{"after.txt:added", "before.txt:deleted"}));
}

}  // namespace
}  // namespace mnemo

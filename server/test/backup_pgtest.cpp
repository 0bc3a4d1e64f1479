// SPDX-License-Identifier: MIT
// Export and import against a real PostgreSQL: round trip, idempotence, refused files, the
// server-memory and Markdown importers, dry runs and owners' isolation.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "backup/exporter.hpp"
#include "backup/importer.hpp"
#include "backup/records.hpp"
#include "files/sha256.hpp"
#include "pg_test_support.hpp"
#include "server_pg_support.hpp"

namespace mnemo {
namespace {

using memory::Json;
using testing::TestDatabase;
using testing::UniqueProject;

/// A mnemo export of one project built by hand: `topics` topics of two versions each (the
/// first archived for every third topic), handovers, a file index and its history.
std::string BuildExport(const std::string& project, int topics) {
    std::ostringstream out;
    auto line = [&out](const Json& record) { out << record.dump() << '\n'; };
    line({{"type", "header"}, {"format", "mnemo-export"}, {"version", 1}});
    line({{"type", "project"},
          {"project", project},
          {"description", "built by the test"},
          {"created_at", "2025-01-02T03:04:05.123456Z"}});
    const char* priorities[] = {"always_check", "important", "reference"};
    int contexts = 0;
    for (int t = 0; t < topics; ++t) {
        for (int v = 1; v <= 2; ++v) {
            // Short texts (the search document PostgreSQL derives costs per character);
            // every tenth has quotes, markup, accents and a second line.
            std::string content =
                "Topic " + std::to_string(t) + " version " + std::to_string(v) + " pooling";
            if (t % 10 == 0) content += ": \"quoted\", <script>alert(1)</script>, ünïcödé,\nline 2";
            Json record = {
                {"type", "context"},
                {"project", project},
                {"topic", "area" + std::to_string(t % 17) + "/topic-" + std::to_string(t)},
                {"version", v},
                {"priority", priorities[(t + v) % 3]},
                {"tags", Json::array({"tag" + std::to_string(t % 5), "bulk"})},
                {"content", content},
                {"content_hash", files::Sha256Hex(content)},
                {"created_at",
                 "2025-03-0" + std::to_string(v) + "T10:00:00." + std::to_string(100000 + t) + "Z"},
                {"archived_at", nullptr},
                {"archive_reason", nullptr},
                {"a_field_from_a_newer_mnemo", true}};
            if (v == 1 && t % 3 == 0) {
                record["archived_at"] = "2025-04-01T00:00:00.000001Z";
                record["archive_reason"] = "unlock_context";
            }
            if (t % 7 == 0)
                record["guard"] = {{"pattern", "git push .*--force"}, {"decision", "deny"}};
            line(record);
            ++contexts;
        }
    }
    for (int h = 0; h < 3; ++h) {
        line({{"type", "handover"},
              {"project", project},
              {"created_at", "2025-05-0" + std::to_string(h + 1) + "T08:00:00.000000Z"},
              {"session_id", "s" + std::to_string(h)},
              {"summary", "session " + std::to_string(h)},
              {"completed", Json::array({"a"})},
              {"pending", Json::array()},
              {"notes", ""},
              {"automatic", h == 2},
              {"client_session", h == 2 ? "conversation-2" : ""}});
    }
    line({{"type", "file"},
          {"project", project},
          {"path", "src/main.cpp"},
          {"size_bytes", 120},
          {"mtime_ns", 1700000000000000000},
          {"content_hash", std::string(64, 'a')},
          {"kind", "text"},
          {"language", "cpp"},
          {"line_count", 10},
          {"summary", "entry point"},
          {"revision", 2},
          {"indexed_at", "2025-05-01T00:00:00.000000Z"},
          {"changed_at", "2025-05-01T00:00:00.000000Z"}});
    line({{"type", "file_change"},
          {"project", project},
          {"path", "src/main.cpp"},
          {"change", "added"},
          {"size_bytes", 100},
          {"content_hash", std::string(64, 'b')},
          {"changed_at", "2025-04-30T00:00:00.000000Z"}});
    line({{"type", "end"},
          {"projects", 1},
          {"contexts", contexts},
          {"handovers", 3},
          {"files", 1},
          {"file_changes", 1}});
    return out.str();
}

/// The lines of an export without its header (which carries the time and the owner).
std::vector<std::string> Records(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    if (!lines.empty()) lines.erase(lines.begin());
    return lines;
}

class BackupTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = TestDatabase::Shared().Open(4);
        admin_ =
            std::make_unique<pqpool::testing::AdminConnection>(TestDatabase::Shared().admin_dsn());
    }

    memory::Store& store() { return *db_.store; }

    backup::ImportReport Import(const std::string& text, backup::ImportOptions options = {}) {
        std::istringstream in(text);
        return backup::ImportMnemo(store(), in, options);
    }

    std::string Export(const std::string& owner, std::vector<std::string> projects) {
        std::ostringstream out;
        auto counts = backup::ExportTo(store(), {owner, std::move(projects)}, out);
        EXPECT_TRUE(counts.ok()) << counts.error().message();
        return out.str();
    }

    /// A digest of everything stored for owner/project: contexts (with the search columns'
    /// inputs), topic rows, handovers, files, file changes and the vocabulary's size.
    std::string Digest(const std::string& owner, const std::string& project) {
        return admin_->Scalar(R"sql(
WITH p AS (SELECT project_id FROM mnemo.projects
           WHERE owner = split_part($1, '/', 1) AND name = split_part($1, '/', 2))
SELECT coalesce(md5(string_agg(x, '|' ORDER BY x)), 'none') || ':' || count(*) FROM (
    SELECT concat_ws(',', 'c', topic, version, content_hash, priority, tags, created_at,
                     archived_at, archive_reason, preview = left(content, 500), search) x
    FROM mnemo.contexts WHERE project_id = (SELECT project_id FROM p)
    UNION ALL SELECT concat_ws(',', 't', topic, last_version, latest_version, latest_priority,
                               latest_at)
    FROM mnemo.topics WHERE project_id = (SELECT project_id FROM p)
    UNION ALL SELECT concat_ws(',', 'h', created_at, session_id, summary, completed, pending)
    FROM mnemo.handovers WHERE project_id = (SELECT project_id FROM p)
    UNION ALL SELECT concat_ws(',', 'f', path, size_bytes, revision, indexed_at)
    FROM mnemo.files WHERE project_id = (SELECT project_id FROM p)
    UNION ALL SELECT concat_ws(',', 'fc', path, change, changed_at)
    FROM mnemo.file_changes WHERE project_id = (SELECT project_id FROM p)
    UNION ALL SELECT concat_ws(',', 'v', count(*))
    FROM mnemo.vocabulary WHERE project_id = (SELECT project_id FROM p)) s)sql",
                              (owner + "/" + project).c_str());
    }

    bool Exists(const std::string& owner, const std::string& project) {
        return admin_->Scalar(
                   "SELECT count(*) FROM mnemo.projects WHERE owner = "
                   "split_part($1, '/', 1) AND name = split_part($1, '/', 2)",
                   (owner + "/" + project).c_str()) == "1";
    }

    cli::Database db_;
    std::unique_ptr<pqpool::testing::AdminConnection> admin_;
};

TEST(BackupNamesTest, ProjectNamesFollowTheProjectsRule) {
    EXPECT_EQ(backup::ProjectNameProblem("shop-2_api"), "");
    for (const char* bad : {"", "-shop", "Shop", "my shop", "caf\xc3\xa9"}) {
        EXPECT_NE(backup::ProjectNameProblem(bad).find("is not valid: 1-64 characters"),
                  std::string::npos)
            << bad;
    }
    EXPECT_EQ(backup::ProjectNameProblem(std::string(64, 'a')), "");
    EXPECT_NE(backup::ProjectNameProblem(std::string(65, 'a')), "");
}

TEST_F(BackupTest, RoundTripOfTenThousandContextsGivesTheSameRecords) {
    const std::string project = UniqueProject("rt");
    // Some rows written by the tools' own paths, the rest from a built file.
    ASSERT_TRUE(Import(BuildExport(project, 5000)).ok());
    ASSERT_TRUE(
        store().LockContext(project, {"live/rule", "Never block", {"x"}, "always_check"}).ok());
    ASSERT_TRUE(store().UnlockContext(project, "live/rule", std::nullopt, true).ok());
    ASSERT_TRUE(
        store().LockContext(project, {"live/rule", "Never block I/O", {}, "always_check"}).ok());
    ASSERT_TRUE(store().Sleep(project, {"slept", {"done"}, {"todo"}, "n", "sess"}).ok());

    const std::string first = Export("", {project});
    const auto records = Records(first);
    ASSERT_EQ(records.size(), 1u + 10002u + 4u + 1u + 1u + 1u);
    // Guards and automatic handovers travel too.
    int guarded = 0;
    int automatic = 0;
    for (const auto& line : records) {
        const Json record = Json::parse(line);
        if (record.value("guard", Json()).is_object()) {
            EXPECT_EQ(record["guard"], Json::parse(R"({"pattern": "git push .*--force",
                                                      "decision": "deny"})"));
            ++guarded;
        }
        if (record.value("automatic", false)) {
            EXPECT_EQ(record["client_session"], "conversation-2");
            ++automatic;
        }
    }
    EXPECT_EQ(guarded, 2 * ((5000 + 6) / 7));
    EXPECT_EQ(automatic, 1);
    EXPECT_EQ(Json::parse(records.back())["contexts"], 10002);

    // Into an empty namespace (a user with no projects), then out again.
    const std::string owner = "rt-" + UniqueProject("u");
    backup::ImportOptions options;
    options.owner = owner;
    const auto report = Import(first, options);
    ASSERT_TRUE(report.ok()) << report.ErrorText();
    EXPECT_EQ(report.counts.at("contexts").added, 10002);
    EXPECT_EQ(report.counts.at("handovers").added, 4);
    const std::string second = Export(owner, {project});
    EXPECT_EQ(Records(second), records);
    // Not only the same records: the same stored state (topic rows, search, vocabulary).
    EXPECT_EQ(Digest(owner, project), Digest("", project));

    // Imported contexts behave like locked ones: search finds the latest live versions.
    auto found = store().SearchContexts({owner, project}, {"pooling", std::nullopt, {}, 5, 0});
    ASSERT_TRUE(found.ok()) << found.error().message();
    EXPECT_GE(found->size(), 5u);
    auto recalled = store().RecallContext({owner, project}, "live/rule", std::nullopt, false);
    ASSERT_TRUE(recalled.ok());
    EXPECT_EQ((*recalled)["content"], "Never block I/O");
}

TEST_F(BackupTest, ASecondImportOfTheSameFileChangesNothing) {
    const std::string project = UniqueProject("again");
    const std::string file = BuildExport(project, 300);
    ASSERT_TRUE(Import(file).ok());
    const std::string before = Digest("", project);

    const auto again = Import(file);
    ASSERT_TRUE(again.ok()) << again.ErrorText();
    for (const auto& [kind, counts] : again.counts) {
        EXPECT_EQ(counts.added, 0) << kind;
    }
    EXPECT_EQ(again.counts.at("contexts").unchanged, 600);
    EXPECT_EQ(again.counts.at("handovers").unchanged, 3);
    EXPECT_EQ(Digest("", project), before);
}

TEST_F(BackupTest, AVersionTakenByOtherContentIsAddedAsTheNextVersionOnce) {
    const std::string project = UniqueProject("merge");
    ASSERT_TRUE(store().CreateProject(project, "").ok());
    ASSERT_TRUE(
        store().LockContext(project, {"area0/topic-0", "local text", {}, "reference"}).ok());
    const std::string file = BuildExport(project, 1);
    auto first = Import(file);
    ASSERT_TRUE(first.ok()) << first.ErrorText();
    EXPECT_EQ(first.counts.at("contexts").added, 2);
    auto local = store().RecallContext(project, "area0/topic-0", 1, false);
    ASSERT_TRUE(local.ok());
    EXPECT_EQ((*local)["content"], "local text");  // never overwritten
    auto appended = store().RecallContext(project, "area0/topic-0", 3, false);
    ASSERT_TRUE(appended.ok());
    EXPECT_NE((*appended)["content"].get<std::string>().find("version 1"), std::string::npos);

    const std::string before = Digest("", project);
    auto again = Import(file);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.counts.at("contexts").added, 0);
    EXPECT_EQ(Digest("", project), before);
}

TEST_F(BackupTest, AMalformedLineIsRefusedWithItsNumberAndNothingIsImported) {
    const std::string a = UniqueProject("bad-a");
    const std::string b = UniqueProject("bad-b");
    std::string first = BuildExport(a, 10);
    std::string second = BuildExport(b, 10);
    // Two projects in one file: a's records, then b's with one broken line.
    first = first.substr(0, first.rfind("{\"contexts\""));
    const auto b_lines = Records(second);
    std::string file = first;
    int broken_line = 0;
    for (std::size_t i = 0; i < b_lines.size(); ++i) {
        if (i + 1 == b_lines.size()) {
            file += R"({"type":"end","projects":2})"
                    "\n";
        } else if (i == 5) {
            file += R"({"type":"context","project":")" + b +
                    R"(","topic":"x","version":)"
                    "\n";
            broken_line = static_cast<int>(std::count(first.begin(), first.end(), '\n')) + 6;
        } else {
            file += b_lines[i] + "\n";
        }
    }
    auto report = Import(file);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->line, broken_line);
    EXPECT_EQ(report.error->message, "not valid JSON");
    EXPECT_TRUE(report.projects.empty());
    EXPECT_FALSE(Exists("", a));  // the project before the bad line was not imported either
    EXPECT_FALSE(Exists("", b));

    // A record that parses but is wrong: named, with its line.
    std::string wrong = BuildExport(a, 3);
    const auto at = wrong.find("\"priority\":\"important\"");
    wrong.replace(at, 22, "\"priority\":\"urgent\"");
    report = Import(wrong);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->line,
              3 +
                  static_cast<int>(
                      std::count(wrong.begin(), wrong.begin() + static_cast<long>(at), '\n')) -
                  2);
    EXPECT_NE(report.ErrorText().find("priority must be always_check, important or reference"),
              std::string::npos)
        << report.ErrorText();
    EXPECT_FALSE(Exists("", a));

    // Content that does not match its hash (an edited or damaged file).
    std::string altered = BuildExport(a, 3);
    altered.replace(altered.find("Topic 1 version 2"), 5, "TOPIC");
    report = Import(altered);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.error->message.find("content_hash does not match"), std::string::npos);
    EXPECT_FALSE(Exists("", a));
}

TEST_F(BackupTest, ATruncatedFileIsRefusedWithItsLineAndNothingIsImported) {
    const std::string project = UniqueProject("cut");
    const std::string file = BuildExport(project, 50);
    // Cut inside line 40.
    std::size_t at = 0;
    for (int line = 1; line < 40; ++line) at = file.find('\n', at) + 1;
    auto report = Import(file.substr(0, at + 30));
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->line, 40);
    EXPECT_NE(report.error->message.find("truncated"), std::string::npos);
    EXPECT_FALSE(Exists("", project));

    // Cut between lines: the missing end record says so.
    report = Import(file.substr(0, at));
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->line, 39);
    EXPECT_NE(report.error->message.find("without its end record"), std::string::npos);
    EXPECT_FALSE(Exists("", project));

    // Lines lost in the middle: the end record's counts disagree.
    std::string lost = file;
    const auto line_start = lost.find("\"version\":2");
    const auto begin = lost.rfind('\n', line_start) + 1;
    lost.erase(begin, lost.find('\n', line_start) + 1 - begin);
    report = Import(lost);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.error->message.find("the end record counts 100 contexts"), std::string::npos)
        << report.ErrorText();
    EXPECT_FALSE(Exists("", project));
}

/// A stream that cannot seek, like a pipe or an upload read as it arrives.
class PipeBuffer : public std::stringbuf {
public:
    explicit PipeBuffer(const std::string& text) : std::stringbuf(text) {}

protected:
    pos_type seekoff(off_type, std::ios_base::seekdir, std::ios_base::openmode) override {
        return pos_type(off_type(-1));
    }
    pos_type seekpos(pos_type, std::ios_base::openmode) override { return pos_type(off_type(-1)); }
};

TEST_F(BackupTest, FromAStreamReadOnceABadLineRollsBackOnlyItsProject) {
    const std::string a = UniqueProject("pipe-a");
    const std::string b = UniqueProject("pipe-b");
    std::string file = BuildExport(a, 5);
    file = file.substr(0, file.rfind("{\"contexts\""));
    const auto b_lines = Records(BuildExport(b, 5));
    for (std::size_t i = 0; i < 4; ++i) file += b_lines[i] + "\n";
    const int bad_line = static_cast<int>(std::count(file.begin(), file.end(), '\n')) + 1;
    file += "{\"type\":\"context\",\"project\":\"" + b + "\",\"topic\":\"cut\n";

    PipeBuffer buffer(file);
    std::istream in(&buffer);
    const auto report = backup::ImportMnemo(store(), in, {});
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->line, bad_line);
    EXPECT_EQ(report.projects, std::vector<std::string>{a});  // committed before the bad line
    EXPECT_TRUE(Exists("", a));
    EXPECT_FALSE(Exists("", b));  // nothing of the project the bad line is in
}

TEST_F(BackupTest, ALineOverTheLimitIsRefusedWithoutReadingItWhole) {
    const std::string project = UniqueProject("long");
    std::string file = BuildExport(project, 2);
    const std::string huge(5000, 'x');
    file.insert(file.find("\n") + 1, R"({"type":"note","text":")" + huge + "\"}\n");
    backup::ImportOptions options;
    options.max_line_bytes = 1000;
    auto report = Import(file, options);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->line, 2);
    EXPECT_NE(report.error->message.find("longer than 1000 bytes"), std::string::npos);
    EXPECT_FALSE(Exists("", project));

    // Under the limit, a record of an unknown type is skipped, not refused.
    options.max_line_bytes = 1 << 20;
    report = Import(file, options);
    ASSERT_TRUE(report.ok()) << report.ErrorText();
    EXPECT_EQ(report.skipped, 1);
}

TEST_F(BackupTest, ADryRunReportsWhatWouldChangeAndChangesNothing) {
    const std::string project = UniqueProject("dry");
    backup::ImportOptions options;
    options.dry_run = true;
    auto report = Import(BuildExport(project, 20), options);
    ASSERT_TRUE(report.ok()) << report.ErrorText();
    EXPECT_TRUE(report.dry_run);
    EXPECT_EQ(report.counts.at("projects").added, 1);
    EXPECT_EQ(report.counts.at("contexts").added, 40);
    EXPECT_FALSE(Exists("", project));

    // On an existing project too.
    ASSERT_TRUE(Import(BuildExport(project, 10)).ok());
    const std::string before = Digest("", project);
    report = Import(BuildExport(project, 20), options);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report.counts.at("contexts").added, 20);
    EXPECT_EQ(report.counts.at("contexts").unchanged, 20);
    EXPECT_EQ(Digest("", project), before);
}

TEST_F(BackupTest, ServerMemoryEntitiesBecomeTopicsAndRelationsAListInTheirContent) {
    const std::string project = UniqueProject("graph");
    // As @modelcontextprotocol/server-memory's saveGraph writes it: one object per line, no
    // newline after the last.
    const std::string file =
        R"({"type":"entity","name":"David Barnett","entityType":"person","observations":["Speaks fluent Spanish","Prefers morning meetings"]})"
        "\n"
        R"({"type":"entity","name":"QuintoAndar","entityType":"organization","observations":[]})"
        "\n"
        R"({"type":"relation","from":"David Barnett","to":"QuintoAndar","relationType":"works_at"})";
    backup::ImportOptions options;
    options.project = project;
    std::istringstream in(file);
    auto report = backup::ImportServerMemory(store(), in, options);
    ASSERT_TRUE(report.ok()) << report.ErrorText();
    EXPECT_EQ(report.counts.at("contexts").added, 2);

    auto david = store().RecallContext(project, "David Barnett", std::nullopt, false);
    ASSERT_TRUE(david.ok()) << david.error().message();
    EXPECT_EQ((*david)["content"],
              "- Speaks fluent Spanish\n- Prefers morning meetings\n\nRelations:\n"
              "- works_at: QuintoAndar");
    EXPECT_EQ((*david)["tags"], Json::array({"person"}));
    EXPECT_EQ((*david)["priority"], "reference");

    std::istringstream again(file);
    report = backup::ImportServerMemory(store(), again, options);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report.counts.at("contexts").added, 0);
    EXPECT_EQ(report.counts.at("contexts").unchanged, 2);

    // A bad line: its number, and nothing imported.
    const std::string other = UniqueProject("graph-bad");
    options.project = other;
    std::istringstream bad(file + "\n" + R"({"type":"relation","from":"x"})");
    report = backup::ImportServerMemory(store(), bad, options);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->line, 4);
    EXPECT_FALSE(Exists("", other));
}

TEST_F(BackupTest, MarkdownFilesBecomeContextsWithTheirFrontMatter) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / UniqueProject("md");
    fs::create_directories(dir / "decisions");
    fs::create_directories(dir / ".git");
    std::ofstream(dir / "decisions" / "pool.md")
        << "---\ntopic: decisions/pool-size\npriority: always_check\ntags: [pool, limits]\n"
           "---\n\n# Pool size\n\nNever exceed 20 connections.\n";
    std::ofstream(dir / "activeContext.md") << "Working on export.\n";
    std::ofstream(dir / "note.md") << "---\ntitle: Design notes\ntags:\n  - design\n  - \"ui\"\n"
                                      "---\nThe UI is served by mnemo.\n";
    std::ofstream(dir / ".git" / "ignored.md") << "not a note";
    std::ofstream(dir / "readme.txt") << "not markdown";

    const std::string project = UniqueProject("notes");
    backup::ImportOptions options;
    options.project = project;
    auto report = backup::ImportPath(store(), dir, backup::ImportFormat::kAuto, options);
    ASSERT_TRUE(report.ok()) << report.ErrorText();
    EXPECT_EQ(report.counts.at("contexts").added, 3);

    auto pool = store().RecallContext(project, "decisions/pool-size", std::nullopt, false);
    ASSERT_TRUE(pool.ok());
    EXPECT_EQ((*pool)["content"], "# Pool size\n\nNever exceed 20 connections.");
    EXPECT_EQ((*pool)["priority"], "always_check");
    EXPECT_EQ((*pool)["tags"], Json::array({"pool", "limits"}));
    auto active = store().RecallContext(project, "activeContext", std::nullopt, false);
    ASSERT_TRUE(active.ok());
    EXPECT_EQ((*active)["content"], "Working on export.");
    auto design = store().RecallContext(project, "Design notes", std::nullopt, false);
    ASSERT_TRUE(design.ok());
    EXPECT_EQ((*design)["tags"], Json::array({"design", "ui"}));

    report = backup::ImportPath(store(), dir, backup::ImportFormat::kMarkdown, options);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report.counts.at("contexts").unchanged, 3);

    // A bad front matter names its file and line; nothing of the folder is imported.
    std::ofstream(dir / "zz.md") << "---\ntopic: x\npriority: urgent\n---\ntext\n";
    options.project = UniqueProject("notes-bad");
    report = backup::ImportPath(store(), dir, backup::ImportFormat::kAuto, options);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.ErrorText(),
              "zz.md line 3: priority must be always_check, important or reference, not 'urgent'");
    EXPECT_FALSE(Exists("", *options.project));

    // Two files naming one topic: refused, naming both.
    std::ofstream(dir / "zz.md") << "---\ntopic: decisions/pool-size\n---\ntext\n";
    report = backup::ImportPath(store(), dir, backup::ImportFormat::kAuto, options);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.ErrorText(),
              "zz.md: its topic 'decisions/pool-size' is also decisions/pool.md's");
    EXPECT_FALSE(Exists("", *options.project));
    fs::remove_all(dir);
}

TEST_F(BackupTest, AUsersImportAndExportReachOnlyTheirOwnProjects) {
    const std::string name = UniqueProject("shared");
    const std::string alice = "alice-" + UniqueProject("u");
    const std::string bob = "bob-" + UniqueProject("u");
    // Bob has a project of that name with one context; the local owner too.
    ASSERT_TRUE(store().CreateProject({bob, name}, "").ok());
    ASSERT_TRUE(store().LockContext({bob, name}, {"secret", "bob's", {}, "reference"}).ok());
    ASSERT_TRUE(Import(BuildExport(name, 2)).ok());
    const std::string bob_before = Digest(bob, name);
    const std::string local_before = Digest("", name);

    backup::ImportOptions options;
    options.owner = alice;
    auto report = Import(BuildExport(name, 5), options);
    ASSERT_TRUE(report.ok()) << report.ErrorText();
    EXPECT_EQ(report.counts.at("projects").added, 1);  // alice's own, new project
    EXPECT_EQ(report.counts.at("contexts").added, 10);
    EXPECT_EQ(Digest(bob, name), bob_before);
    EXPECT_EQ(Digest("", name), local_before);

    // Alice cannot export a project only Bob has, and her export of "all" holds only hers.
    const std::string bobs_only = UniqueProject("bobs");
    ASSERT_TRUE(store().CreateProject({bob, bobs_only}, "").ok());
    std::ostringstream out;
    auto refused = backup::ExportTo(store(), {alice, {bobs_only}}, out);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kProjectMissing);
    EXPECT_EQ(out.str().find("secret"), std::string::npos);
    const std::string all = Export(alice, {});
    EXPECT_EQ(all.find("bob's"), std::string::npos);
    EXPECT_EQ(Json::parse(Records(all).back())["projects"], 1);
}

}  // namespace
}  // namespace mnemo

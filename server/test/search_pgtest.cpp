// SPDX-License-Identifier: MIT
// Issue 15's search against a real PostgreSQL: forgiving matches, the latest version under 20
// concurrent writers and readers, unlock of the latest, bad queries, and isolation of every
// path that now filters by project itself (NO FORCE row-level security for the owner).
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pg_test_support.hpp"
#include "server_pg_support.hpp"

namespace mnemo {
namespace {

using memory::Json;
using testing::TestDatabase;
using testing::UniqueProject;

class SearchTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = TestDatabase::Shared().Open(24);
        project_ = UniqueProject("search");
        other_ = UniqueProject("other");
        ASSERT_TRUE(store().CreateProject(project_, "").ok());
        ASSERT_TRUE(store().CreateProject(other_, "").ok());
    }

    memory::Store& store() { return *db_.store; }

    void Lock(const std::string& project, const std::string& topic, const std::string& content,
              const std::string& priority = "reference") {
        auto locked = store().LockContext(project, {topic, content, {}, priority});
        ASSERT_TRUE(locked.ok()) << locked.error().message();
    }

    std::vector<std::string> Topics(const std::string& project, const std::string& query) {
        auto hits = store().SearchContexts(project, {query, std::nullopt, {}, 10, 0});
        EXPECT_TRUE(hits.ok()) << query << ": " << hits.error().message();
        std::vector<std::string> topics;
        if (hits.ok()) {
            for (const auto& hit : *hits) topics.push_back(hit["topic"]);
        }
        return topics;
    }

    cli::Database db_;
    std::string project_;
    std::string other_;
};

TEST_F(SearchTest, ForgivingMatchesFindTheRuleAndSayWhichFieldsMatched) {
    Lock(project_, "rules/git", "Never push to main; always open a pull request.", "always_check");
    Lock(project_, "ops/oncall", "The on-call engineer owns database incidents.", "important");
    Lock(project_, "config/pool", "acquireTimeoutMs in pool_config.cpp; MNEMO_ACQUIRE_TIMEOUT_MS.");
    Lock(project_, "notes/cafe", "Meetup at the café.");
    Lock(project_, "decisions/db", "We chose PostgreSQL for row-level security.");
    for (const char* query :
         {"pull-request", "pul", "\"pull request\"", "push main -postgresql", "push or nothing"}) {
        const auto topics = Topics(project_, query);
        ASSERT_FALSE(topics.empty()) << query;
        EXPECT_EQ(topics[0], "rules/git") << query;
    }
    EXPECT_EQ(Topics(project_, "oncall").at(0), "ops/oncall");
    EXPECT_EQ(Topics(project_, "who handles database incidents").at(0), "ops/oncall");
    EXPECT_EQ(Topics(project_, "incidnets").at(0), "ops/oncall");  // a typo
    EXPECT_EQ(Topics(project_, "acquire_timeout").at(0), "config/pool");
    EXPECT_EQ(Topics(project_, "pool_config.cpp").at(0), "config/pool");
    EXPECT_EQ(Topics(project_, "cafe").at(0), "notes/cafe");
    EXPECT_EQ(Topics(project_, "postgre").at(0), "decisions/db");
    EXPECT_TRUE(Topics(project_, "push -main").empty());

    auto hits = store().SearchContexts(project_, {"git push", std::nullopt, {}, 10, 0});
    ASSERT_TRUE(hits.ok());
    EXPECT_EQ((*hits)[0]["match"], "all");
    EXPECT_EQ((*hits)[0]["matched"], Json::array({"topic", "content"}));

    // check_contexts: the same engine over the words of a command.
    auto checked = store().CheckContexts(project_, "git push --force origin main");
    ASSERT_TRUE(checked.ok()) << checked.error().message();
    ASSERT_FALSE(checked->empty());
    EXPECT_EQ((*checked)[0]["topic"], "rules/git");
    EXPECT_FALSE((*checked)[0]["content"].is_null());
}

TEST_F(SearchTest, BadQueriesGiveResultsOrNothingNeverAnError) {
    Lock(project_, "notes/odd", "100% of the_cases use a \\ backslash and 'quotes'.");
    const std::string long_query(10000, 'x');
    std::string long_words;
    while (long_words.size() < 10000) long_words += "pool timeout ";
    for (const std::string& query :
         {std::string("the of and"), std::string("!!! ??? ..."), long_query, long_words,
          std::string("%"), std::string("_"), std::string("\\"), std::string("\"unbalanced"),
          std::string("'"), std::string("a:* & | !"), std::string("-"), std::string("or or"),
          std::string("\"\""), std::string("ʼ’∖＼"), std::string("")}) {
        auto hits = store().SearchContexts(project_, {query, std::nullopt, {}, 10, 0});
        EXPECT_TRUE(hits.ok()) << query.substr(0, 40) << ": " << hits.error().message();
        auto checked = store().CheckContexts(project_, query);
        EXPECT_TRUE(checked.ok()) << query.substr(0, 40) << ": " << checked.error().message();
        memory::FileQuery files;
        files.query = query;
        auto found = store().QueryFiles(project_, files);
        EXPECT_TRUE(found.ok()) << query.substr(0, 40) << ": " << found.error().message();
    }
    EXPECT_EQ(Topics(project_, "the_cases").at(0), "notes/odd");
    EXPECT_EQ(Topics(project_, "100%").at(0), "notes/odd");
}

TEST_F(SearchTest, TwentyWritersAndReadersNeverSeeAMissingOrStaleLatestVersion) {
    constexpr int kWriters = 20;
    constexpr int kRounds = 5;
    std::atomic<int> acknowledged{0};  // highest version a writer has seen acknowledged
    std::atomic<bool> writing{true};
    std::vector<std::string> problems(2 * kWriters);
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
        threads.emplace_back([&, w] {
            for (int r = 0; r < kRounds; ++r) {
                auto locked = store().LockContext(
                    project_, {"shared/latest", "w" + std::to_string(w), {}, "reference"});
                if (!locked.ok()) {
                    problems[static_cast<std::size_t>(w)] = locked.error().message();
                    return;
                }
                const int version = (*locked)["version"];
                int seen = acknowledged.load();
                while (seen < version && !acknowledged.compare_exchange_weak(seen, version)) {
                }
            }
        });
    }
    for (int reader = 0; reader < kWriters; ++reader) {
        threads.emplace_back([&, reader] {
            auto& problem = problems[static_cast<std::size_t>(kWriters + reader)];
            while (writing.load() && problem.empty()) {
                const int floor = acknowledged.load();  // acknowledged before this read began
                auto recalled =
                    store().RecallContext(project_, "shared/latest", std::nullopt, reader % 2 == 0);
                auto listed = store().ListTopics(project_, "shared/", 10);
                if (floor == 0) continue;
                if (!recalled.ok() || !listed.ok() || listed->empty()) {
                    problem = "latest version missing after version " + std::to_string(floor);
                } else if ((*recalled)["version"].get<int>() < floor ||
                           (*listed)[0]["latest_version"].get<int>() < floor) {
                    problem = "stale: read " + recalled->dump() + " after version " +
                              std::to_string(floor) + " was acknowledged";
                }
            }
        });
    }
    for (int w = 0; w < kWriters; ++w) threads[static_cast<std::size_t>(w)].join();
    writing = false;
    for (std::size_t t = kWriters; t < threads.size(); ++t) threads[t].join();
    for (const auto& problem : problems) EXPECT_EQ(problem, "");
    auto latest = store().RecallContext(project_, "shared/latest", std::nullopt, true);
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ((*latest)["version"], kWriters * kRounds);
}

TEST_F(SearchTest, UnlockingTheLatestFallsBackToThePreviousLiveVersion) {
    Lock(project_, "notes/v", "first apple");
    Lock(project_, "notes/v", "second banana");
    Lock(project_, "notes/v", "third cherry");
    ASSERT_TRUE(store().UnlockContext(project_, "notes/v", 3, false).ok());
    auto latest = store().RecallContext(project_, "notes/v", std::nullopt, false);
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ((*latest)["version"], 2);
    EXPECT_TRUE(Topics(project_, "cherry").empty());
    EXPECT_TRUE(Topics(project_, "apple").empty());  // not the latest live version
    EXPECT_EQ(Topics(project_, "banana").at(0), "notes/v");
    ASSERT_TRUE(store().UnlockContext(project_, "notes/v", std::nullopt, false).ok());
    EXPECT_FALSE(store().RecallContext(project_, "notes/v", std::nullopt, false).ok());
    auto listed = store().ListTopics(project_, "notes/", 10);
    ASSERT_TRUE(listed.ok());
    EXPECT_TRUE(listed->empty());
    Lock(project_, "notes/v", "fourth damson");
    auto again = store().RecallContext(project_, "notes/v", std::nullopt, false);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ((*again)["version"], 4);

    // Unlock of an older version racing writers of the same topic: the latest stays right.
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            if (i % 2 == 0) {
                (void)store().LockContext(project_, {"notes/v", "more", {}, "reference"});
            } else {
                (void)store().UnlockContext(project_, "notes/v", 4, false);
            }
        });
    }
    for (auto& t : threads) t.join();
    auto final_latest = store().RecallContext(project_, "notes/v", std::nullopt, true);
    ASSERT_TRUE(final_latest.ok());
    EXPECT_EQ((*final_latest)["version"], 8);
}

// A page that the tier "every item matches" fills comes from kSearchExact alone; a larger page
// of a two-word query (15 hits < 21) runs kSearchContexts. Both must rank and describe the hits
// alike.
TEST_F(SearchTest, TheExactTierAloneRanksLikeTheFullStatement) {
    const char* priorities[] = {"reference", "important", "always_check"};
    for (int i = 0; i < 15; ++i) {
        Lock(project_,
             i % 4 == 0 ? "kiwi/note-" + std::to_string(i) : "misc/note-" + std::to_string(i),
             std::string(i % 2 ? "kiwi kiwi orchard" : "a kiwi") + " number " + std::to_string(i),
             priorities[i % 3]);
    }
    auto small = store().SearchContexts(project_, {"kiwi number", std::nullopt, {}, 10, 0});
    auto large = store().SearchContexts(project_, {"kiwi number", std::nullopt, {}, 20, 0});
    ASSERT_TRUE(small.ok() && large.ok());
    ASSERT_EQ(small->size(), 11u);  // one more than the page: there is a next page
    ASSERT_EQ(large->size(), 15u);
    for (std::size_t i = 0; i < small->size(); ++i) {
        EXPECT_EQ((*small)[i].dump(), (*large)[i].dump()) << i;
    }
    EXPECT_EQ((*small)[0]["priority"], "always_check");
    EXPECT_EQ((*small)[0]["matched"], Json::parse(R"(["topic","content"])"));
}

// sql/010_search_plan.sql: each connection plans the search functions once, with a generic
// plan, and reuses it for every later call whatever the parameters. On a pool of two
// connections, after enough calls that both use their cached plans, every filter, the page
// and the tiers must still give what they give on a first call.
TEST_F(SearchTest, ACachedPlanHonoursEveryParameter) {
    const char* priorities[] = {"reference", "important", "always_check"};
    for (int i = 0; i < 9; ++i) {
        auto locked = store().LockContext(
            project_, {"plum/note-" + std::to_string(i), "plum orchard row " + std::to_string(i),
                       i % 2 == 0 ? std::vector<std::string>{"even"} : std::vector<std::string>{},
                       priorities[i % 3]});
        ASSERT_TRUE(locked.ok()) << locked.error().message();
    }
    Lock(other_, "plum/elsewhere", "plum orchard in another project");
    cli::Database small = TestDatabase::Shared().Open(2);
    auto search = [&](memory::SearchRequest request) {
        auto hits = small.store->SearchContexts(project_, request);
        EXPECT_TRUE(hits.ok()) << hits.error().message();
        std::set<std::string> topics;
        if (hits.ok()) {
            for (const auto& hit : *hits) topics.insert(hit["topic"].get<std::string>());
        }
        return topics;
    };
    for (int round = 0; round < 12; ++round) {
        EXPECT_EQ(search({"plum", std::nullopt, {}, 20, 0}).size(), 9u) << round;
        EXPECT_EQ(search({"plum orchard", std::nullopt, {}, 20, 0}).size(), 9u) << round;
    }
    EXPECT_EQ(search({"plum", std::string("important"), {}, 20, 0}),
              (std::set<std::string>{"plum/note-1", "plum/note-4", "plum/note-7"}));
    EXPECT_EQ(search({"plum", std::nullopt, {"even"}, 20, 0}).size(), 5u);
    EXPECT_EQ(search({"plum", std::string("always_check"), {"even"}, 20, 0}),
              (std::set<std::string>{"plum/note-2", "plum/note-8"}));
    EXPECT_EQ(search({"plum", std::nullopt, {}, 2, 8}).size(), 1u);  // the last hit, no more
    EXPECT_EQ(search({"plum", std::nullopt, {}, 3, 0}).size(), 4u);  // a page and one more
    auto row4 = small.store->SearchContexts(project_, {"row 4", std::nullopt, {}, 20, 0});
    ASSERT_TRUE(row4.ok());
    ASSERT_EQ(row4->size(), 9u);  // note-4 matches every word, the others "row" only
    EXPECT_EQ((*row4)[0]["topic"], "plum/note-4");
    EXPECT_EQ((*row4)[0]["match"], "all");
    EXPECT_EQ((*row4)[1]["match"], "some");
    EXPECT_TRUE(search({"elsewhere", std::nullopt, {}, 20, 0}).empty());  // other_'s only
    EXPECT_EQ(search({"orchrd", std::nullopt, {}, 20, 0}).size(), 9u);    // the typo tier
    auto checked = small.store->CheckContexts(project_, "plum");
    ASSERT_TRUE(checked.ok());
    ASSERT_EQ(checked->size(), 6u);  // always_check and important only
    EXPECT_EQ((*checked)[0]["priority"], "always_check");
}

// sql/009_search_speed.sql: the search index holds only rows with `superseded` false, which
// triggers keep in step with topics.latest_version. After writers, unlocks, relocks and an
// import of history written straight into the tables, every topic has exactly one such live
// row, its latest version, and search finds only its words.
TEST_F(SearchTest, EachTopicHasOneUnsupersededLiveRowItsLatestVersion) {
    Lock(project_, "notes/a", "alpha apricot");
    Lock(project_, "notes/a", "alpha blueberry");
    Lock(project_, "notes/a", "alpha cranberry");
    Lock(project_, "notes/b", "beta elderberry");
    ASSERT_TRUE(store().UnlockContext(project_, "notes/a", 3, false).ok());             // latest: 2
    ASSERT_TRUE(store().UnlockContext(project_, "notes/b", std::nullopt, false).ok());  // none
    Lock(project_, "notes/b", "beta fig");                                              // version 2
    std::vector<std::thread> writers;
    for (int i = 0; i < 6; ++i) {
        writers.emplace_back([&, i] {
            if (i % 3 == 2) {
                (void)store().UnlockContext(project_, "notes/a", 2, false);
            } else {
                (void)store().LockContext(project_, {"notes/a", "alpha durian", {}, "reference"});
            }
        });
    }
    for (auto& t : writers) t.join();

    pqpool::testing::AdminConnection admin(TestDatabase::Shared().admin_dsn());
    const std::string pid =
        admin.Scalar("SELECT project_id FROM mnemo.projects WHERE name = $1", project_.c_str());
    // An import of history: the topic row first (latest 3), then versions 3, 1 and 2.
    admin.Scalar(
        "INSERT INTO mnemo.topics (project_id, topic, last_version, latest_version, "
        "latest_priority, latest_at) VALUES (" +
        pid + ", 'notes/imported', 3, 3, 'reference', now())");
    for (const char* row : {"3, 'gamma newest'", "1, 'gamma oldest'", "2, 'gamma middle'"}) {
        admin.Scalar(
            "INSERT INTO mnemo.contexts (project_id, topic, version, content, preview, "
            "priority, content_hash, size_bytes) SELECT " +
            pid + ", 'notes/imported', v, c, c, 'reference', md5(c), 1 FROM (VALUES (" + row +
            ")) AS r(v, c)");
    }
    // Every live topic: one unsuperseded live row, and it is the topic row's latest version;
    // no other live row is unsuperseded.
    EXPECT_EQ(admin.Scalar("SELECT count(*) FROM mnemo.topics t WHERE t.project_id = " + pid +
                           " AND t.latest_version IS NOT NULL AND (SELECT array_agg(c.version) "
                           "FROM mnemo.contexts c WHERE c.project_id = t.project_id AND c.topic "
                           "= t.topic AND c.archived_at IS NULL AND NOT c.superseded) IS "
                           "DISTINCT FROM ARRAY[t.latest_version]"),
              "0");
    EXPECT_EQ(admin.Scalar("SELECT count(*) FROM mnemo.contexts c JOIN mnemo.topics t USING "
                           "(project_id, topic) WHERE c.project_id = " +
                           pid +
                           " AND c.archived_at IS NULL AND NOT c.superseded AND c.version IS "
                           "DISTINCT FROM t.latest_version"),
              "0");
    EXPECT_EQ(admin.Scalar("SELECT count(*) FROM mnemo.topics WHERE project_id = " + pid +
                           " AND latest_version IS NOT NULL"),
              "3");
    EXPECT_EQ(Topics(project_, "gamma newest"), std::vector<std::string>{"notes/imported"});
    EXPECT_TRUE(Topics(project_, "oldest").empty());
    EXPECT_TRUE(Topics(project_, "middle").empty());
    EXPECT_EQ(Topics(project_, "fig"), std::vector<std::string>{"notes/b"});
    EXPECT_TRUE(Topics(project_, "elderberry").empty());
    EXPECT_EQ(Topics(project_, "alpha"), std::vector<std::string>{"notes/a"});
    EXPECT_EQ(Topics(project_, "durian"), std::vector<std::string>{"notes/a"});
    for (const char* gone : {"apricot", "blueberry", "cranberry"}) {
        EXPECT_TRUE(Topics(project_, gone).empty()) << gone;
    }
}

TEST_F(SearchTest, EveryNewPathSeesOnlyItsOwnProject) {
    Lock(other_, "secret/plan", "zanzibar quokka rules: never deploy", "always_check");
    Lock(other_, "secret/important", "zanzibar quokka incidents", "important");
    Lock(project_, "mine/plan", "ordinary words", "always_check");
    ASSERT_TRUE(store()
                    .UpsertFiles(other_, std::vector<files::FileRecord>{{"secret/zanzibar.cpp", 1,
                                                                         1, "", "text", "cpp", 1,
                                                                         "zanzibar quokka"}})
                    .ok());
    for (const char* query : {"zanzibar", "quokka", "zanzibr", "secret", "zanzi"}) {
        EXPECT_TRUE(Topics(project_, query).empty()) << query;
        auto checked = store().CheckContexts(project_, query);
        ASSERT_TRUE(checked.ok());
        EXPECT_TRUE(checked->empty()) << query;
        memory::FileQuery files;
        files.query = query;
        auto found = store().QueryFiles(project_, files);
        ASSERT_TRUE(found.ok());
        EXPECT_TRUE((*found)["files"].empty()) << query;
    }
    auto all_files = store().QueryFiles(project_, memory::FileQuery{});
    ASSERT_TRUE(all_files.ok());
    EXPECT_EQ((*all_files)["total"], 0);
    auto listed = store().ListTopics(project_, "", 100);
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0]["topic"], "mine/plan");
    EXPECT_TRUE(store().ListTopics(project_, "secret", 100)->empty());
    EXPECT_FALSE(store().RecallContext(project_, "secret/plan", std::nullopt, false).ok());
    EXPECT_FALSE(store().RecallContext(project_, "secret/plan", 1, false).ok());
    EXPECT_FALSE(store().UnlockContext(project_, "secret/plan", std::nullopt, true).ok());
    EXPECT_TRUE(store().RecallContext(other_, "secret/plan", std::nullopt, false).ok());
    auto briefing = store().WakeUp(project_);
    ASSERT_TRUE(briefing.ok());
    EXPECT_EQ((*briefing)["always_check"].size(), 1u);
    EXPECT_EQ((*briefing)["important"].size(), 0u);
    EXPECT_EQ((*briefing)["counts"]["always_check"], 1);
    EXPECT_EQ((*briefing)["recent"].size(), 1u);
    EXPECT_EQ(briefing->dump().find("zanzibar"), std::string::npos);
    auto status = store().Status(project_);
    ASSERT_TRUE(status.ok());
    EXPECT_EQ((*status)["contexts"], 1);
    // A project that does not exist (no token matches) sees nothing and gets a clear error.
    const std::string missing = UniqueProject("missing");
    EXPECT_FALSE(store().SearchContexts(missing, {"zanzibar", std::nullopt, {}, 10, 0}).ok());
    EXPECT_FALSE(store().CheckContexts(missing, "zanzibar").ok());
    EXPECT_FALSE(store().ListTopics(missing, "", 10).ok());
    EXPECT_FALSE(store().WakeUp(missing).ok());
    EXPECT_FALSE(store().QueryFiles(missing, memory::FileQuery{}).ok());
}

}  // namespace
}  // namespace mnemo

// SPDX-License-Identifier: MIT
// Store against a real PostgreSQL: versions, concurrency, unlock, search, handovers, migrations.
#include <algorithm>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "memory/migrations.hpp"
#include "pg_test_support.hpp"
#include "server_pg_support.hpp"

namespace mnemo {
namespace {

using memory::Json;
using testing::TestDatabase;
using testing::UniqueProject;

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = TestDatabase::Shared().Open(8);
        project_ = UniqueProject("store");
        auto created = store().CreateProject(project_, "test");
        ASSERT_TRUE(created.ok()) << created.error().message();
        ASSERT_TRUE((*created)["created"].get<bool>());
    }

    memory::Store& store() { return *db_.store; }

    Json Lock(const std::string& topic, const std::string& content,
              const std::string& priority = "reference", std::vector<std::string> tags = {}) {
        auto locked = store().LockContext(project_, {topic, content, std::move(tags), priority});
        EXPECT_TRUE(locked.ok()) << locked.error().message();
        return locked.ok() ? *locked : Json();
    }

    cli::Database db_;
    std::string project_;
};

TEST_F(StoreTest, LockingATopicTwiceGivesConsecutiveVersionsAndKeepsBoth) {
    EXPECT_EQ(Lock("api/errors", "first text")["version"], 1);
    EXPECT_EQ(Lock("api/errors", "second text")["version"], 2);

    auto latest = store().RecallContext(project_, "api/errors", std::nullopt, false);
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ((*latest)["content"], "second text");
    EXPECT_EQ((*latest)["live_versions"], Json::array({1, 2}));
    auto first = store().RecallContext(project_, "api/errors", 1, false);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ((*first)["content"], "first text");
}

TEST_F(StoreTest, TwentyConcurrentWritersOnOneTopicGetVersionsOneToTwenty) {
    constexpr int kWriters = 20;
    std::vector<int> versions(kWriters, 0);
    std::vector<std::string> errors(kWriters);
    std::vector<std::thread> writers;
    for (int i = 0; i < kWriters; ++i) {
        writers.emplace_back([&, i] {
            auto locked = store().LockContext(
                project_, {"shared/topic", "writer " + std::to_string(i), {}, "reference"});
            if (locked.ok()) {
                versions[static_cast<std::size_t>(i)] = (*locked)["version"].get<int>();
            } else {
                errors[static_cast<std::size_t>(i)] = locked.error().message();
            }
        });
    }
    for (auto& writer : writers) writer.join();
    for (const auto& error : errors) EXPECT_EQ(error, "");
    std::sort(versions.begin(), versions.end());
    for (int i = 0; i < kWriters; ++i) EXPECT_EQ(versions[static_cast<std::size_t>(i)], i + 1);

    // Every acknowledged write is stored, each under its own version.
    auto latest = store().RecallContext(project_, "shared/topic", std::nullopt, true);
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ((*latest)["live_versions"].size(), static_cast<std::size_t>(kWriters));
}

TEST_F(StoreTest, UnlockArchivesWithoutLosingAndAlwaysCheckNeedsForce) {
    Lock("notes", "v1");
    Lock("notes", "v2");
    auto one = store().UnlockContext(project_, "notes", 2, false);
    ASSERT_TRUE(one.ok()) << one.error().message();
    EXPECT_EQ((*one)["archived"], Json::array({2}));
    auto latest = store().RecallContext(project_, "notes", std::nullopt, false);
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ((*latest)["content"], "v1");
    auto archived = store().RecallContext(project_, "notes", 2, false);
    ASSERT_TRUE(archived.ok());
    EXPECT_EQ((*archived)["content"], "v2");
    EXPECT_FALSE((*archived)["archived_at"].is_null());

    Lock("rules/git", "never force-push", "always_check");
    auto refused = store().UnlockContext(project_, "rules/git", std::nullopt, false);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
    EXPECT_TRUE(store().RecallContext(project_, "rules/git", std::nullopt, false).ok());
    auto forced = store().UnlockContext(project_, "rules/git", std::nullopt, true);
    ASSERT_TRUE(forced.ok());
    auto gone = store().RecallContext(project_, "rules/git", std::nullopt, false);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);

    auto again = store().UnlockContext(project_, "rules/git", std::nullopt, true);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
}

TEST_F(StoreTest, SearchRanksFullTextAndPartialTopicMatchesAndPaginates) {
    Lock("database/pooling", "Connections come from pqpool leases with deadlines.");
    Lock("frontend/colors", "The palette uses blue and grey.");
    Lock("ops/deploy", "Deploys happen with blue-green switching.");

    auto hits = store().SearchContexts(project_, {"leases", std::nullopt, {}, 10, 0});
    ASSERT_TRUE(hits.ok()) << hits.error().message();
    ASSERT_EQ(hits->size(), 1u);
    EXPECT_EQ((*hits)[0]["topic"], "database/pooling");

    auto partial = store().SearchContexts(project_, {"pool", std::nullopt, {}, 10, 0});
    ASSERT_TRUE(partial.ok());
    ASSERT_EQ(partial->size(), 1u);
    EXPECT_EQ((*partial)[0]["topic"], "database/pooling");

    auto blue_page1 = store().SearchContexts(project_, {"blue", std::nullopt, {}, 1, 0});
    auto blue_page2 = store().SearchContexts(project_, {"blue", std::nullopt, {}, 1, 1});
    ASSERT_TRUE(blue_page1.ok() && blue_page2.ok());
    // The store returns limit+1 rows so callers know whether another page exists.
    EXPECT_EQ(blue_page1->size(), 2u);
    EXPECT_EQ(blue_page2->size(), 1u);
    EXPECT_NE((*blue_page1)[0]["topic"], (*blue_page2)[0]["topic"]);
}

TEST_F(StoreTest, SearchShowsOnlyTheLatestLiveVersionAndFiltersByPriorityAndTags) {
    Lock("style", "Use tabs for indentation.", "reference", {"format"});
    Lock("style", "Use spaces for indentation.", "important", {"format", "cpp"});
    auto hits = store().SearchContexts(project_, {"indentation", std::nullopt, {}, 10, 0});
    ASSERT_TRUE(hits.ok());
    ASSERT_EQ(hits->size(), 1u);
    EXPECT_EQ((*hits)[0]["version"], 2);

    auto by_priority = store().SearchContexts(project_, {"indentation", "reference", {}, 10, 0});
    ASSERT_TRUE(by_priority.ok());
    EXPECT_TRUE(by_priority->empty());
    auto by_tags = store().SearchContexts(project_, {"indentation", std::nullopt, {"cpp"}, 10, 0});
    ASSERT_TRUE(by_tags.ok());
    EXPECT_EQ(by_tags->size(), 1u);
}

TEST_F(StoreTest, CheckContextsFindsRelevantRulesOnly) {
    Lock("rules/git", "Never push directly to main; open a pull request.", "always_check");
    Lock("rules/db", "Migrations must be reviewed.", "always_check");
    Lock("notes/push", "Push notifications use FCM.", "reference");
    auto relevant = store().CheckContexts(project_, "git push origin main");
    ASSERT_TRUE(relevant.ok()) << relevant.error().message();
    ASSERT_EQ(relevant->size(), 1u);
    EXPECT_EQ((*relevant)[0]["topic"], "rules/git");
    EXPECT_NE((*relevant)[0]["content"], nullptr);
}

TEST_F(StoreTest, SleepThenWakeUpShowsTheHandoverAndAlwaysCheckContexts) {
    Lock("rules/tests", "Always run the tests before committing.", "always_check");
    Lock("decisions/db", "We chose PostgreSQL.", "important");
    auto slept = store().Sleep(
        project_,
        {"Pool done; server next.", {"pool"}, {"server", "docs"}, "see issue 3", "session-1"});
    ASSERT_TRUE(slept.ok()) << slept.error().message();

    auto briefing = store().WakeUp(project_);
    ASSERT_TRUE(briefing.ok()) << briefing.error().message();
    EXPECT_EQ((*briefing)["project"], project_);
    EXPECT_EQ((*briefing)["handover"]["summary"], "Pool done; server next.");
    EXPECT_EQ((*briefing)["handover"]["pending"], Json::array({"server", "docs"}));
    ASSERT_EQ((*briefing)["always_check"].size(), 1u);
    EXPECT_EQ((*briefing)["always_check"][0]["content"], "Always run the tests before committing.");
    ASSERT_EQ((*briefing)["important"].size(), 1u);
    EXPECT_EQ((*briefing)["counts"]["always_check"], 1);
    EXPECT_EQ((*briefing)["counts"]["handovers"], 1);

    auto last = store().LastHandover(project_);
    ASSERT_TRUE(last.ok());
    EXPECT_TRUE((*last)["available"].get<bool>());
    EXPECT_EQ((*last)["notes"], "see issue 3");
}

TEST_F(StoreTest, WakeUpIsBoundedWhateverIsStored) {
    const std::string big(100'000, 'x');
    for (int i = 0; i < 25; ++i)
        Lock("rules/r" + std::to_string(i), "always " + big, "always_check");
    auto briefing = store().WakeUp(project_);
    ASSERT_TRUE(briefing.ok());
    EXPECT_EQ((*briefing)["always_check"].size(), 20u);
    EXPECT_EQ((*briefing)["counts"]["always_check"], 25);
    EXPECT_LT(briefing->dump().size(), 100'000u);
}

TEST_F(StoreTest, MissingProjectsAreReportedAsSuch) {
    const std::string missing = UniqueProject("missing");
    for (auto result :
         {store().WakeUp(missing), store().LockContext(missing, {"t", "c", {}, "reference"}),
          store().Sleep(missing, {"s", {}, {}, "", ""}),
          store().SearchContexts(missing, {"x", std::nullopt, {}, 10, 0})}) {
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code(), ErrorCode::kProjectMissing) << result.error().message();
    }
}

TEST_F(StoreTest, CreatingAnExistingProjectReportsItWithoutChangingIt) {
    auto again = store().CreateProject(project_, "other description");
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE((*again)["created"].get<bool>());
    auto projects = store().ListProjects();
    ASSERT_TRUE(projects.ok());
    const auto it = std::find_if(projects->begin(), projects->end(),
                                 [&](const Json& p) { return p["name"] == project_; });
    ASSERT_NE(it, projects->end());
    EXPECT_EQ((*it)["description"], "test");
}

TEST_F(StoreTest, DeleteNeedsConfirmation) {
    Lock("a", "b");
    auto dry = store().DeleteProject(project_, false);
    ASSERT_TRUE(dry.ok());
    EXPECT_FALSE((*dry)["deleted"].get<bool>());
    EXPECT_EQ((*dry)["would_delete"]["contexts"], 1);
    EXPECT_TRUE(store().RecallContext(project_, "a", std::nullopt, false).ok());
    auto done = store().DeleteProject(project_, true);
    ASSERT_TRUE(done.ok());
    EXPECT_TRUE((*done)["deleted"].get<bool>());
    auto gone = store().WakeUp(project_);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code(), ErrorCode::kProjectMissing);
}

TEST(MigrationsTest, TenProcessesMigratingAFreshDatabaseAtOnceAllSucceedAndApplyOnce) {
    auto& shared = TestDatabase::Shared();
    const std::string fresh = UniqueProject("migrate");
    pqpool::testing::AdminConnection cluster(pqpool::testing::TestDsn());
    cluster.Scalar("CREATE DATABASE " + fresh + " OWNER " + shared.role());
    Config config = shared.MakeConfig(2);
    config.database_url = testing::WithDatabase(shared.dsn(), fresh);

    std::vector<std::thread> starters;
    std::vector<std::string> errors(10);
    for (std::size_t i = 0; i < errors.size(); ++i) {
        starters.emplace_back([&, i] {
            auto db = cli::OpenDatabase(config);
            if (!db.ok()) errors[i] = db.error().message();
        });
    }
    for (auto& starter : starters) starter.join();
    for (const auto& error : errors) EXPECT_EQ(error, "");
    {
        pqpool::testing::AdminConnection check(testing::WithDatabase(shared.admin_dsn(), fresh));
        EXPECT_EQ(check.Scalar("SELECT count(*) FROM mnemo.schema_migrations"),
                  std::to_string(memory::CompiledMigrations().size()));
        EXPECT_EQ(check.Scalar("SELECT max(version) FROM mnemo.schema_migrations"),
                  std::to_string(memory::CompiledMigrations().back().version));
    }
    cluster.Scalar("DROP DATABASE " + fresh + " WITH (FORCE)");
}

}  // namespace
}  // namespace mnemo

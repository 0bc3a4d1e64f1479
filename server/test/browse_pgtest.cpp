// SPDX-License-Identifier: MIT
// The memory browser's Store calls against a real PostgreSQL: project page, handovers, topic
// levels, versions, restore, file changes, and that each sees only its own project.
#include <gtest/gtest.h>

#include "pg_test_support.hpp"
#include "server_pg_support.hpp"

namespace mnemo {
namespace {

using memory::Json;
using testing::TestDatabase;
using testing::UniqueProject;

class BrowseTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = TestDatabase::Shared().Open(4);
        project_ = UniqueProject("browse");
        ASSERT_TRUE(store().CreateProject(project_, "browsed").ok());
    }

    memory::Store& store() { return *db_.store; }

    void Lock(const std::string& topic, const std::string& content,
              const std::string& priority = "reference") {
        auto locked = store().LockContext(project_, {topic, content, {}, priority});
        ASSERT_TRUE(locked.ok()) << locked.error().message();
    }

    cli::Database db_;
    std::string project_;
};

TEST_F(BrowseTest, ProjectOverviewListsLatestLiveVersionsByPriorityWithCounts) {
    Lock("rules/a", "always do a", "always_check");
    Lock("rules/a", "always do a, v2", "always_check");
    Lock("notes/b", "important b", "important");
    Lock("notes/c", "reference c");
    Lock("notes/d", "reference d");
    ASSERT_TRUE(store().UnlockContext(project_, "notes/d", std::nullopt, false).ok());

    auto page = store().ProjectOverview(project_, 1);
    ASSERT_TRUE(page.ok()) << page.error().message();
    EXPECT_EQ((*page)["project"], project_);
    EXPECT_EQ((*page)["description"], "browsed");
    const Json& counts = (*page)["counts"];
    EXPECT_EQ(counts["always_check"], 1);
    EXPECT_EQ(counts["important"], 1);
    EXPECT_EQ(counts["reference"], 1);  // notes/d is archived
    // One per priority (per_priority = 1), each the latest live version.
    ASSERT_EQ((*page)["contexts"].size(), 3u);
    for (const Json& context : (*page)["contexts"]) {
        if (context["topic"] == "rules/a") {
            EXPECT_EQ(context["version"], 2);
        }
        EXPECT_NE(context["topic"], "notes/d");
    }
}

TEST_F(BrowseTest, HandoversPageNewestFirstAndContinueBeforeAnId) {
    for (const char* summary : {"first", "second", "third"}) {
        memory::HandoverRequest request;
        request.summary = summary;
        request.pending = {"p"};
        ASSERT_TRUE(store().Sleep(project_, request).ok());
    }
    auto page = store().Handovers(project_, 2, 0);
    ASSERT_TRUE(page.ok()) << page.error().message();
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0]["summary"], "third");
    EXPECT_EQ((*page)[1]["summary"], "second");
    EXPECT_EQ((*page)[0]["pending"], Json::array({"p"}));
    auto rest = store().Handovers(project_, 2, (*page)[1]["handover_id"].get<std::int64_t>());
    ASSERT_TRUE(rest.ok());
    ASSERT_EQ(rest->size(), 1u);
    EXPECT_EQ((*rest)[0]["summary"], "first");
}

TEST_F(BrowseTest, TopicLevelSplitsFoldersFromTopicsUnderAPrefix) {
    Lock("api/errors", "e");
    Lock("api/auth/tokens", "t");
    Lock("api.v2", "v");
    Lock("readme", "r");
    auto root = store().TopicLevel(project_, "", 10);
    ASSERT_TRUE(root.ok()) << root.error().message();
    ASSERT_EQ((*root)["folders"].size(), 2u);  // "api." and "api/"
    EXPECT_EQ((*root)["folders"][0]["name"], "api.");
    EXPECT_EQ((*root)["folders"][1]["name"], "api/");
    EXPECT_EQ((*root)["folders"][1]["topics"], 2);
    ASSERT_EQ((*root)["topics"].size(), 1u);
    EXPECT_EQ((*root)["topics"][0]["topic"], "readme");

    auto api = store().TopicLevel(project_, "api/", 10);
    ASSERT_TRUE(api.ok());
    ASSERT_EQ((*api)["folders"].size(), 1u);
    EXPECT_EQ((*api)["folders"][0]["path"], "api/auth/");
    ASSERT_EQ((*api)["topics"].size(), 1u);
    EXPECT_EQ((*api)["topics"][0]["name"], "errors");
    EXPECT_FALSE((*api)["more_topics"].get<bool>());

    auto limited = store().TopicLevel(project_, "", 1);
    ASSERT_TRUE(limited.ok());
    EXPECT_TRUE((*limited)["more_folders"].get<bool>());
}

TEST_F(BrowseTest, TopicLevelCountsEveryLiveTopicOfEachFolder) {
    for (const char* folder : {"a/", "b/", "c/"}) {
        for (int i = 0; i < 4; ++i) Lock(std::string(folder) + "t" + std::to_string(i), "x");
    }
    Lock("b/gone", "archived below");
    ASSERT_TRUE(store().UnlockContext(project_, "b/gone", std::nullopt, false).ok());
    Lock("z1", "leaf");
    Lock("z2", "leaf");
    auto root = store().TopicLevel(project_, "", 10);
    ASSERT_TRUE(root.ok()) << root.error().message();
    ASSERT_EQ((*root)["folders"].size(), 3u);
    for (const Json& folder : (*root)["folders"]) EXPECT_EQ(folder["topics"], 4);
    ASSERT_EQ((*root)["topics"].size(), 2u);
    EXPECT_EQ((*root)["topics"][1]["topic"], "z2");
    EXPECT_FALSE((*root)["more_folders"].get<bool>());
    EXPECT_FALSE((*root)["more_topics"].get<bool>());
}

TEST_F(BrowseTest, VersionsListArchivedOnesAndRestoreMakesAVersionLiveAgain) {
    Lock("topic", "one");
    Lock("topic", "two");
    ASSERT_TRUE(store().UnlockContext(project_, "topic", 2, false).ok());

    auto versions = store().ContextVersions(project_, "topic");
    ASSERT_TRUE(versions.ok()) << versions.error().message();
    EXPECT_EQ((*versions)["latest_version"], 1);
    ASSERT_EQ((*versions)["versions"].size(), 2u);
    EXPECT_EQ((*versions)["versions"][0]["version"], 2);
    EXPECT_FALSE((*versions)["versions"][0]["archived_at"].is_null());

    auto restored = store().RestoreContext(project_, "topic", 2);
    ASSERT_TRUE(restored.ok()) << restored.error().message();
    auto latest = store().RecallContext(project_, "topic", std::nullopt, false);
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ((*latest)["version"], 2);
    EXPECT_EQ((*latest)["content"], "two");
    // Search sees it again (the topic row's latest version).
    memory::SearchRequest search;
    search.query = "two";
    auto found = store().SearchContexts(project_, search);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 1u);

    auto again = store().RestoreContext(project_, "topic", 2);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code(), ErrorCode::kRefused);
    auto missing = store().RestoreContext(project_, "topic", 9);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
    auto none = store().ContextVersions(project_, "no-such-topic");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().code(), ErrorCode::kNotFound);
}

TEST_F(BrowseTest, RestoringAnOlderVersionKeepsTheNewerOneLatest) {
    Lock("topic", "one");
    Lock("topic", "two");
    ASSERT_TRUE(store().UnlockContext(project_, "topic", 1, false).ok());
    ASSERT_TRUE(store().RestoreContext(project_, "topic", 1).ok());
    auto versions = store().ContextVersions(project_, "topic");
    ASSERT_TRUE(versions.ok());
    EXPECT_EQ((*versions)["latest_version"], 2);
    EXPECT_TRUE((*versions)["versions"][1]["archived_at"].is_null());
}

TEST_F(BrowseTest, AnotherOwnersProjectOfTheSameNameIsNotSeen) {
    Lock("mine", "local owner's text");
    const memory::ProjectRef other("mallory", project_);
    for (auto result : {store().ProjectOverview(other, 10), store().Handovers(other, 10, 0),
                        store().TopicLevel(other, "", 10), store().ContextVersions(other, "mine"),
                        store().RecentFileChanges(other, 10)}) {
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code(), ErrorCode::kProjectMissing);
    }
    auto restore = store().RestoreContext(other, "mine", 1);
    ASSERT_FALSE(restore.ok());
    EXPECT_EQ(restore.error().code(), ErrorCode::kProjectMissing);
}

TEST_F(BrowseTest, RecentFileChangesNewestFirst) {
    std::vector<files::FileRecord> records(2);
    records[0].path = "src/a.cpp";
    records[1].path = "src/b.cpp";
    for (auto& record : records) {
        record.hash = std::string(64, 'a');
        record.size = 10;
        record.kind = "text";
    }
    ASSERT_TRUE(store().UpsertFiles(project_, records).ok());
    auto changes = store().RecentFileChanges(project_, 10);
    ASSERT_TRUE(changes.ok()) << changes.error().message();
    EXPECT_EQ((*changes)["files"], 2);
    ASSERT_EQ((*changes)["changes"].size(), 2u);
    EXPECT_EQ((*changes)["changes"][0]["change"], "added");
}

}  // namespace
}  // namespace mnemo

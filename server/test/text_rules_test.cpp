// SPDX-License-Identifier: MIT
// Text rules: priority inference, topic checks, trees, cursors.
#include "tools/text_rules.hpp"

#include <gtest/gtest.h>

namespace mnemo::tools {
namespace {

using Json = nlohmann::json;

TEST(TextRulesTest, PriorityIsInferredFromWholeWords) {
    EXPECT_EQ(InferPriority("We ALWAYS run tests."), "always_check");
    EXPECT_EQ(InferPriority("never commit secrets"), "always_check");
    EXPECT_EQ(InferPriority("You must review."), "always_check");
    EXPECT_EQ(InferPriority("This is critical."), "important");
    EXPECT_EQ(InferPriority("Required: Postgres 15"), "important");
    EXPECT_EQ(InferPriority("Mustard and nevertheless are fine; unimportant."), "reference");
    EXPECT_EQ(InferPriority(""), "reference");
}

TEST(TextRulesTest, TopicsNeedVisibleCharactersAndNoControls) {
    EXPECT_EQ(TopicProblem("api/errors"), "");
    EXPECT_EQ(TopicProblem("   "), "topic must contain a non-space character");
    EXPECT_EQ(TopicProblem("a\tb"), "topic must not contain control characters");
    EXPECT_EQ(TopicProblem(" a"), "topic must not start or end with a space");
}

TEST(TextRulesTest, TreeSplitsOnSlashesAndDotsAndFoldsBeyondDepth) {
    const Json rows = Json::parse(R"([
        {"topic":"arch/db/pool","latest_version":2,"versions":2,"priority":"important"},
        {"topic":"arch/db/schema","latest_version":1,"versions":1,"priority":"reference"},
        {"topic":"arch","latest_version":1,"versions":1,"priority":"reference"},
        {"topic":"rules.git","latest_version":3,"versions":1,"priority":"always_check"}])");
    const Json tree = BuildTopicTree(rows, 2);
    EXPECT_EQ(tree["topics"], 4);
    const Json& arch = tree["children"][0];
    EXPECT_EQ(arch["name"], "arch");
    EXPECT_EQ(arch["topics"], 3);
    EXPECT_EQ(arch["version"], 1);  // "arch" is itself a topic
    EXPECT_EQ(arch["children"][0]["name"], "db");
    EXPECT_EQ(arch["children"][0]["path"], "arch/db");
    EXPECT_EQ(arch["children"][0]["more_topics"], 2);
    EXPECT_FALSE(arch["children"][0].contains("children"));
    const Json& git = tree["children"][1]["children"][0];
    EXPECT_EQ(git["path"], "rules.git");
    EXPECT_EQ(git["priority"], "always_check");
    EXPECT_EQ(git["version"], 3);
}

TEST(TextRulesTest, SlicesCountCharactersNotBytes) {
    const std::string text = "aé€b";  // 1 + 2 + 3 + 1 bytes
    auto all = Utf8Slice(text, 0, 10);
    EXPECT_EQ(all.text, text);
    EXPECT_EQ(all.total_chars, 4u);
    EXPECT_EQ(Utf8Slice(text, 1, 2).text, "é€");
    EXPECT_EQ(Utf8Slice(text, 3, 2).text, "b");
    EXPECT_EQ(Utf8Slice(text, 4, 2).text, "");
    EXPECT_EQ(Utf8Slice(text, 9, 2).text, "");
    EXPECT_EQ(Utf8Slice("", 0, 2).total_chars, 0u);
}

TEST(TextRulesTest, CursorsRoundTripAndRejectForgeries) {
    EXPECT_EQ(DecodeCursor(EncodeCursor(40)), 40);
    EXPECT_EQ(DecodeCursor("garbage"), std::nullopt);
    EXPECT_EQ(DecodeCursor("o-1"), std::nullopt);
    EXPECT_EQ(DecodeCursor("o12x"), std::nullopt);
    EXPECT_EQ(DecodeCursor("o99999999999"), std::nullopt);
}

}  // namespace
}  // namespace mnemo::tools

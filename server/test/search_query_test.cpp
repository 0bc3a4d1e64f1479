// SPDX-License-Identifier: MIT
// Search queries: tokens, compounds, stop words, stemming, websearch syntax (no database).
#include "memory/search_query.hpp"

#include <gtest/gtest.h>

namespace mnemo::memory {
namespace {

TEST(SearchQueryTest, WordsBecomeStemmedPrefixesAndStopWordsGo) {
    const auto q = BuildSearchQuery("Can I commit the Migrations");
    EXPECT_EQ(q.strict, "('commit':*) & ('migr':*)");
    EXPECT_EQ(q.any, "('commit':* | 'migr':*)");
    EXPECT_EQ(q.terms.size(), 2u);
    EXPECT_EQ(q.fuzzy, (std::vector<std::string>{"commit", "migrations"}));
    EXPECT_TRUE(BuildSearchQuery("the of and !!! ...").Empty());
    EXPECT_TRUE(BuildSearchQuery("").Empty());
}

TEST(SearchQueryTest, CompoundsMatchTheirPartsInOrderOrJoined) {
    EXPECT_EQ(BuildSearchQuery("pull-request").strict,
              "(('pull' <-> 'request':* | 'pullrequest':*))");
    EXPECT_EQ(SplitIdentifier("acquireTimeoutMs"),
              (std::vector<std::string>{"acquire", "timeout", "ms"}));
    EXPECT_EQ(SplitIdentifier("MNEMO_ACQUIRE_TIMEOUT_MS"),
              (std::vector<std::string>{"mnemo", "acquire", "timeout", "ms"}));
    EXPECT_EQ(SplitIdentifier("HTTPServer/pool_config.cpp"),
              (std::vector<std::string>{"http", "server", "pool", "config", "cpp"}));
    EXPECT_EQ(SplitIdentifier("café’s"), (std::vector<std::string>{"café", "s"}));
}

TEST(SearchQueryTest, WebsearchSyntaxKeepsItsMeaning) {
    EXPECT_EQ(BuildSearchQuery("\"open a pull request\"").strict,
              "(('open' <-> 'a' <-> 'pull' <-> 'request'))");
    EXPECT_EQ(BuildSearchQuery("push -force").strict, "('push':*) & !'forc':*");
    EXPECT_EQ(BuildSearchQuery("redis or memcached cache").strict,
              "('redis':* | 'memcach':*) & ('cach':*)");
    // check_contexts: a command's dashes and quotes are plain characters.
    EXPECT_EQ(BuildSearchQuery("git push --force", true).strict,
              "('git':*) & ('push':*) & ('forc':*)");
    EXPECT_EQ(BuildSearchQuery(std::string(10000, 'x')).strict, "");
}

TEST(SearchQueryTest, LightStemKeepsShortWordsAndCutsCommonSuffixes) {
    EXPECT_EQ(LightStem("handles"), "handl");
    EXPECT_EQ(LightStem("policies"), "policy");
    EXPECT_EQ(LightStem("pushing"), "push");
    EXPECT_EQ(LightStem("pagination"), "pagin");
    EXPECT_EQ(LightStem("status"), "status");
    EXPECT_EQ(LightStem("git"), "git");
}

}  // namespace
}  // namespace mnemo::memory

// SPDX-License-Identifier: MIT
// URI templates: percent-encoding, expansion and matching (context resource URIs).
#include "mcp/uri_template.hpp"

#include <gtest/gtest.h>

namespace mnemo::mcp {
namespace {

TEST(UriTemplateTest, EncodesEverythingButUnreservedCharacters) {
    EXPECT_EQ(PercentEncode("architecture/db"), "architecture%2Fdb");
    EXPECT_EQ(PercentEncode("a b?#%"), "a%20b%3F%23%25");
    EXPECT_EQ(PercentEncode("rules.testing-v2_~"), "rules.testing-v2_~");
    EXPECT_EQ(PercentEncode("é"), "%C3%A9");
}

TEST(UriTemplateTest, DecodingRefusesMalformedEscapesAndNul) {
    EXPECT_EQ(PercentDecode("architecture%2Fdb"), "architecture/db");
    EXPECT_EQ(PercentDecode("%c3%a9"), "é");
    EXPECT_FALSE(PercentDecode("%"));
    EXPECT_FALSE(PercentDecode("%2"));
    EXPECT_FALSE(PercentDecode("%zz"));
    EXPECT_FALSE(PercentDecode("a%00b"));
}

TEST(UriTemplateTest, ExpandsAndMatchesRoundTrip) {
    const char* tmpl = "mnemo://projects/{project}/contexts/{topic}";
    const std::string uri = ExpandUriTemplate(tmpl, {{"project", "p1"}, {"topic", "a/b c"}});
    EXPECT_EQ(uri, "mnemo://projects/p1/contexts/a%2Fb%20c");
    const auto values = MatchUriTemplate(tmpl, uri);
    ASSERT_TRUE(values);
    EXPECT_EQ(values->at("project"), "p1");
    EXPECT_EQ(values->at("topic"), "a/b c");
}

TEST(UriTemplateTest, ReservedExpansionKeepsSlashesAndMatchesToTheLastLiteral) {
    const char* latest = "mnemo://projects/{project}/contexts/{+topic}";
    const char* versioned = "mnemo://projects/{project}/contexts/{+topic}/versions/{version}";
    EXPECT_EQ(ExpandUriTemplate(latest, {{"project", "p1"}, {"topic", "a/b c?#%"}}),
              "mnemo://projects/p1/contexts/a/b%20c%3F%23%25");
    auto plain = MatchUriTemplate(latest, "mnemo://projects/p1/contexts/rules/git");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->at("topic"), "rules/git");
    auto encoded = MatchUriTemplate(latest, "mnemo://projects/p1/contexts/rules%2Fgit");
    ASSERT_TRUE(encoded);
    EXPECT_EQ(encoded->at("topic"), "rules/git");
    auto version =
        MatchUriTemplate(versioned, "mnemo://projects/p1/contexts/a/versions/b/versions/3");
    ASSERT_TRUE(version);
    EXPECT_EQ(version->at("topic"), "a/versions/b");
    EXPECT_EQ(version->at("version"), "3");
    const auto round =
        MatchUriTemplate(latest, ExpandUriTemplate(latest, {{"project", "p"}, {"topic", "x/%41"}}));
    ASSERT_TRUE(round);
    EXPECT_EQ(round->at("topic"), "x/%41");
    EXPECT_FALSE(MatchUriTemplate(latest, "mnemo://projects/p1/contexts/"));
    EXPECT_FALSE(MatchUriTemplate(versioned, "mnemo://projects/p1/contexts/a/versions/"));
}

TEST(UriTemplateTest, MatchingIsExact) {
    const char* tmpl = "mnemo://projects/{project}/contexts/{topic}";
    EXPECT_FALSE(MatchUriTemplate(tmpl, "mnemo://projects/p/contexts/"));     // empty value
    EXPECT_FALSE(MatchUriTemplate(tmpl, "mnemo://projects/p/contexts/a/b"));  // raw '/'
    EXPECT_FALSE(MatchUriTemplate(tmpl, "mnemo://projects/p/context/a"));
    EXPECT_FALSE(MatchUriTemplate(tmpl, "mnemo://projects/p/contexts/a?x=1"));
    EXPECT_FALSE(MatchUriTemplate(tmpl, "mnemo://projects/p/contexts/%zz"));
    EXPECT_FALSE(MatchUriTemplate(tmpl, "test://projects/p/contexts/a"));
    const auto versioned =
        MatchUriTemplate("test://template/{id}/data", "test://template/123/data");
    ASSERT_TRUE(versioned);
    EXPECT_EQ(versioned->at("id"), "123");
    EXPECT_FALSE(MatchUriTemplate("test://template/{id}/data", "test://template/123/data/x"));
}

}  // namespace
}  // namespace mnemo::mcp

// SPDX-License-Identifier: MIT
// Ignore rules and glob matching: the .gitignore subset the file scan honours.
#include <gtest/gtest.h>

#include "files/glob.hpp"
#include "files/ignore_rules.hpp"

namespace mnemo::files {
namespace {

bool Ignored(const std::string& gitignore, const std::string& path, bool is_dir = false) {
    IgnoreRules rules;
    rules.Push("", ParseIgnore(gitignore));
    return rules.Ignored(path, is_dir);
}

TEST(FileIgnoreTest, CommentsAndBlankLinesAreNotPatterns) {
    EXPECT_TRUE(ParseIgnore("# a comment\n\n   \n").empty());
    EXPECT_TRUE(Ignored("\\#notes\n", "#notes"));
    EXPECT_FALSE(Ignored("# build\n", "build"));
}

TEST(FileIgnoreTest, NameWithoutSlashMatchesAtAnyDepth) {
    EXPECT_TRUE(Ignored("*.o\n", "a.o"));
    EXPECT_TRUE(Ignored("*.o\n", "src/deep/a.o"));
    EXPECT_FALSE(Ignored("*.o\n", "a.oo"));
    EXPECT_TRUE(Ignored("build\n", "x/build", true));
}

TEST(FileIgnoreTest, LeadingSlashAnchorsToTheDirectoryOfTheFile) {
    EXPECT_TRUE(Ignored("/build\n", "build", true));
    EXPECT_FALSE(Ignored("/build\n", "src/build", true));
    EXPECT_TRUE(Ignored("doc/*.tmp\n", "doc/a.tmp"));
    EXPECT_FALSE(Ignored("doc/*.tmp\n", "x/doc/a.tmp"));
}

TEST(FileIgnoreTest, TrailingSlashMatchesDirectoriesOnly) {
    EXPECT_TRUE(Ignored("logs/\n", "logs", true));
    EXPECT_FALSE(Ignored("logs/\n", "logs", false));
}

TEST(FileIgnoreTest, NegationReincludesAndTheLastMatchWins) {
    EXPECT_FALSE(Ignored("*.log\n!keep.log\n", "keep.log"));
    EXPECT_TRUE(Ignored("*.log\n!keep.log\n", "other.log"));
    EXPECT_TRUE(Ignored("!keep.log\n*.log\n", "keep.log"));
    EXPECT_TRUE(Ignored("\\!bang\n", "!bang"));
}

TEST(FileIgnoreTest, QuestionMarkAndClasses) {
    EXPECT_TRUE(Ignored("file?.txt\n", "file1.txt"));
    EXPECT_FALSE(Ignored("file?.txt\n", "file12.txt"));
    EXPECT_TRUE(Ignored("[ab].c\n", "a.c"));
    EXPECT_FALSE(Ignored("[ab].c\n", "c.c"));
    EXPECT_FALSE(Ignored("*.txt\n", "dir/x.txtz"));
}

TEST(FileIgnoreTest, DoubleStarSpansDirectories) {
    EXPECT_TRUE(Ignored("**/gen\n", "gen", true));
    EXPECT_TRUE(Ignored("**/gen\n", "a/b/gen", true));
    EXPECT_TRUE(Ignored("a/**/z.txt\n", "a/z.txt"));
    EXPECT_TRUE(Ignored("a/**/z.txt\n", "a/b/c/z.txt"));
    EXPECT_FALSE(Ignored("a/**/z.txt\n", "b/a/z.txt"));
    EXPECT_TRUE(Ignored("out/**\n", "out/x.bin"));
    EXPECT_FALSE(Ignored("out/**\n", "out", true));  // The directory itself is entered.
}

TEST(FileIgnoreTest, DeeperFilesWinAndApplyOnlyBelowThemselves) {
    IgnoreRules rules;
    rules.Push("", ParseIgnore("*.gen\n"));
    rules.Push("sub", ParseIgnore("!keep.gen\n/local.txt\n"));
    EXPECT_TRUE(rules.Ignored("a.gen", false));
    EXPECT_TRUE(rules.Ignored("sub/a.gen", false));
    EXPECT_FALSE(rules.Ignored("sub/keep.gen", false));
    EXPECT_TRUE(rules.Ignored("keep.gen", false));
    EXPECT_TRUE(rules.Ignored("sub/local.txt", false));
    EXPECT_FALSE(rules.Ignored("local.txt", false));
    EXPECT_FALSE(rules.Ignored("subway/local.txt", false));
    rules.Pop();
    EXPECT_TRUE(rules.Ignored("sub/keep.gen", false));
}

TEST(FileIgnoreTest, TrailingSpacesAndCarriageReturns) {
    EXPECT_TRUE(Ignored("trail.txt   \r\n", "trail.txt"));
    EXPECT_TRUE(Ignored("space\\ \n", "space "));
}

TEST(FileIgnoreTest, SplitPathDropsEmptySegments) {
    const auto parts = SplitPath("/a//b/");
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0], "a");
    EXPECT_EQ(parts[1], "b");
}

}  // namespace
}  // namespace mnemo::files

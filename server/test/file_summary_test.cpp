// SPDX-License-Identifier: MIT
// Language detection, binary detection, line counts and summary heuristics.
#include <gtest/gtest.h>

#include "files/file_type.hpp"
#include "files/path_rules.hpp"
#include "files/summary.hpp"

namespace mnemo::files {
namespace {

TEST(FileSummaryTest, LanguageFromNameOrExtension) {
    EXPECT_EQ(DetectLanguage("server/src/a.cpp"), "cpp");
    EXPECT_EQ(DetectLanguage("x/CMakeLists.txt"), "cmake");
    EXPECT_EQ(DetectLanguage("README.MD"), "markdown");
    EXPECT_EQ(DetectLanguage("notes.txt"), "text");
    EXPECT_EQ(DetectLanguage(".bashrc"), "");
    EXPECT_EQ(DetectLanguage("noext"), "");
    EXPECT_EQ(DetectLanguage("a.verylongextension"), "");
}

TEST(FileSummaryTest, BinaryMeansANulByteNearTheStart) {
    EXPECT_TRUE(LooksBinary(std::string("ab\0cd", 5)));
    EXPECT_FALSE(LooksBinary("plain text\n"));
    EXPECT_FALSE(LooksBinary(std::string(9000, 'a') + std::string(1, '\0')));
}

TEST(FileSummaryTest, LineCounts) {
    EXPECT_EQ(CountLines(""), 0);
    EXPECT_EQ(CountLines("a"), 1);
    EXPECT_EQ(CountLines("a\n"), 1);
    EXPECT_EQ(CountLines("a\nb"), 2);
}

TEST(FileSummaryTest, CppLeadingCommentWithoutLicenceAndDefinitions) {
    const std::string source =
        "// SPDX-License-Identifier: MIT\n"
        "// Pool: leases connections fairly.\n"
        "#pragma once\n\n"
        "namespace x {\n"
        "class Pool {\n};\n"
        "struct Options {};\n"
        "enum class Mode { kA };\n"
        "}\n";
    EXPECT_EQ(ExtractSummary("cpp", source),
              "Pool: leases connections fairly. — defines: Pool, Options, Mode");
}

TEST(FileSummaryTest, MarkdownHeadingsOutsideCodeFences) {
    EXPECT_EQ(ExtractSummary("markdown", "# mnemo\ntext\n```\n# not a heading\n```\n## Build\n"),
              "mnemo / Build");
}

TEST(FileSummaryTest, PythonDocstringAndDefinitions) {
    EXPECT_EQ(ExtractSummary("python",
                             "#!/usr/bin/env python3\n\"\"\"Bench pools.\n\nMore.\"\"\"\n"
                             "class A:\n    def inner(self): pass\nasync def main():\n"),
              "Bench pools. — defines: A, main");
}

TEST(FileSummaryTest, GoRustTypescriptAndSqlDefinitions) {
    EXPECT_EQ(ExtractSummary("go", "package x\n\nfunc (s *S) Run() {}\ntype S struct{}\n"),
              "defines: Run, S");
    EXPECT_EQ(ExtractSummary("rust", "pub fn acquire() {}\npub(crate) struct Slot;\n"),
              "defines: acquire, Slot");
    EXPECT_EQ(ExtractSummary("typescript", "export default function main() {}\n"), "defines: main");
    EXPECT_EQ(
        ExtractSummary("sql", "-- 003: the index.\nCREATE TABLE IF NOT EXISTS mnemo.files (\n"),
        "003: the index. — defines: mnemo.files");
}

TEST(FileSummaryTest, ShellCommentsAndFallbackToTheFirstLine) {
    EXPECT_EQ(ExtractSummary("shell", "#!/bin/sh\n# Runs the tests.\nset -e\n"), "Runs the tests.");
    EXPECT_EQ(ExtractSummary("", "\n\n  first line  \nsecond\n"), "first line");
}

TEST(FileSummaryTest, SummariesAreBoundedOnAUtf8Boundary) {
    // 300 + " / " + 96 = 399 bytes: the 400-byte cut falls inside the first 'é'.
    const std::string headings =
        "# " + std::string(300, 'a') + "\n# " + std::string(96, 'b') + "\xc3\xa9\xc3\xa9\n";
    const std::string summary = ExtractSummary("markdown", headings);
    EXPECT_EQ(summary.size(), 399u);
    EXPECT_TRUE(IsValidUtf8(summary));
}

}  // namespace
}  // namespace mnemo::files

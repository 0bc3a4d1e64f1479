// SPDX-License-Identifier: MIT
// index_files argument checks, index path rules and query_files cursors.
#include <optional>

#include <gtest/gtest.h>

#include "files/client_files.hpp"
#include "files/path_rules.hpp"
#include "files/query_cursor.hpp"

namespace mnemo::files {
namespace {

using Json = nlohmann::json;

TEST(FileClientTest, PathRules) {
    EXPECT_EQ(PathProblem("src/a.cpp"), "");
    EXPECT_EQ(PathProblem("..hidden/x"), "");
    EXPECT_NE(PathProblem(""), "");
    EXPECT_NE(PathProblem("/etc/passwd").find("absolute"), std::string::npos);
    EXPECT_NE(PathProblem("C:/x").find("absolute"), std::string::npos);
    EXPECT_NE(PathProblem("a/../../b").find("'..'"), std::string::npos);
    EXPECT_NE(PathProblem("..").find("'..'"), std::string::npos);
    EXPECT_NE(PathProblem("a//b"), "");
    EXPECT_NE(PathProblem("./a"), "");
    EXPECT_NE(PathProblem("a/"), "");
    EXPECT_NE(PathProblem("a\\b"), "");
    EXPECT_NE(PathProblem("a\nb"), "");
    EXPECT_NE(PathProblem("bad\xff"), "");
    EXPECT_NE(PathProblem(std::string(5000, 'a')), "");
}

TEST(FileClientTest, Utf8Validation) {
    EXPECT_TRUE(IsValidUtf8("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
    EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
    EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(FileClientTest, ParsesAValidBatch) {
    const Json files = Json::array({{{"path", "src/a.cpp"},
                                     {"size", 10},
                                     {"mtime", 1700000000.5},
                                     {"hash", std::string(64, 'A')},
                                     {"summary", "The A."}},
                                    {{"path", "README.md"}, {"size", 0}, {"mtime", 0}}});
    auto batch = ParseClientBatch(files, Json::array({"old.txt"}));
    ASSERT_TRUE(batch.ok()) << batch.error().message();
    ASSERT_EQ(batch->files.size(), 2u);
    EXPECT_EQ(batch->files[0].mtime_ns, 1700000000500000000);
    EXPECT_EQ(batch->files[0].hash, std::string(64, 'a'));
    EXPECT_EQ(batch->files[0].language, "cpp");
    EXPECT_EQ(batch->files[0].kind, "unread");
    EXPECT_EQ(batch->files[0].summary, "The A.");
    EXPECT_EQ(batch->deletions.size(), 1u);
    EXPECT_FALSE(batch->deletions[0].expected.has_value());
}

TEST(FileClientTest, MtimeIsSecondsOrAnIso8601DateTimeToTheNanosecond) {
    auto nanos = [](Json mtime) -> std::optional<std::int64_t> {
        auto batch =
            ParseClientBatch(Json::array({{{"path", "a"}, {"size", 1}, {"mtime", mtime}}}), Json());
        if (!batch.ok()) return std::nullopt;
        return batch->files[0].mtime_ns;
    };
    EXPECT_EQ(nanos(1700000000.25), 1700000000250000000);
    EXPECT_EQ(nanos("2023-11-14T22:13:20Z"), 1700000000000000000);
    EXPECT_EQ(nanos("2023-11-14T22:13:20.25Z"), 1700000000250000000);
    EXPECT_EQ(nanos("2023-11-14 23:13:20.123456789+01:00"), 1700000000123456789);
    EXPECT_EQ(nanos("2023-11-14t20:43:20-01:30"), 1700000000000000000);
    EXPECT_EQ(nanos("1970-01-01T00:00:00Z"), 0);
    for (const char* bad : {"2023-11-14T22:13:20", "2023-02-30T00:00:00Z", "2023-11-14T22:13Z",
                            "2023-11-14T22:13:20.Z", "yesterday", "1969-12-31T23:59:59Z",
                            "2023-11-14T22:13:20+1:00", "2023-11-14T22:13:20Z trailing"}) {
        EXPECT_FALSE(nanos(bad)) << bad;
    }
    auto batch =
        ParseClientBatch(Json::array({{{"path", "a"}, {"size", 1}, {"mtime", "soon"}}}), Json());
    ASSERT_FALSE(batch.ok());
    EXPECT_NE(batch.error().message().find("files[0].mtime must be the modification time"),
              std::string::npos)
        << batch.error().message();
}

TEST(FileClientTest, RefusesBadEntriesNamingThem) {
    auto problem = [](Json files, Json deleted = Json()) {
        auto batch = ParseClientBatch(files, deleted);
        return batch.ok() ? std::string() : batch.error().message();
    };
    const Json ok = {{"path", "a"}, {"size", 1}, {"mtime", 1}};
    EXPECT_NE(problem(Json::array({ok, {{"path", "../x"}, {"size", 1}, {"mtime", 1}}}))
                  .find("files[1].path '../x'"),
              std::string::npos);
    EXPECT_NE(
        problem(Json::array({{{"path", "/abs"}, {"size", 1}, {"mtime", 1}}})).find("absolute"),
        std::string::npos);
    EXPECT_NE(problem(Json::array({{{"path", "a"}, {"size", -1}, {"mtime", 1}}})).find(".size"),
              std::string::npos);
    EXPECT_NE(problem(Json::array({{{"path", "a"}, {"size", 1.5}, {"mtime", 1}}})).find(".size"),
              std::string::npos);
    EXPECT_NE(problem(Json::array({{{"path", "a"}, {"size", 1}, {"mtime", 1.7e12}}}))
                  .find("milliseconds"),
              std::string::npos);
    EXPECT_NE(problem(Json::array({{{"path", "a"}, {"size", 1}, {"mtime", 1}, {"hash", "abc"}}}))
                  .find("SHA-256"),
              std::string::npos);
    EXPECT_NE(problem(Json::array({ok, ok})).find("twice"), std::string::npos);
    EXPECT_NE(problem(Json::array({ok}), Json::array({"a"})).find("also sent"), std::string::npos);
    EXPECT_NE(problem(Json::array()).find("nothing to index"), std::string::npos);
    Json many = Json::array();
    for (int i = 0; i <= static_cast<int>(kMaxClientBatch); ++i) {
        many.push_back({{"path", "f" + std::to_string(i)}, {"size", 1}, {"mtime", 1}});
    }
    EXPECT_NE(problem(many).find("at most 1000"), std::string::npos);
}

TEST(FileClientTest, CursorsRoundTripAndAreBoundToTheirFilters) {
    const std::string mine = FilterFingerprint("pool", "", "src/", "");
    const std::string token = EncodeCursor({"0.5", "src/a b.cpp"}, mine);
    auto cursor = DecodeCursor(token, mine);
    ASSERT_TRUE(cursor.has_value());
    EXPECT_EQ(cursor->score, "0.5");
    EXPECT_EQ(cursor->path, "src/a b.cpp");
    EXPECT_FALSE(DecodeCursor(token, FilterFingerprint("pool", "", "src", "")).has_value());
    EXPECT_NE(FilterFingerprint("a", "b", "", ""), FilterFingerprint("", "ab", "", ""));
    EXPECT_FALSE(DecodeCursor("zz", mine).has_value());
    EXPECT_FALSE(DecodeCursor("abc", mine).has_value());
    EXPECT_FALSE(DecodeCursor("", mine).has_value());
    EXPECT_FALSE(DecodeCursor(EncodeCursor({"1; DROP TABLE x", "p"}, mine), mine).has_value());
    std::string tampered = token;
    tampered[4] = tampered[4] == '0' ? '1' : '0';
    EXPECT_FALSE(DecodeCursor(tampered, mine).has_value() &&
                 DecodeCursor(tampered, mine)->path == "src/a b.cpp" &&
                 DecodeCursor(tampered, mine)->score == "0.5");
}

}  // namespace
}  // namespace mnemo::files

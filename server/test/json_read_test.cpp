// SPDX-License-Identifier: MIT
// The fast JSON reader against nlohmann's parser: equal values (types included) on every text
// it reads, nlohmann's answer (or error) on every text it leaves to nlohmann.
#include "util/json_read.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "random_json.hpp"

namespace mnemo::util {
namespace {

using Json = nlohmann::json;

/// Equal as nlohmann compares, and of the same type at every level (nlohmann's == calls 1
/// and 1u and 1.0 equal).
bool Identical(const Json& a, const Json& b) {
    if (a.type() != b.type()) return false;
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
            if (ia.key() != ib.key() || !Identical(*ia, *ib)) return false;
        }
        return true;
    }
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!Identical(a[i], b[i])) return false;
        }
        return true;
    }
    if (a.is_number_float()) return a.dump() == b.dump();  // -0.0 and 0.0 differ
    return a == b;
}

/// Whatever `text` is: when the reader reads it, nlohmann parses it to the identical value;
/// ParseJson gives nlohmann's value or throws nlohmann's exception. Returns whether the fast
/// path read it.
bool ExpectAsNlohmann(std::string_view text) {
    Json expected;
    int error = 0;  // nlohmann's exception id: parse_error 101..., out_of_range 406
    try {
        expected = Json::parse(text);
    } catch (const Json::exception& e) {
        error = e.id;
    }
    const bool valid = error == 0;
    Json read;
    const bool fast = TryReadJson(text, read);
    if (fast) {
        EXPECT_TRUE(valid) << "read text nlohmann refuses: " << text;
        EXPECT_TRUE(valid && Identical(read, expected))
            << "text: " << text << "\nread: " << read.dump() << "\nnlohmann: " << expected.dump();
    }
    if (valid) {
        EXPECT_TRUE(Identical(ParseJson(text), expected)) << text;
    } else {
        try {
            (void)ParseJson(text);
            ADD_FAILURE() << "no error for: " << text;
        } catch (const Json::exception& e) {
            EXPECT_EQ(e.id, error) << text;
        }
    }
    return fast;
}

void ExpectRead(std::string_view text) {
    EXPECT_TRUE(ExpectAsNlohmann(text)) << "left to nlohmann: " << text;
}

TEST(JsonReadTest, ReadsScalarsWithNlohmannsTypes) {
    for (const char* text : {"null",
                             "true",
                             "false",
                             "0",
                             "-0",
                             "7",
                             "-7",
                             "123456789012345678",
                             "-123456789012345678",
                             "18446744073709551615",
                             "18446744073709551616",
                             "-9223372036854775808",
                             "-9223372036854775809",
                             "99999999999999999999999",
                             "0.5",
                             "-0.0",
                             "1e2",
                             "1E+2",
                             "2.5e-5",
                             "1.7976931348623157e308",
                             "\"\"",
                             "\"plain\"",
                             " \t\r\n 1 \n"}) {
        ExpectRead(text);
    }
    Json read;
    ASSERT_TRUE(TryReadJson("18446744073709551615", read));
    EXPECT_TRUE(read.is_number_unsigned());
    ASSERT_TRUE(TryReadJson("-1", read));
    EXPECT_TRUE(read.is_number_integer() && !read.is_number_unsigned());
    ASSERT_TRUE(TryReadJson("18446744073709551616", read));  // beyond uint64: a double
    EXPECT_TRUE(read.is_number_float());
}

TEST(JsonReadTest, DecodesEscapesAndKeepsUtf8) {
    ExpectRead(R"("a\"b\\c\/d\b\f\n\r\t")");
    ExpectRead(R"("\u0000\u001f\u00e9\u20AC\uFFFF")");
    ExpectRead(R"("\ud83d\ude00 and \uD83D\uDE00")");  // a surrogate pair
    ExpectRead("\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\x7f\"");
    Json read;
    ASSERT_TRUE(TryReadJson(R"({"k\u00e9y":"\ud83d\ude00"})", read));
    EXPECT_EQ(read.begin().key(), "k\xC3\xA9y");
    EXPECT_EQ(read.begin().value(), "\xF0\x9F\x98\x80");
}

TEST(JsonReadTest, ReadsStructuresAsNlohmannDoes) {
    ExpectRead("{}");
    ExpectRead("[]");
    ExpectRead(R"({"b" : 1, "a" : [true, null, {"x" : "y"}], "c" : {}})");  // PostgreSQL's json
    ExpectRead(R"({"a":1,"a":2})");                                         // the last one wins
    ExpectRead(R"({"a":{"x":1},"a":[2]})");
    ExpectRead(std::string(64, '[') + std::string(64, ']'));
    // Deeper than the reader goes: nlohmann's answer.
    EXPECT_FALSE(ExpectAsNlohmann(std::string(65, '[') + std::string(65, ']')));
}

TEST(JsonReadTest, LeavesWhatItDoesNotReadToNlohmann) {
    for (const std::string& text : std::vector<std::string>{"",
                                                            " ",
                                                            "nul",
                                                            "tru",
                                                            "[1,]",
                                                            "{\"a\":1,}",
                                                            "{\"a\" 1}",
                                                            "{a:1}",
                                                            "[1 2]",
                                                            "01",
                                                            "-",
                                                            "1.",
                                                            ".5",
                                                            "1e",
                                                            "1e+",
                                                            "+1",
                                                            "0x10",
                                                            "1e400",
                                                            "-1e400",
                                                            "4.9e-324",
                                                            "\"unterminated",
                                                            "\"bad \\x escape\"",
                                                            "\"\\u12\"",
                                                            "\"\\uD800\"",
                                                            "\"\\uD800\\u0041\"",
                                                            "\"\\uDC00\"",
                                                            "\"tab\there\"",
                                                            std::string("\"\0\"", 3),
                                                            "\"\xC0\xAF\"",
                                                            "\"\xED\xA0\x80\"",
                                                            "\"\xF5\x80\x80\x80\"",
                                                            "\"\xE2\x82\"",
                                                            "\"\x80\"",
                                                            "\xEF\xBB\xBF{}",
                                                            "{} {}",
                                                            "[] x",
                                                            "NaN",
                                                            "Infinity",
                                                            "[1]]"}) {
        ExpectAsNlohmann(text);
    }
}

TEST(JsonReadTest, RandomTextsReadAsNlohmannReadsThem) {
    test::RandomDocuments documents(20261207);
    int fast = 0;
    constexpr int kDocuments = 3000;
    for (int i = 0; i < kDocuments; ++i) {
        const Json document = documents.Document(4);
        // Compact, indented and ASCII-only (\u escapes, surrogate pairs) renderings.
        const std::string compact = document.dump(-1, ' ', false, Json::error_handler_t::replace);
        const std::string indented = document.dump(2, ' ', false, Json::error_handler_t::replace);
        const std::string ascii = document.dump(-1, ' ', true, Json::error_handler_t::replace);
        int read = 0;
        read += ExpectAsNlohmann(compact);
        read += ExpectAsNlohmann(indented);
        read += ExpectAsNlohmann(ascii);
        if (read == 3) ++fast;
        // And damaged: a byte changed, and the text cut short.
        std::string damaged = compact;
        damaged[static_cast<std::size_t>(i) % damaged.size()] = "\"\\{}[],:0\x80"[i % 11];
        ExpectAsNlohmann(damaged);
        ExpectAsNlohmann(std::string_view(compact).substr(0, compact.size() / 2));
        if (HasFailure()) FAIL() << "document " << i;
    }
    // Only texts with subnormal doubles (from_chars reports them out of range) may be left
    // to nlohmann: nearly every document takes the fast path.
    EXPECT_GT(fast, kDocuments * 99 / 100);
}

}  // namespace
}  // namespace mnemo::util

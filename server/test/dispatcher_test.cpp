// SPDX-License-Identifier: MIT
// The MCP dispatcher without a database: lifecycle, negotiation, errors, tool calls.
#include "mcp/dispatcher.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace mnemo::mcp {
namespace {

class DispatcherTest : public ::testing::Test {
protected:
    DispatcherTest() {
        registry_.Add({.name = "echo",
                       .title = "",
                       .description = "Echoes its text.",
                       .input_schema = {{"type", "object"},
                                        {"properties", {{"text", {{"type", "string"}}}}},
                                        {"required", {"text"}},
                                        {"additionalProperties", false}},
                       .annotations = Json::object(),
                       .handler =
                           [](const ToolCall& call) {
                               if (call.arguments["text"] == "throw")
                                   throw std::runtime_error("boom");
                               if (call.arguments["text"] == "fail") {
                                   return ToolResult::Error("test", "it failed");
                               }
                               call.Progress(0.5, 1, "half way");
                               return ToolResult::Ok({{"echo", call.arguments["text"]}});
                           },
                       .plan =
                           [](const Json& arguments, const Session&) {
                               return mnemo::mcp::ToolPlan::OfTenant(
                                   "tenant-" + arguments.value("text", std::string()));
                           }});
    }

    std::string Send(const std::string& line) { return dispatcher_.HandleText(line, session_); }
    Json SendJson(const std::string& line) { return Json::parse(Send(line)); }
    void Initialize(const char* version = "2025-11-25") {
        const Json reply =
            SendJson(std::string(R"({"jsonrpc":"2.0","id":0,"method":"initialize",
            "params":{"protocolVersion":")") +
                     version + R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
    }
    Json CallEcho(const std::string& arguments) {
        return SendJson(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo",
                           "arguments":)" +
                        arguments + "}}");
    }

    ToolRegistry registry_;
    Dispatcher dispatcher_{ServerInfo{"mnemo", "1.2.3", "", "use me"}, registry_};
    Session session_{"s"};
};

TEST_F(DispatcherTest, NegotiatesSupportedVersionsAndFallsBackToTheLatest) {
    for (const char* version : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
        Session session("v");
        const Json reply = Json::parse(dispatcher_.HandleText(
            std::string(
                R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")") +
                version + R"(","capabilities":{}}})",
            session));
        EXPECT_EQ(reply["result"]["protocolVersion"], version);
    }
    Initialize("2099-01-01");
    EXPECT_EQ(session_.protocol_version(), "2025-11-25");
}

TEST_F(DispatcherTest, InitializeDeclaresOnlyToolsAndGivesInstructions) {
    const Json reply = SendJson(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"2"}}})");
    EXPECT_EQ(reply["result"]["capabilities"],
              Json::parse(R"({"tools":{"listChanged":false},"logging":{}})"));
    EXPECT_EQ(reply["result"]["serverInfo"]["name"], "mnemo");
    EXPECT_EQ(reply["result"]["serverInfo"]["version"], "1.2.3");
    EXPECT_EQ(reply["result"]["instructions"], "use me");
    EXPECT_EQ(session_.client_info()["name"], "c");
}

TEST_F(DispatcherTest, InitializeWithoutAVersionIsInvalidParams) {
    const Json reply = SendJson(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
    EXPECT_EQ(reply["error"]["code"], kInvalidParams);
    EXPECT_FALSE(session_.initialized());
}

TEST_F(DispatcherTest, RequestsBeforeInitializeAreRefusedButPingWorks) {
    EXPECT_EQ(SendJson(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")["error"]["code"],
              kInvalidRequest);
    EXPECT_EQ(SendJson(R"({"jsonrpc":"2.0","id":2,"method":"ping"})")["result"], Json::object());
}

TEST_F(DispatcherTest, ProtocolErrorsUseTheRightCodes) {
    Initialize();
    EXPECT_EQ(SendJson("{oops")["error"]["code"], kParseError);
    EXPECT_EQ(SendJson(R"({"jsonrpc":"2.0","id":1})")["error"]["code"], kInvalidRequest);
    EXPECT_EQ(SendJson(R"({"jsonrpc":"2.0","id":1,"method":"no/such"})")["error"]["code"],
              kMethodNotFound);
    EXPECT_EQ(SendJson(R"([])")["error"]["code"], kInvalidRequest);
    EXPECT_EQ(
        SendJson(
            R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nope"}})")["error"]
                                                                                         ["code"],
        kInvalidParams);
    EXPECT_EQ(
        SendJson(
            R"({"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"cursor":"x"}})")["error"]
                                                                                        ["code"],
        kInvalidParams);
}

TEST_F(DispatcherTest, NotificationsAndResponsesGetNoReply) {
    Initialize();
    EXPECT_EQ(Send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"), "");
    EXPECT_EQ(
        Send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})"),
        "");
    EXPECT_EQ(Send(R"({"jsonrpc":"2.0","id":9,"result":{}})"), "");
}

TEST_F(DispatcherTest, BatchesAnswerEachRequest) {
    Initialize();
    const Json replies = SendJson(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},
                                      {"jsonrpc":"2.0","method":"notifications/initialized"},
                                      {"jsonrpc":"2.0","id":2,"method":"nope"}])");
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0]["id"], 1);
    EXPECT_EQ(replies[1]["error"]["code"], kMethodNotFound);
}

TEST_F(DispatcherTest, ListsToolsWithSchemas) {
    Initialize();
    const Json tools =
        SendJson(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")["result"]["tools"];
    ASSERT_EQ(tools.size(), 1u);
    EXPECT_EQ(tools[0]["name"], "echo");
    EXPECT_EQ(tools[0]["description"], "Echoes its text.");
    EXPECT_EQ(tools[0]["inputSchema"]["type"], "object");
}

TEST_F(DispatcherTest, ToolResultsCarryStructuredContentAndTheSameText) {
    Initialize();
    const Json result = CallEcho(R"({"text":"hi"})")["result"];
    EXPECT_FALSE(result["isError"].get<bool>());
    EXPECT_EQ(result["structuredContent"], Json::parse(R"({"echo":"hi"})"));
    EXPECT_EQ(Json::parse(result["content"][0]["text"].get<std::string>()),
              result["structuredContent"]);
}

TEST_F(DispatcherTest, ToolFailuresAreResultsNotCrashes) {
    Initialize();
    const Json invalid = CallEcho(R"({"text":3})")["result"];
    EXPECT_TRUE(invalid["isError"].get<bool>());
    EXPECT_EQ(invalid["content"][0]["text"],
              "Invalid arguments for echo: argument 'text': expected a string, got an integer");
    EXPECT_FALSE(invalid.contains("structuredContent"));
    EXPECT_EQ(CallEcho(R"({"text":"fail"})")["result"]["content"][0]["text"], "it failed");
    EXPECT_EQ(CallEcho(R"({"text":"throw"})")["result"]["content"][0]["text"],
              "Internal error: boom");
    EXPECT_EQ(CallEcho(R"("not an object")")["result"]["content"][0]["text"],
              "Invalid arguments for echo: arguments: expected an object, got a string");
    EXPECT_FALSE(CallEcho(R"({"text":"after"})")["result"]["isError"].get<bool>());
}

TEST_F(DispatcherTest, ProgressGoesToTheNotifierOnlyWithAToken) {
    Initialize();
    std::vector<Json> sent;
    const Notifier notify = [&sent](const Json& notification) { sent.push_back(notification); };
    const Json with_token = Json::parse(R"({"jsonrpc":"2.0","id":7,"method":"tools/call",
        "params":{"name":"echo","arguments":{"text":"hi"},"_meta":{"progressToken":"tok-1"}}})");
    const Json reply = dispatcher_.Handle(with_token, session_, notify);
    EXPECT_FALSE(reply["result"]["isError"].get<bool>());
    ASSERT_EQ(sent.size(), 2u);  // "running echo" at 0, then the tool's own 0.5
    for (const auto& notification : sent) {
        EXPECT_EQ(notification["method"], "notifications/progress");
        EXPECT_EQ(notification["params"]["progressToken"], "tok-1");
    }
    EXPECT_LT(sent[0]["params"]["progress"].get<double>(),
              sent[1]["params"]["progress"].get<double>());
    EXPECT_EQ(sent[1]["params"]["message"], "half way");

    sent.clear();
    const Json without_token = Json::parse(R"({"jsonrpc":"2.0","id":8,"method":"tools/call",
        "params":{"name":"echo","arguments":{"text":"hi"}}})");
    (void)dispatcher_.Handle(without_token, session_, notify);
    EXPECT_TRUE(sent.empty());
}

TEST_F(DispatcherTest, PlanNamesTheToolItsTenantAndWhetherProgressWasAsked) {
    const CallPlan plan = dispatcher_.Plan(Json::parse(R"({"jsonrpc":"2.0","id":1,
        "method":"tools/call","params":{"name":"echo","arguments":{"text":"x"},
        "_meta":{"progressToken":3}}})"),
                                           session_);
    ASSERT_NE(plan.tool, nullptr);
    EXPECT_EQ(plan.tool->name, "echo");
    EXPECT_TRUE(plan.tool->writes());  // no readOnlyHint
    EXPECT_EQ(plan.lease_tenant, "tenant-x");
    EXPECT_TRUE(plan.progress_requested);

    const CallPlan unknown = dispatcher_.Plan(
        Json::parse(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}})"),
        session_);
    EXPECT_EQ(unknown.tool, nullptr);
    EXPECT_TRUE(unknown.lease_tenant.empty());
    const CallPlan ping =
        dispatcher_.Plan(Json::parse(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"), session_);
    EXPECT_EQ(ping.tool, nullptr);
}

/// A tools/call request (id 1) of `tool` without arguments.
Json ToolCallMessage(const char* tool) {
    return Json{{"jsonrpc", "2.0"},
                {"id", 1},
                {"method", "tools/call"},
                {"params", {{"name", tool}, {"arguments", Json::object()}}}};
}

TEST(DispatcherPlanTest, APlanCarriesTheToolsProjectToItsHandlerAndWhetherItAsksTheClient) {
    ToolRegistry registry;
    Session session("s");
    session.SetInitialized("2025-11-25", Json::object(), Json::object());
    std::string handled_project = "(unplanned)";
    auto remember = [&handled_project](const ToolCall& call) {
        if (call.planned_project != nullptr) handled_project = call.planned_project->name;
        return ToolResult::Ok({});
    };
    registry.Add({.name = "planned",
                  .title = "",
                  .description = "Plans a project.",
                  .input_schema = {{"type", "object"}},
                  .annotations = Json::object(),
                  .handler = remember,
                  .plan =
                      [](const Json&, const Session&) {
                          ToolPlan plan = ToolPlan::OfTenant("t");
                          plan.project = PlannedProject{"from-plan", false};
                          return plan;
                      },
                  .caller_sql = false,
                  .asks_client = false});
    registry.Add({.name = "asks",
                  .title = "",
                  .description = "Always asks the client.",
                  .input_schema = {{"type", "object"}},
                  .annotations = Json::object(),
                  .handler = remember,
                  .plan = {},
                  .caller_sql = false,
                  .asks_client = true});
    const Dispatcher dispatcher(ServerInfo{"mnemo", "test", "", ""}, registry);
    const CallPlan plan = dispatcher.Plan(ToolCallMessage("planned"), session);
    ASSERT_TRUE(plan.project.has_value());
    EXPECT_EQ(plan.project->name, "from-plan");
    EXPECT_FALSE(plan.may_wait_on_client);
    const Json message = ToolCallMessage("planned");
    (void)dispatcher.Handle(message, Classify(message), session, {}, &plan);
    EXPECT_EQ(handled_project, "from-plan");
    // Without a plan, or with another message's, the handler gets none.
    handled_project = "(unplanned)";
    (void)dispatcher.Handle(message, session);
    EXPECT_EQ(handled_project, "(unplanned)");
    const CallPlan other = dispatcher.Plan(ToolCallMessage("asks"), session);
    EXPECT_TRUE(other.may_wait_on_client);
    EXPECT_FALSE(other.project.has_value());
    (void)dispatcher.Handle(message, Classify(message), session, {}, &other);
    EXPECT_EQ(handled_project, "(unplanned)");
}

TEST(DispatcherPlanTest, ACallPlannedNotToWaitOnTheClientCannotAskIt) {
    ToolRegistry registry;
    Session session("s");
    // The client can answer elicitation: only the plan stands in the way.
    session.SetInitialized("2025-11-25", Json::object(), Json{{"elicitation", Json::object()}});
    std::string refusal;
    auto ask = [&refusal](const ToolCall& call) {
        const ClientAnswer answer = call.RequestClient("elicitation/create", Json{{"message", "?"}},
                                                       std::chrono::milliseconds(1));
        refusal = answer.ok ? "" : answer.error;
        return ToolResult::Ok({});
    };
    for (const bool asks : {false, true}) {
        registry.Add({.name = asks ? "declares" : "undeclared",
                      .title = "",
                      .description = "Asks the client.",
                      .input_schema = {{"type", "object"}},
                      .annotations = Json::object(),
                      .handler = ask,
                      .plan = {},
                      .caller_sql = false,
                      .asks_client = asks});
    }
    const Dispatcher dispatcher(ServerInfo{"mnemo", "test", "", ""}, registry);
    int sent = 0;
    const Notifier notify = [&sent](const Json& message) {
        if (message.contains("id")) ++sent;  // a request to the client
    };
    auto run = [&](const char* tool, bool planned) {
        const Json message = ToolCallMessage(tool);
        const CallPlan plan = dispatcher.Plan(message, session);
        (void)dispatcher.Handle(message, Classify(message), session, notify,
                                planned ? &plan : nullptr);
    };
    run("undeclared", true);
    EXPECT_NE(refusal.find("planned not to wait on the client"), std::string::npos) << refusal;
    EXPECT_EQ(sent, 0);  // nothing reached the client
    run("declares", true);
    EXPECT_EQ(sent, 1);
    EXPECT_EQ(refusal.find("planned not to wait"), std::string::npos) << refusal;
    run("undeclared", false);  // unplanned (a transport that runs every call on a worker)
    EXPECT_EQ(sent, 2);
}

TEST_F(DispatcherTest, TheObserverSeesEveryToolCall) {
    Initialize();
    std::vector<std::string> seen;
    dispatcher_.SetToolObserver(
        [&seen](const std::string& tool, const ToolResult& result, std::chrono::nanoseconds) {
            seen.push_back(tool + (result.is_error ? ":error" : ":ok"));
        });
    (void)CallEcho(R"({"text":"a"})");
    (void)CallEcho(R"({"text":"fail"})");
    EXPECT_EQ(seen, (std::vector<std::string>{"echo:ok", "echo:error"}));
}

}  // namespace
}  // namespace mnemo::mcp

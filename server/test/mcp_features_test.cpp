// SPDX-License-Identifier: MIT
// The dispatcher's resources, prompts, completions, logging, subscriptions, requests to the
// client and cancellation, with fake providers (no database).
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mcp/dispatcher.hpp"

namespace mnemo::mcp {
namespace {

using namespace std::chrono_literals;

/// Items "item-000" … "item-<count-1>", pages of 10, cursor = the next index.
class NumberedResources final : public ResourceProvider {
public:
    explicit NumberedResources(int count) : count_(count) {}

    FeatureResult List(const Session&, const std::string& cursor) const override {
        int start = 0;
        if (!cursor.empty()) {
            try {
                start = std::stoi(cursor);
            } catch (...) {
                return FeatureResult::Error(kInvalidParams, "Invalid params: unknown cursor");
            }
        }
        Json resources = Json::array();
        for (int i = start; i < std::min(start + 10, count_); ++i) {
            resources.push_back({{"uri", Uri(i)}, {"name", Name(i)}});
        }
        Json page = {{"resources", resources}};
        if (start + 10 < count_) page["nextCursor"] = std::to_string(start + 10);
        return FeatureResult::Ok(page);
    }
    Json Templates() const override {
        return Json::array({{{"uriTemplate", "num://{n}"}, {"name", "numbered"}}});
    }
    bool Owns(std::string_view uri) const override { return uri.starts_with("num://"); }
    FeatureResult Read(const std::string& uri, const Session&) const override {
        if (uri != Uri(1)) return FeatureResult::Error(kResourceNotFound, "Resource not found");
        return FeatureResult::Ok({{"contents", {{{"uri", uri}, {"text", "one"}}}}});
    }
    FeatureResult Complete(const std::string&, const std::string&, const std::string& value,
                           const Json&, const Session&) const override {
        Json values = Json::array();
        for (int i = 0; i < count_; ++i) {
            if (Name(i).starts_with(value)) values.push_back(Name(i));
        }
        return FeatureResult::Ok(values);
    }

    static std::string Name(int i) {
        char text[24];
        std::snprintf(text, sizeof text, "item-%03d", i);
        return text;
    }
    static std::string Uri(int i) { return "num://" + Name(i); }

private:
    int count_;
};

class FeaturesTest : public ::testing::Test {
protected:
    FeaturesTest() {
        tools_.Add({.name = "ask",
                    .title = "",
                    .description = "Asks the client's model.",
                    .input_schema = {{"type", "object"}},
                    .annotations = Json::object(),
                    .handler =
                        [](const ToolCall& call) {
                            const auto answer =
                                call.RequestClient("sampling/createMessage", {{"maxTokens", 5}});
                            if (!answer.ok) return ToolResult::Error("client", answer.error);
                            return ToolResult::Ok({{"answer", answer.result}});
                        },
                    .plan = {}});
        tools_.Add({.name = "spin",
                    .title = "",
                    .description = "Runs until cancelled.",
                    .input_schema = {{"type", "object"}},
                    .annotations = Json::object(),
                    .handler =
                        [this](const ToolCall& call) {
                            spinning_ = true;
                            while (!call.Cancelled()) std::this_thread::sleep_for(1ms);
                            return ToolResult::Ok({{"stopped", true}});
                        },
                    .plan = {}});
        tools_.Add({.name = "chatty",
                    .title = "",
                    .description = "Logs at two levels.",
                    .input_schema = {{"type", "object"}},
                    .annotations = Json::object(),
                    .handler =
                        [](const ToolCall& call) {
                            call.Log(LogLevel::kDebug, "detail");
                            call.Log(LogLevel::kError, "trouble");
                            return ToolResult::Ok({});
                        },
                    .plan = {}});
        resources_.Add(std::make_unique<NumberedResources>(25));
        prompts_.Add(
            {.name = "greet",
             .title = "",
             .description = "Greets someone.",
             .arguments = {{"who", "Whom", true}, {"tone", "How", false}},
             .handler =
                 [](const Json& arguments, const Session&) {
                     return FeatureResult::Ok(
                         {{"messages",
                           {{{"role", "user"},
                             {"content",
                              {{"type", "text"},
                               {"text", "hello " + arguments["who"].get<std::string>()}}}}}}});
                 },
             .complete =
                 [](const std::string&, const std::string& value, const Json&, const Session&) {
                     Json values = Json::array();
                     for (int i = 0; i < 150; ++i) values.push_back(value + std::to_string(i));
                     return FeatureResult::Ok(values);
                 },
             .lease_tenant = {}});
        Initialize(session_, R"({"sampling":{}})");
    }

    void Initialize(Session& session, const char* capabilities) {
        const Json reply =
            Send(session, std::string(R"({"jsonrpc":"2.0","id":0,"method":"initialize",
            "params":{"protocolVersion":"2025-11-25","capabilities":)") +
                              capabilities + "}}");
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
    }
    Json Send(Session& session, const std::string& text, const Notifier& notify = {}) {
        return dispatcher_.Handle(Json::parse(text), session, notify);
    }
    Json Request(const std::string& method, const Json& params, const Notifier& notify = {}) {
        return dispatcher_.Handle(
            {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}}, session_,
            notify);
    }

    ToolRegistry tools_;
    ResourceRegistry resources_;
    PromptRegistry prompts_;
    Subscriptions subscriptions_;
    Dispatcher dispatcher_{ServerInfo{"mnemo", "1", "", ""}, tools_,
                           ServerFeatures{&resources_, &prompts_, &subscriptions_, 200ms}};
    Session session_{"s1", "alice"};
    std::atomic<bool> spinning_{false};
};

TEST_F(FeaturesTest, DeclaresTheCapabilitiesItServes) {
    Session fresh{"s2"};
    const Json reply = Send(fresh, R"({"jsonrpc":"2.0","id":0,"method":"initialize",
        "params":{"protocolVersion":"2025-11-25","capabilities":{}}})");
    EXPECT_EQ(reply["result"]["capabilities"], Json::parse(R"({"tools":{"listChanged":false},
        "logging":{},"resources":{"subscribe":true,"listChanged":false},
        "prompts":{"listChanged":false},"completions":{}})"));
}

TEST_F(FeaturesTest, ResourcesListPagesThroughEveryItemOnce) {
    std::vector<std::string> names;
    Json params = Json::object();
    for (int pages = 0; pages < 10; ++pages) {
        const Json reply = Request("resources/list", params);
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
        for (const auto& resource : reply["result"]["resources"]) names.push_back(resource["name"]);
        if (!reply["result"].contains("nextCursor")) break;
        params = {{"cursor", reply["result"]["nextCursor"]}};
    }
    ASSERT_EQ(names.size(), 25u);
    EXPECT_EQ(names.front(), "item-000");
    EXPECT_EQ(names.back(), "item-024");
    for (const char* bad : {"nonsense", "9:10", "0:x", ":"}) {
        EXPECT_EQ(Request("resources/list", {{"cursor", bad}})["error"]["code"], kInvalidParams)
            << bad;
    }
    EXPECT_EQ(Request("resources/list", {{"cursor", 3}})["error"]["code"], kInvalidParams);
}

TEST_F(FeaturesTest, ResourcesReadAnswersOrSaysNotFound) {
    EXPECT_EQ(
        Request("resources/read", {{"uri", "num://item-001"}})["result"]["contents"][0]["text"],
        "one");
    EXPECT_EQ(Request("resources/read", {{"uri", "num://item-002"}})["error"]["code"],
              kResourceNotFound);
    EXPECT_EQ(Request("resources/read", {{"uri", "other://x"}})["error"]["code"],
              kResourceNotFound);
    EXPECT_EQ(Request("resources/read", {{"uri", "no-scheme"}})["error"]["code"], kInvalidParams);
    EXPECT_EQ(Request("resources/read", {{"uri", 7}})["error"]["code"], kInvalidParams);
    EXPECT_EQ(Request("resources/read", {{"uri", std::string(5000, 'a') + ":x"}})["error"]["code"],
              kInvalidParams);
    EXPECT_EQ(Request("resources/templates/list",
                      Json::object())["result"]["resourceTemplates"][0]["uriTemplate"],
              "num://{n}");
}

TEST_F(FeaturesTest, SubscriptionsReachOnlyTheSubscribedSessionOfThatOwner) {
    std::mutex mutex;
    std::vector<std::pair<std::string, Json>> delivered;
    subscriptions_.SetDelivery([&](const std::string& key, const Json& notification) {
        std::lock_guard lock(mutex);
        delivered.emplace_back(key, notification);
    });
    Session other{"s3", "bob"};
    Initialize(other, "{}");
    EXPECT_EQ(Request("resources/subscribe", {{"uri", "num://item-001"}})["result"],
              Json::object());
    EXPECT_EQ(Send(other, R"({"jsonrpc":"2.0","id":2,"method":"resources/subscribe",
                   "params":{"uri":"num://item-001"}})")["result"],
              Json::object());
    subscriptions_.Publish("alice", "num://item-001");
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0].first, "s1");
    EXPECT_EQ(delivered[0].second["method"], "notifications/resources/updated");
    EXPECT_EQ(delivered[0].second["params"]["uri"], "num://item-001");

    EXPECT_EQ(Request("resources/unsubscribe", {{"uri", "num://item-001"}})["result"],
              Json::object());
    subscriptions_.Publish("alice", "num://item-001");
    EXPECT_EQ(delivered.size(), 1u);
    subscriptions_.Forget("s3");
    subscriptions_.Publish("bob", "num://item-001");
    EXPECT_EQ(delivered.size(), 1u);
    EXPECT_EQ(Request("resources/subscribe", {{"uri", "zzz://x"}})["error"]["code"],
              kResourceNotFound);
}

TEST_F(FeaturesTest, PromptsCheckTheirArguments) {
    EXPECT_EQ(Request("prompts/list", Json::object())["result"]["prompts"][0]["arguments"].size(),
              2u);
    const Json ok = Request("prompts/get", {{"name", "greet"}, {"arguments", {{"who", "ada"}}}});
    EXPECT_EQ(ok["result"]["messages"][0]["content"]["text"], "hello ada");
    for (const Json& bad :
         {Json{{"name", "greet"}}, Json{{"name", "greet"}, {"arguments", {{"who", 3}}}},
          Json{{"name", "greet"}, {"arguments", {{"who", "x"}, {"mood", "y"}}}},
          Json{{"name", "greet"}, {"arguments", "who"}}, Json{{"name", "nope"}},
          Json{{"name", 1}}}) {
        EXPECT_EQ(Request("prompts/get", bad)["error"]["code"], kInvalidParams) << bad.dump();
    }
}

TEST_F(FeaturesTest, CompletionsAreCappedAtOneHundredWithTotalAndHasMore) {
    const Json prompt =
        Request("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}},
                                        {"argument", {{"name", "who"}, {"value", "a"}}}});
    EXPECT_EQ(prompt["result"]["completion"]["values"].size(), 100u);
    EXPECT_EQ(prompt["result"]["completion"]["total"], 150);
    EXPECT_EQ(prompt["result"]["completion"]["hasMore"], true);
    const Json resource =
        Request("completion/complete", {{"ref", {{"type", "ref/resource"}, {"uri", "num://{n}"}}},
                                        {"argument", {{"name", "n"}, {"value", "item-02"}}}});
    EXPECT_EQ(resource["result"]["completion"]["values"],
              Json::parse(R"(["item-020","item-021","item-022","item-023","item-024"])"));
    EXPECT_EQ(resource["result"]["completion"]["hasMore"], false);
    for (const Json& bad : {Json{{"ref", {{"type", "ref/prompt"}, {"name", "nope"}}},
                                 {"argument", {{"name", "a"}, {"value", ""}}}},
                            Json{{"ref", {{"type", "ref/resource"}, {"uri", "x://{y}"}}},
                                 {"argument", {{"name", "y"}, {"value", ""}}}},
                            Json{{"ref", {{"type", "ref/tool"}, {"name", "ask"}}},
                                 {"argument", {{"name", "a"}, {"value", ""}}}},
                            Json{{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}}}}) {
        EXPECT_EQ(Request("completion/complete", bad)["error"]["code"], kInvalidParams)
            << bad.dump();
    }
}

TEST_F(FeaturesTest, LogMessagesFollowTheSessionLevel) {
    std::vector<Json> sent;
    const Notifier collect = [&sent](const Json& message) { sent.push_back(message); };
    const Json call = {{"name", "chatty"}, {"arguments", Json::object()}};
    ASSERT_TRUE(Request("tools/call", call, collect).contains("result"));
    EXPECT_TRUE(sent.empty()) << "no level set: no messages";

    EXPECT_EQ(Request("logging/setLevel", {{"level", "error"}})["result"], Json::object());
    ASSERT_TRUE(Request("tools/call", call, collect).contains("result"));
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0]["method"], "notifications/message");
    EXPECT_EQ(sent[0]["params"]["level"], "error");
    EXPECT_EQ(sent[0]["params"]["data"], "trouble");

    sent.clear();
    EXPECT_EQ(Request("logging/setLevel", {{"level", "debug"}})["result"], Json::object());
    ASSERT_TRUE(Request("tools/call", call, collect).contains("result"));
    EXPECT_EQ(sent.size(), 2u);
    EXPECT_EQ(Request("logging/setLevel", {{"level", "verbose"}})["error"]["code"], kInvalidParams);
    EXPECT_EQ(Request("logging/setLevel", Json::object())["error"]["code"], kInvalidParams);
}

TEST_F(FeaturesTest, ClientRequestsAreAnsweredByTheSameSessionOnly) {
    std::promise<Json> asked;
    const Notifier capture = [&asked](const Json& message) {
        if (message.contains("id")) asked.set_value(message);
    };
    auto reply = std::async(std::launch::async, [&] {
        return Request("tools/call", {{"name", "ask"}, {"arguments", Json::object()}}, capture);
    });
    const Json request = asked.get_future().get();
    EXPECT_EQ(request["method"], "sampling/createMessage");
    EXPECT_EQ(dispatcher_.waiting_client_requests(), 1u);
    const Json answer = {{"jsonrpc", "2.0"}, {"id", request["id"]}, {"result", {{"text", "hi"}}}};
    Session intruder{"s9", "alice"};
    EXPECT_NE(dispatcher_.DeliverResponse(answer, intruder), "");
    EXPECT_EQ(dispatcher_.DeliverResponse(answer, session_), "");
    const Json result = reply.get();
    EXPECT_EQ(result["result"]["structuredContent"]["answer"]["text"], "hi");
    EXPECT_NE(dispatcher_.DeliverResponse(answer, session_), "") << "answered twice";
    EXPECT_NE(
        dispatcher_.DeliverResponse({{"jsonrpc", "2.0"}, {"id", 42}, {"result", {}}}, session_),
        "");
    EXPECT_EQ(dispatcher_.waiting_client_requests(), 0u);
}

TEST_F(FeaturesTest, ClientRequestErrorsAndTimeoutsBecomeToolErrors) {
    const Notifier ignore = [](const Json&) {};
    const Json call = {{"name", "ask"}, {"arguments", Json::object()}};
    const auto started = std::chrono::steady_clock::now();
    const Json timed_out = Request("tools/call", call, ignore);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
    EXPECT_EQ(timed_out["result"]["isError"], true);
    EXPECT_EQ(timed_out["result"]["content"][0]["text"],
              "the client did not answer in time (200 ms)");
    EXPECT_EQ(dispatcher_.waiting_client_requests(), 0u);

    const Json no_channel = Request("tools/call", call);
    EXPECT_EQ(no_channel["result"]["isError"], true);

    Session plain{"s4"};
    Initialize(plain, "{}");
    const Json refused = dispatcher_.Handle(
        {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}, {"params", call}}, plain, ignore);
    EXPECT_EQ(refused["result"]["content"][0]["text"],
              "the client did not declare the \"sampling\" capability");

    std::promise<Json> asked;
    auto reply = std::async(std::launch::async, [&] {
        return Request("tools/call", call, [&asked](const Json& m) { asked.set_value(m); });
    });
    const Json request = asked.get_future().get();
    EXPECT_EQ(dispatcher_.DeliverResponse({{"jsonrpc", "2.0"},
                                           {"id", request["id"]},
                                           {"error", {{"code", -1}, {"message", "user declined"}}}},
                                          session_),
              "");
    EXPECT_EQ(reply.get()["result"]["content"][0]["text"],
              "the client answered with an error: user declined");
}

TEST_F(FeaturesTest, CancelledCallsStopAndSendNoResponse) {
    auto reply = std::async(std::launch::async, [&] {
        return dispatcher_.Handle({{"jsonrpc", "2.0"},
                                   {"id", "call-7"},
                                   {"method", "tools/call"},
                                   {"params", {{"name", "spin"}, {"arguments", Json::object()}}}},
                                  session_);
    });
    while (!spinning_) std::this_thread::sleep_for(1ms);
    // Another session's cancellation of the same id does nothing.
    Session other{"s5", "alice"};
    Initialize(other, "{}");
    EXPECT_TRUE(Send(other, R"({"jsonrpc":"2.0","method":"notifications/cancelled",
                      "params":{"requestId":"call-7"}})")
                    .is_null());
    EXPECT_EQ(reply.wait_for(50ms), std::future_status::timeout);
    EXPECT_TRUE(Send(session_, R"({"jsonrpc":"2.0","method":"notifications/cancelled",
                      "params":{"requestId":"call-7","reason":"user"}})")
                    .is_null());
    EXPECT_TRUE(reply.get().is_null());
    // Unknown ids are ignored.
    EXPECT_TRUE(Send(session_, R"({"jsonrpc":"2.0","method":"notifications/cancelled",
                      "params":{"requestId":99}})")
                    .is_null());
}

}  // namespace
}  // namespace mnemo::mcp

// SPDX-License-Identifier: MIT
// McpEndpoint against a fake backend: what reaches the client for each verdict, what the
// backend is asked for, and when. No database, no sockets.
#include "transport/mcp_endpoint.hpp"

#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace mnemo::transport {
namespace {

using Json = nlohmann::json;

/// Records what the endpoint answers.
class RecordingExchange final : public Exchange {
public:
    void Reply(HttpResponse response) override {
        replies.push_back(std::move(response));
        open_ = false;
    }
    void StartStream(HttpResponse head, bool /*keepalive*/) override {
        replies.push_back(std::move(head));
    }
    void StreamEvent(std::string data) override { events.push_back(std::move(data)); }
    void EndStream() override { open_ = false; }
    [[nodiscard]] bool open() const override { return open_; }
    [[nodiscard]] std::string client_address() const override { return "192.0.2.7"; }

    std::vector<HttpResponse> replies;
    std::vector<std::string> events;

private:
    bool open_ = true;
};

/// What the fake backend was asked, and what it answers.
struct Script {
    Verdict admit = Verdict::kAdmitted;
    std::string problem;
    std::string error_type;
    Principal principal{"alice", true};
    SessionRecord session{"alice", "2025-11-25", {{"name", "t"}}, Json::object(), "notes", ""};
    std::deque<Verdict> finish;  // the verdict of each Finish, in turn (then kAdmitted)

    int admits = 0;
    std::vector<LeaseNeed> needs;
    std::vector<std::optional<SessionRecord>> saved;
    std::vector<std::string> created;
    bool ran = false;
    std::function<void()> during_admit;  // runs inside each Admit, once
};

class FakeTicket final : public Ticket {
public:
    explicit FakeTicket(Script& script) : script_(script) {}
    void Run(const std::function<void()>& work) override {
        script_.ran = true;
        work();
    }
    std::optional<Verdict> Confirm() override { return Verdict::kAdmitted; }
    std::string CreateSession(const std::string& id, const SessionRecord& /*record*/) override {
        script_.created.push_back(id);
        return {};
    }
    std::optional<bool> DeleteSession(const std::string& /*id*/,
                                      std::string& /*problem*/) override {
        return true;
    }

private:
    Script& script_;
};

class FakeBackend final : public Backend {
public:
    explicit FakeBackend(Script& script) : script_(script) {}

    void Admit(const Post& /*post*/, std::optional<std::string> /*bearer*/, std::string session_id,
               std::chrono::steady_clock::time_point /*deadline*/, Planner planner,
               std::function<void(Admission)> then) override {
        ++script_.admits;
        if (auto during = std::exchange(script_.during_admit, nullptr)) during();
        Admission admission;
        admission.verdict = script_.admit;
        admission.problem = script_.problem;
        admission.error_type = script_.error_type;
        if (script_.admit == Verdict::kAdmitted) {
            admission.principal = script_.principal;
            if (!session_id.empty()) {
                admission.session = script_.session;
                script_.needs.push_back(planner(script_.principal, script_.session));
            }
            admission.ticket = std::make_unique<FakeTicket>(script_);
        }
        then(std::move(admission));
    }
    void Finish(const Post& /*post*/, std::unique_ptr<Ticket> /*ticket*/,
                std::optional<SessionRecord> changed, const std::string& /*session_id*/,
                std::function<void(Verdict)> then) override {
        script_.saved.push_back(std::move(changed));
        Verdict verdict = Verdict::kAdmitted;
        if (!script_.finish.empty()) {
            verdict = script_.finish.front();
            script_.finish.pop_front();
        }
        then(verdict);
    }
    [[nodiscard]] std::string NewSessionId() const override { return std::string(64, 'a'); }
    void Readiness(const Post& /*post*/, std::chrono::milliseconds /*budget*/,
                   std::function<void(bool, Json)> then) override {
        then(true, Json::object());
    }
    void MetricsText(const Post& /*post*/, std::int64_t /*open*/, std::int64_t /*waiting*/,
                     std::function<void(std::string)> then) override {
        then("");
    }

private:
    Script& script_;
};

class McpEndpointTest : public ::testing::Test {
protected:
    McpEndpointTest() {
        registry_.Add({.name = "echo",
                       .title = "",
                       .description = "Echoes its text.",
                       .input_schema = {{"type", "object"},
                                        {"properties", {{"text", {{"type", "string"}}}}},
                                        {"required", {"text"}}},
                       .annotations = {{"readOnlyHint", true}},
                       .handler =
                           [](const mcp::ToolCall& call) {
                               return mcp::ToolResult::Ok({{"echo", call.arguments["text"]}});
                           },
                       .plan =
                           [](const Json& arguments, const mcp::Session& session) {
                               return mcp::ToolPlan::OfTenant(
                                   session.selected_project() + "/" +
                                   arguments.value("text", std::string()));
                           }});
        registry_.Add({.name = "write",
                       .title = "",
                       .description = "Writes.",
                       .input_schema = {{"type", "object"}},
                       .annotations = Json::object(),
                       .handler = [](const mcp::ToolCall&) { return mcp::ToolResult::Ok({}); },
                       .plan = {}});
        // Plans the session's project and asks the client; answers with what it was handed.
        registry_.Add(
            {.name = "asking",
             .title = "",
             .description = "Asks the client.",
             .input_schema = {{"type", "object"}},
             .annotations = {{"readOnlyHint", true}},
             .handler =
                 [](const mcp::ToolCall& call) {
                     return mcp::ToolResult::Ok(
                         {{"planned", call.planned_project != nullptr ? call.planned_project->name
                                                                      : std::string("(none)")}});
                 },
             .plan =
                 [](const Json&, const mcp::Session& session) {
                     mcp::ToolPlan plan;
                     plan.project = mcp::PlannedProject{session.selected_project(), false};
                     return plan;
                 },
             .caller_sql = false,
             .asks_client = true});
    }

    /// POSTs `body` on session "s1" (none for initialize) and returns the exchange.
    std::shared_ptr<RecordingExchange> Post(const Json& body, bool with_session = true) {
        return PostTo(endpoint_, body, with_session);
    }
    static std::shared_ptr<RecordingExchange> PostTo(McpEndpoint& endpoint, const Json& body,
                                                     bool with_session = true) {
        HttpRequest request{http::verb::post, "/mcp", 11};
        request.set(http::field::host, "127.0.0.1:8080");
        request.set(http::field::accept, "application/json, text/event-stream");
        request.set(http::field::content_type, "application/json");
        request.set(http::field::authorization, "Bearer mnemo_token");
        if (with_session) request.set("Mcp-Session-Id", "s1");
        request.body() = body.dump();
        request.prepare_payload();
        auto exchange = std::make_shared<RecordingExchange>();
        endpoint.Handle(std::move(request), exchange);
        return exchange;
    }
    static Json Call(const std::string& tool, const Json& arguments) {
        return {{"jsonrpc", "2.0"},
                {"id", 7},
                {"method", "tools/call"},
                {"params", {{"name", tool}, {"arguments", arguments}}}};
    }
    static Json Body(const RecordingExchange& exchange) {
        return Json::parse(exchange.replies.at(0).body());
    }

    Script script_;
    FakeBackend backend_{script_};
    Config config_;
    mcp::ToolRegistry registry_;
    mcp::Dispatcher dispatcher_{mcp::ServerInfo{"mnemo", "1", "", ""}, registry_};
    util::AuthFailureLimiter limiter_{util::AuthFailureLimiter::Options{}};
    McpEndpoint endpoint_{config_,  dispatcher_,
                          backend_, [](std::function<void()> work) { work(); },
                          nullptr,  limiter_};
};

TEST_F(McpEndpointTest, TheCallIsPlannedOnTheStoredSessionAndTheBackendLeasesItsTenant) {
    auto exchange = Post(Call("echo", {{"text", "x"}}));
    ASSERT_EQ(exchange->replies.size(), 1u);
    EXPECT_EQ(exchange->replies[0].result(), http::status::ok);
    EXPECT_EQ(Body(*exchange)["result"]["structuredContent"]["echo"], "x");
    ASSERT_EQ(script_.needs.size(), 1u);
    EXPECT_EQ(script_.needs[0].tenant, "notes/x");  // the stored session's project
    EXPECT_EQ(script_.needs[0].label, "echo");
    ASSERT_EQ(script_.saved.size(), 1u);
    EXPECT_FALSE(script_.saved[0].has_value());  // nothing changed: nothing to save
}

TEST_F(McpEndpointTest, ThePlanTellsTheBackendTheCallMayWaitAndGivesTheToolItsProject) {
    auto exchange = Post(Call("asking", Json::object()));
    ASSERT_EQ(exchange->replies.size(), 1u);
    // The handler acts on the project the plan resolved on the stored session.
    EXPECT_EQ(Body(*exchange)["result"]["structuredContent"]["planned"], "notes");
    ASSERT_EQ(script_.needs.size(), 1u);
    EXPECT_TRUE(script_.needs[0].may_wait_on_client);
    EXPECT_TRUE(script_.needs[0].tenant.empty());
    (void)Post(Call("echo", {{"text", "x"}}));
    ASSERT_EQ(script_.needs.size(), 2u);
    EXPECT_FALSE(script_.needs[1].may_wait_on_client);
}

TEST_F(McpEndpointTest, EachRefusalOfTheBackendHasItsStatus) {
    script_.admit = Verdict::kBadToken;
    auto bad = Post(Call("echo", {{"text", "x"}}));
    EXPECT_EQ(bad->replies.at(0).result(), http::status::unauthorized);
    EXPECT_NE(bad->replies[0][http::field::www_authenticate].find("invalid_token"),
              std::string::npos);
    script_.admit = Verdict::kNoSession;
    EXPECT_EQ(Post(Call("echo", {{"text", "x"}}))->replies.at(0).result(), http::status::not_found);
    script_.admit = Verdict::kUnavailable;
    script_.problem = "pool timeout after 5000 ms";
    script_.error_type = "pool_timeout";
    // A tool call that got no connection is a tool error; anything else is 503.
    auto tool = Post(Call("echo", {{"text", "x"}}));
    EXPECT_EQ(tool->replies.at(0).result(), http::status::ok);
    EXPECT_TRUE(Body(*tool)["result"]["isError"].get<bool>());
    EXPECT_NE(Body(*tool).dump().find("pool timeout after 5000 ms"), std::string::npos);
    auto ping = Post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}});
    EXPECT_EQ(ping->replies.at(0).result(), http::status::service_unavailable);
    EXPECT_FALSE(script_.ran);  // nothing ran for a request the backend did not admit
}

TEST_F(McpEndpointTest, AnAnswerIsWithheldWhenTheCheckFailsAtTheEnd) {
    script_.finish = {Verdict::kBadToken};
    auto exchange = Post(Call("echo", {{"text", "secret"}}));
    ASSERT_EQ(exchange->replies.size(), 1u);
    EXPECT_EQ(exchange->replies[0].result(), http::status::unauthorized);
    EXPECT_EQ(exchange->replies[0].body().find("secret"), std::string::npos);
}

TEST_F(McpEndpointTest, ASessionChangedElsewhereIsAdmittedOnceMoreThenAnswered) {
    script_.finish = {Verdict::kChanged};
    auto exchange = Post(Call("echo", {{"text", "x"}}));
    EXPECT_EQ(script_.admits, 2);
    ASSERT_EQ(exchange->replies.size(), 1u);
    EXPECT_EQ(exchange->replies[0].result(), http::status::ok);
    // Twice in a row: answered 503, never a loop.
    script_.admits = 0;
    script_.finish = {Verdict::kChanged, Verdict::kChanged};
    auto again = Post(Call("echo", {{"text", "x"}}));
    EXPECT_EQ(script_.admits, 2);
    EXPECT_EQ(again->replies.at(0).result(), http::status::service_unavailable);
}

TEST_F(McpEndpointTest, ASessionChangeGoesToTheBackendToBeSaved) {
    auto exchange = Post({{"jsonrpc", "2.0"},
                          {"id", 3},
                          {"method", "logging/setLevel"},
                          {"params", {{"level", "warning"}}}});
    EXPECT_EQ(exchange->replies.at(0).result(), http::status::ok);
    ASSERT_EQ(script_.saved.size(), 1u);
    ASSERT_TRUE(script_.saved[0].has_value());
    EXPECT_EQ(script_.saved[0]->log_level, "warning");
    EXPECT_EQ(script_.saved[0]->selected_project, "notes");
}

TEST_F(McpEndpointTest, AReadOnlyTokenIsRefusedAWritingToolBeforeItRuns) {
    script_.principal.can_write = false;
    auto exchange = Post(Call("write", Json::object()));
    EXPECT_EQ(exchange->replies.at(0).result(), http::status::forbidden);
    EXPECT_FALSE(script_.ran);
}

TEST_F(McpEndpointTest, InitializeStoresTheSessionThroughTheTicket) {
    auto exchange = Post({{"jsonrpc", "2.0"},
                          {"id", 1},
                          {"method", "initialize"},
                          {"params",
                           {{"protocolVersion", "2025-11-25"},
                            {"capabilities", Json::object()},
                            {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}},
                         false);
    ASSERT_EQ(exchange->replies.size(), 1u);
    EXPECT_EQ(exchange->replies[0].result(), http::status::ok);
    ASSERT_EQ(script_.created.size(), 1u);
    EXPECT_EQ(exchange->replies[0]["Mcp-Session-Id"], script_.created[0]);
}

/// Lends the calling thread to one request at a time, as IoLoops lends a loop's thread.
class OneAtATimeLender final : public ThreadLender {
public:
    bool TryLend() override { return !std::exchange(lent, true); }
    void Return() override { lent = false; }
    bool lent = false;
};

TEST_F(McpEndpointTest, ARequestRunsOnItsIoThreadWhenTheLenderAllowsElseOnAWorker) {
    OneAtATimeLender lender;
    std::vector<std::function<void()>> posted;
    McpEndpoint endpoint{
        config_,  dispatcher_,
        backend_, [&](std::function<void()> work) { posted.push_back(std::move(work)); },
        &lender,  limiter_};
    // Lent: admitted and answered on this thread, before Handle returns; nothing posted.
    auto first = PostTo(endpoint, Call("echo", {{"text", "a"}}));
    ASSERT_EQ(first->replies.size(), 1u);
    EXPECT_EQ(first->replies[0].result(), http::status::ok);
    EXPECT_TRUE(posted.empty());
    EXPECT_FALSE(lender.lent);  // returned after the answer

    // A second request arriving while this thread runs one: the lender refuses, so it goes
    // to a worker and is answered only when the worker runs it.
    std::shared_ptr<RecordingExchange> second;
    script_.during_admit = [&] { second = PostTo(endpoint, Call("echo", {{"text", "b"}})); };
    auto outer = PostTo(endpoint, Call("echo", {{"text", "c"}}));
    EXPECT_EQ(outer->replies.size(), 1u);
    ASSERT_NE(second, nullptr);
    EXPECT_TRUE(second->replies.empty());
    ASSERT_EQ(posted.size(), 1u);
    posted[0]();
    ASSERT_EQ(second->replies.size(), 1u);
    EXPECT_EQ(Body(*second)["result"]["structuredContent"]["echo"], "b");

    // The lent thread came back: the next request runs here again.
    posted.clear();
    EXPECT_EQ(PostTo(endpoint, Call("echo", {{"text", "d"}}))->replies.size(), 1u);
    EXPECT_TRUE(posted.empty());
}

}  // namespace
}  // namespace mnemo::transport

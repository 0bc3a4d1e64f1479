// SPDX-License-Identifier: MIT
// Claude Code hooks against a real database: guards through the tools, each event's answer,
// automatic handovers and how they yield to sleep.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "hooks/hook_handler.hpp"
#include "mcp/dispatcher.hpp"
#include "server_pg_support.hpp"
#include "tools/tool_support.hpp"

namespace mnemo {
namespace {

using mcp::Json;
using testing::TestDatabase;
using testing::UniqueProject;

std::string Fixture(const std::string& name) {
    std::ifstream in(std::string(MNEMO_SOURCE_DIR) + "/test/fixtures/claude_code/" + name);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class HooksTest : public ::testing::Test {
protected:
    void SetUp() override {
        config_ = TestDatabase::Shared().MakeConfig(4);
        project_ = UniqueProject("hooks");
        config_.default_project = project_;
        auto db = cli::OpenDatabase(config_);
        ASSERT_TRUE(db.ok()) << db.error().message();
        db_ = std::move(db).value();
        services_ = std::make_unique<tools::ToolServices>(tools::ToolServices{*db_.store, config_});
        tools::RegisterMemoryTools(registry_, *services_);
        dispatcher_ =
            std::make_unique<mcp::Dispatcher>(mcp::ServerInfo{"mnemo", "test", "", ""}, registry_);
        const Json init =
            dispatcher_->Handle({{"jsonrpc", "2.0"},
                                 {"id", 0},
                                 {"method", "initialize"},
                                 {"params",
                                  {{"protocolVersion", "2025-11-25"},
                                   {"capabilities", Json::object()},
                                   {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}},
                                session_);
        ASSERT_TRUE(init.contains("result")) << init.dump();
        handler_ = std::make_unique<hooks::HookHandler>(*db_.store, hooks::HookSettings{});
    }

    Json Call(const std::string& tool, Json arguments) {
        const Json reply =
            dispatcher_->Handle({{"jsonrpc", "2.0"},
                                 {"id", ++id_},
                                 {"method", "tools/call"},
                                 {"params", {{"name", tool}, {"arguments", arguments}}}},
                                session_);
        EXPECT_TRUE(reply.contains("result")) << reply.dump();
        return reply.value("result", Json::object());
    }
    Json CallOk(const std::string& tool, Json arguments) {
        Json result = Call(tool, std::move(arguments));
        EXPECT_FALSE(result.value("isError", false)) << result.dump();
        return result.value("structuredContent", Json::object());
    }

    /// Runs the handler on a fixture event (cwd /tmp/project) with `changes` merged in; returns
    /// the JSON Claude Code would get (null: nothing printed).
    Json Hook(const std::string& fixture, const Json& changes = Json::object(),
              bool can_write = true) {
        Json body = Json::parse(Fixture(fixture));
        body.update(changes);
        auto event = hooks::ParseHookEvent(body.dump(), std::nullopt);
        EXPECT_TRUE(event.ok()) << (event.ok() ? "" : event.error().message());
        if (!event.ok()) return nullptr;
        auto outcome = handler_->Handle(memory::ProjectRef(project_), *event, can_write);
        EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().message());
        return outcome.ok() ? outcome->output : Json();
    }

    std::string WriteTranscript(const std::string& text) {
        const std::string path = ::testing::TempDir() + "/" + project_ + ".jsonl";
        std::ofstream(path) << text;
        return path;
    }

    void LockRules() {
        CallOk(
            "lock_context",
            {{"topic", "rules/no-force-push"},
             {"content", "Never force-push to main; open a pull request."},
             {"priority", "always_check"},
             {"guard", {{"pattern", R"(git\s+push\s+.*(--force|-f\b))"}, {"decision", "deny"}}}});
        CallOk("lock_context", {{"topic", "rules/migrations"},
                                {"content", "Migrations are append-only: ask before editing one."},
                                {"priority", "always_check"},
                                {"guard", {{"pattern", "^sql/"}, {"decision", "ask"}}}});
        CallOk("lock_context",
               {{"topic", "rules/deploy"},
                {"content", "Always deploy production releases through the release pipeline."},
                {"priority", "always_check"}});
    }

    Config config_;
    std::string project_;
    cli::Database db_;
    std::unique_ptr<tools::ToolServices> services_;
    mcp::ToolRegistry registry_;
    std::unique_ptr<mcp::Dispatcher> dispatcher_;
    std::unique_ptr<hooks::HookHandler> handler_;
    mcp::Session session_{"hooks-session"};
    int id_ = 0;
};

TEST_F(HooksTest, GuardsAreStoredShownKeptAndCleared) {
    LockRules();
    const Json recalled = CallOk("recall_context", {{"topic", "rules/no-force-push"}});
    EXPECT_EQ(recalled["guard"]["decision"], "deny");
    EXPECT_EQ(recalled["guard"]["pattern"], R"(git\s+push\s+.*(--force|-f\b))");
    const Json tree = CallOk("explore_context_tree", {{"prefix", "rules/"}});
    EXPECT_NE(tree.dump().find("\"guard\":{\"decision\":\"ask\",\"pattern\":\"^sql/\"}"),
              std::string::npos)
        << tree.dump();
    // A new version without `guard` keeps the guard; decision "none" removes it.
    CallOk("lock_context", {{"topic", "rules/migrations"}, {"content", "Ask first. Always."}});
    EXPECT_EQ(CallOk("recall_context", {{"topic", "rules/migrations"}})["guard"]["pattern"],
              "^sql/");
    CallOk("lock_context", {{"topic", "rules/migrations"},
                            {"content", "Free for all."},
                            {"guard", {{"decision", "none"}}}});
    EXPECT_TRUE(CallOk("recall_context", {{"topic", "rules/migrations"}})["guard"].is_null());
    EXPECT_TRUE(Hook("pre_tool_use_edit.json").is_null()) << "a cleared guard no longer asks";
}

TEST_F(HooksTest, BadGuardsAreRefusedAndNothingIsStored) {
    Json bad = Call("lock_context", {{"topic", "rules/bad"},
                                     {"content", "x"},
                                     {"guard", {{"pattern", "(oops"}, {"decision", "deny"}}}});
    EXPECT_TRUE(bad.value("isError", false));
    EXPECT_NE(bad["content"][0]["text"].get<std::string>().find("not a valid regular expression"),
              std::string::npos);
    Json too_long = Call("lock_context",
                         {{"topic", "rules/bad"},
                          {"content", "x"},
                          {"guard", {{"pattern", std::string(1001, 'a')}, {"decision", "ask"}}}});
    EXPECT_TRUE(too_long.value("isError", false));
    EXPECT_NE(too_long["content"][0]["text"].get<std::string>().find("the limit is 1000"),
              std::string::npos);
    Json no_pattern =
        Call("lock_context",
             {{"topic", "rules/bad"}, {"content", "x"}, {"guard", {{"decision", "deny"}}}});
    EXPECT_TRUE(no_pattern.value("isError", false));
    EXPECT_TRUE(Call("recall_context", {{"topic", "rules/bad"}}).value("isError", false));
}

TEST_F(HooksTest, PreToolUseDeniesAsksOrStaysOutOfTheWay) {
    LockRules();
    const Json deny = Hook("pre_tool_use_bash.json");
    ASSERT_TRUE(deny.is_object()) << deny.dump();
    const Json& out = deny["hookSpecificOutput"];
    EXPECT_EQ(out["hookEventName"], "PreToolUse");
    EXPECT_EQ(out["permissionDecision"], "deny");
    const std::string reason = out["permissionDecisionReason"];
    EXPECT_NE(reason.find("rules/no-force-push"), std::string::npos) << reason;
    EXPECT_NE(reason.find("Never force-push to main"), std::string::npos) << reason;

    // Edit by path: the guard matches the path relative to cwd.
    const Json ask = Hook("pre_tool_use_edit.json");
    EXPECT_EQ(ask["hookSpecificOutput"]["permissionDecision"], "ask") << ask.dump();
    EXPECT_NE(ask.dump().find("rules/migrations"), std::string::npos);

    // Write elsewhere: no guard, no decision.
    const Json write = Hook("pre_tool_use_write.json");
    EXPECT_FALSE(write.is_object() && write["hookSpecificOutput"].contains("permissionDecision"))
        << write.dump();
    // A safe command: nothing.
    EXPECT_TRUE(
        Hook("pre_tool_use_bash.json", {{"tool_input", {{"command", "git status"}}}}).is_null());
    // Similarity alone never blocks: the deploy rule has no guard, a deploy command gets the
    // rule as context at most.
    const Json deploy = Hook("pre_tool_use_bash.json",
                             {{"tool_input", {{"command", "./deploy production release"}}}});
    if (deploy.is_object()) {
        EXPECT_FALSE(deploy["hookSpecificOutput"].contains("permissionDecision")) << deploy.dump();
        EXPECT_NE(deploy.dump().find("rules/deploy"), std::string::npos);
    }
    // Tools mnemo does not watch get nothing.
    EXPECT_TRUE(Hook("pre_tool_use_bash.json",
                     {{"tool_name", "Read"}, {"tool_input", {{"file_path", "/tmp/project/sql/x"}}}})
                    .is_null());
}

TEST_F(HooksTest, SessionStartBriefsRulesFirstWithPendingItemsWithinBounds) {
    EXPECT_TRUE(Hook("session_start.json").is_null()) << "a project without memory: nothing";
    LockRules();
    CallOk("sleep", {{"summary", "Parser half done."}, {"pending", {"finish the lexer"}}});
    for (int i = 0; i < 12; ++i) {
        CallOk("lock_context", {{"topic", "rules/long-" + std::to_string(i)},
                                {"content", std::string(2500, 'a' + static_cast<char>(i))},
                                {"priority", "always_check"}});
    }
    const Json answer = Hook("session_start.json");
    ASSERT_TRUE(answer.is_object());
    EXPECT_EQ(answer["hookSpecificOutput"]["hookEventName"], "SessionStart");
    const std::string text = answer["hookSpecificOutput"]["additionalContext"];
    EXPECT_LE(text.size(), 8000u);
    EXPECT_NE(text.find("rules/deploy"), std::string::npos);
    CallOk("unlock_context", {{"topic", "rules/long-0"}, {"force", true}});
    for (int i = 1; i < 12; ++i) {
        CallOk("unlock_context", {{"topic", "rules/long-" + std::to_string(i)}, {"force", true}});
    }
    const std::string short_text =
        Hook("session_start.json")["hookSpecificOutput"]["additionalContext"];
    EXPECT_LT(short_text.find("rules/no-force-push"), short_text.find("Parser half done."));
    EXPECT_NE(short_text.find("finish the lexer"), std::string::npos);
}

TEST_F(HooksTest, UserPromptSubmitAddsOnlyRelevantRules) {
    LockRules();
    const Json related = Hook("user_prompt_submit.json");
    ASSERT_TRUE(related.is_object()) << "deploying production is what rules/deploy is about";
    EXPECT_EQ(related["hookSpecificOutput"]["hookEventName"], "UserPromptSubmit");
    EXPECT_NE(related.dump().find("release pipeline"), std::string::npos) << related.dump();
    EXPECT_TRUE(Hook("user_prompt_submit.json",
                     {{"prompt", "write a haiku about autumn leaves in the park"}})
                    .is_null());
}

TEST_F(HooksTest, AutomaticHandoversAreStoredOnceAndMarked) {
    const std::string transcript = WriteTranscript(Fixture("transcript.jsonl"));
    EXPECT_TRUE(Hook("pre_compact.json", {{"transcript_path", transcript}}).is_null());
    Json last = CallOk("get_last_handover", Json::object());
    EXPECT_TRUE(last.value("automatic", false)) << last.dump();
    EXPECT_NE(last["summary"].get<std::string>().find("all 42 tests pass"), std::string::npos);
    EXPECT_EQ(last["summary"].get<std::string>().find("sk-ant"), std::string::npos);
    EXPECT_EQ(last.dump().find("hunter2"), std::string::npos);
    // SessionEnd of the same conversation updates it rather than adding a second.
    Hook("session_end.json", {{"transcript_path", transcript}});
    const Json status = CallOk("wake_up", Json::object());
    EXPECT_EQ(status["counts"]["handovers"], 1);
    EXPECT_TRUE(status["handover"]["automatic"].get<bool>());
    const std::string briefing =
        Hook("session_start.json")["hookSpecificOutput"]["additionalContext"];
    EXPECT_NE(briefing.find("automatic"), std::string::npos);
}

TEST_F(HooksTest, AHandoverWrittenBySleepIsNeverReplaced) {
    // The conversation started before its sleep call (transcript timestamps are in the past).
    const std::string transcript = WriteTranscript(Fixture("transcript.jsonl"));
    CallOk("sleep", {{"summary", "Written by sleep."}, {"pending", {"ship it"}}});
    Hook("session_end.json", {{"transcript_path", transcript}});
    Json last = CallOk("get_last_handover", Json::object());
    EXPECT_EQ(last["summary"], "Written by sleep.");
    EXPECT_FALSE(last.value("automatic", true));
    EXPECT_EQ(CallOk("wake_up", Json::object())["counts"]["handovers"], 1);
    // A transcript that shows the sleep call is enough, whatever the server's name.
    const std::string with_sleep = WriteTranscript(
        R"({"type":"user","timestamp":"2099-01-01T00:00:00Z","message":{"content":"work"}})"
        "\n"
        R"({"type":"assistant","message":{"content":[{"type":"tool_use","name":"mcp__mnemo__sleep","input":{}}]}})"
        "\n");
    Hook("pre_compact.json", {{"transcript_path", with_sleep}, {"session_id", "other"}});
    EXPECT_EQ(CallOk("wake_up", Json::object())["counts"]["handovers"], 1);
}

TEST_F(HooksTest, AReadOnlyCallerCannotStoreAHandover) {
    const std::string transcript = WriteTranscript(Fixture("transcript.jsonl"));
    Json body = Json::parse(Fixture("session_end.json"));
    body["transcript_path"] = transcript;
    auto event = hooks::ParseHookEvent(body.dump(), std::nullopt);
    ASSERT_TRUE(event.ok());
    auto outcome = handler_->Handle(memory::ProjectRef(project_), *event, /*can_write=*/false);
    ASSERT_FALSE(outcome.ok());
    EXPECT_NE(outcome.error().message().find("read-only"), std::string::npos);
}

}  // namespace
}  // namespace mnemo

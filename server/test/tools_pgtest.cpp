// SPDX-License-Identifier: MIT
// Tools through the MCP dispatcher on a real database: project resolution, errors, limits.
#include <gtest/gtest.h>

#include "mcp/dispatcher.hpp"
#include "memory/migrations.hpp"
#include "server_pg_support.hpp"
#include "tools/tool_support.hpp"

namespace mnemo {
namespace {

using mcp::Json;
using testing::TestDatabase;
using testing::UniqueProject;

class ToolsTest : public ::testing::Test {
protected:
    void Start(Config config) {
        config_ = std::move(config);
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
    }
    void SetUp() override {
        Config config = TestDatabase::Shared().MakeConfig(4);
        config.default_project = UniqueProject("dflt");
        Start(config);
    }

    /// Calls a tool; returns the CallToolResult.
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
    static std::string Text(const Json& result) { return result["content"][0]["text"]; }

    Config config_;
    cli::Database db_;
    std::unique_ptr<tools::ToolServices> services_;
    mcp::ToolRegistry registry_;
    std::unique_ptr<mcp::Dispatcher> dispatcher_;
    mcp::Session session_{"test-session"};
    int id_ = 0;
};

TEST_F(ToolsTest, TheDefaultProjectIsCreatedOnFirstUse) {
    const Json locked = Call("lock_context", {{"topic", "t"}, {"content", "We must test."}});
    ASSERT_FALSE(locked["isError"].get<bool>()) << Text(locked);
    EXPECT_EQ(locked["structuredContent"]["project"], config_.default_project);
    EXPECT_EQ(locked["structuredContent"]["priority"], "always_check");
    EXPECT_TRUE(locked["structuredContent"]["priority_inferred"].get<bool>());
    EXPECT_EQ(Json::parse(Text(locked)), locked["structuredContent"]);
}

TEST_F(ToolsTest, ProjectResolutionPrefersArgumentThenSelectionThenDefault) {
    const std::string chosen = UniqueProject("chosen");
    const std::string explicit_project = UniqueProject("explicit");
    ASSERT_FALSE(Call("create_project", {{"name", chosen}})["isError"].get<bool>());
    ASSERT_FALSE(Call("create_project", {{"name", explicit_project}})["isError"].get<bool>());

    const Json selected = Call("select_project", {{"name", chosen}});
    ASSERT_FALSE(selected["isError"].get<bool>()) << Text(selected);
    EXPECT_EQ(selected["structuredContent"]["briefing"]["project"], chosen);
    EXPECT_EQ(Call("wake_up", Json::object())["structuredContent"]["project"], chosen);
    EXPECT_EQ(Call("wake_up", {{"project", explicit_project}})["structuredContent"]["project"],
              explicit_project);

    const Json missing = Call("wake_up", {{"project", UniqueProject("nope")}});
    EXPECT_TRUE(missing["isError"].get<bool>());
    EXPECT_NE(Text(missing).find("does not exist"), std::string::npos);
    EXPECT_NE(Text(missing).find("create_project"), std::string::npos);

    const Json unknown = Call("select_project", {{"name", UniqueProject("nope")}});
    EXPECT_TRUE(unknown["isError"].get<bool>());
    EXPECT_EQ(session_.selected_project(), chosen);  // a failed selection changes nothing
}

TEST_F(ToolsTest, WithoutAnyProjectTheErrorListsProjectsAndSaysWhatToDo) {
    Config config = TestDatabase::Shared().MakeConfig(2);
    config.default_project = "";
    registry_ = mcp::ToolRegistry();
    Start(config);
    const std::string existing = UniqueProject("listed");
    ASSERT_FALSE(Call("create_project", {{"name", existing}})["isError"].get<bool>());
    const Json result = Call("recall_context", {{"topic", "x"}});
    EXPECT_TRUE(result["isError"].get<bool>());
    EXPECT_NE(Text(result).find("select_project"), std::string::npos);
    EXPECT_NE(Text(result).find(existing), std::string::npos);
}

TEST_F(ToolsTest, BadArgumentsGetMessagesNamingTheArgument) {
    EXPECT_EQ(Text(Call("lock_context", {{"topic", "t"}})),
              "Invalid arguments for lock_context: argument 'content' is required");
    EXPECT_EQ(Text(Call("lock_context", {{"topic", "t"}, {"content", "c"}, {"tags", "x"}})),
              "Invalid arguments for lock_context: argument 'tags': expected an array, got a "
              "string");
    EXPECT_EQ(
        Text(Call("lock_context", {{"topic", "t"}, {"content", "c"}, {"priority", "urgent"}})),
        "Invalid arguments for lock_context: argument 'priority': must be one of "
        "[\"always_check\",\"important\",\"reference\"]");
    EXPECT_NE(Text(Call("lock_context", {{"topic", "a\nb"}, {"content", "c"}})).find("control"),
              std::string::npos);
    EXPECT_EQ(Text(Call("create_project", {{"name", "..."}})),
              "Invalid arguments for create_project: argument 'name': '...' cannot be made a "
              "project name: project names are 1-64 characters of a-z, 0-9, '_' and '-', "
              "starting with a letter or digit (upper case is lowered, other characters become "
              "'-')");
    EXPECT_NE(Text(Call("search_contexts", {{"query", "x"}, {"cursor", "garbage"}})).find("cursor"),
              std::string::npos);
    EXPECT_NE(Text(Call("wake_up", {{"verbose", true}})).find("unknown argument 'verbose'"),
              std::string::npos);
}

TEST_F(ToolsTest, ContentOverTheLimitIsRefusedAndNothingIsStored) {
    config_.max_content_bytes = 1000;
    const Json result =
        Call("lock_context", {{"topic", "big"}, {"content", std::string(1001, 'x')}});
    EXPECT_TRUE(result["isError"].get<bool>());
    EXPECT_NE(Text(result).find("limit is 1000 bytes"), std::string::npos);
    EXPECT_TRUE(Call("recall_context", {{"topic", "big"}})["isError"].get<bool>());
}

TEST_F(ToolsTest, LongContentsAreRecalledInPiecesThatJoinUpExactly) {
    std::string content;
    for (int i = 0; i < 30'000; ++i) content += "é" + std::to_string(i % 10);  // 60 000 chars
    ASSERT_FALSE(
        Call("lock_context", {{"topic", "long"}, {"content", content}})["isError"].get<bool>());
    std::string joined;
    Json next = 0;
    int pieces = 0;
    while (!next.is_null()) {
        const Json piece = Call("recall_context", {{"topic", "long"}, {"offset", next}});
        ASSERT_FALSE(piece["isError"].get<bool>()) << Text(piece);
        EXPECT_EQ(piece["structuredContent"]["content_chars"], 60'000);
        EXPECT_LT(Text(piece).size(), 100'000u);
        joined += piece["structuredContent"]["content"].get<std::string>();
        next = piece["structuredContent"].value("next_offset", Json());
        ++pieces;
    }
    EXPECT_EQ(pieces, 2);
    EXPECT_EQ(joined, content);
}

TEST_F(ToolsTest, APoolTimeoutIsAToolErrorNamingTheProject) {
    Config config = TestDatabase::Shared().MakeConfig(4);
    config.default_project = UniqueProject("busy");
    config.project_max_connections = 1;
    config.acquire_timeout = std::chrono::milliseconds(200);
    registry_ = mcp::ToolRegistry();
    Start(config);
    ASSERT_FALSE(Call("wake_up", Json::object())["isError"].get<bool>());  // creates it
    auto held = db_.pool->Acquire(pqpool::AcquireLabel(config.default_project, "test"));
    ASSERT_TRUE(held.ok());
    const Json result = Call("recall_context", {{"topic", "x"}});
    EXPECT_TRUE(result["isError"].get<bool>());
    EXPECT_EQ(Text(result).rfind("Connection pool timeout:", 0), 0u) << Text(result);
    EXPECT_NE(Text(result).find(config.default_project), std::string::npos);
    // Another project is not blocked by the busy one (quota, not the whole budget).
    const std::string other = UniqueProject("free");
    EXPECT_FALSE(Call("create_project", {{"name", other}})["isError"].get<bool>());
    EXPECT_FALSE(Call("wake_up", {{"project", other}})["isError"].get<bool>());
}

TEST_F(ToolsTest, TheHandlerActsOnThePlannedProjectWithoutResolvingAgain) {
    const std::string planned = UniqueProject("planned");
    const std::string later = UniqueProject("later");
    ASSERT_FALSE(Call("create_project", {{"name", planned}})["isError"].get<bool>());
    ASSERT_FALSE(Call("create_project", {{"name", later}})["isError"].get<bool>());
    const Json message = {{"jsonrpc", "2.0"},
                          {"id", ++id_},
                          {"method", "tools/call"},
                          {"params", {{"name", "wake_up"}, {"arguments", Json::object()}}}};
    const mcp::Incoming incoming = mcp::Classify(message);

    // Planned on the session's selection; the session then changes before the call runs, so
    // a handler that resolved again would act on `later`.
    session_.SelectProject(planned);
    const mcp::CallPlan plan = dispatcher_->Plan(incoming, session_);
    ASSERT_TRUE(plan.project.has_value());
    EXPECT_EQ(plan.project->name, planned);
    EXPECT_FALSE(plan.project->is_default);
    EXPECT_EQ(plan.lease_tenant, planned);
    EXPECT_FALSE(plan.may_wait_on_client);
    session_.SelectProject(later);
    const Json acted = dispatcher_->Handle(message, incoming, session_, {}, &plan);
    EXPECT_EQ(acted["result"]["structuredContent"]["project"], planned) << acted.dump();

    // Planned on the default (nothing named): the handler still creates it on first use.
    session_.SelectProject("");
    const mcp::CallPlan on_default = dispatcher_->Plan(incoming, session_);
    ASSERT_TRUE(on_default.project.has_value());
    EXPECT_EQ(on_default.project->name, config_.default_project);
    EXPECT_TRUE(on_default.project->is_default);
    session_.SelectProject(later);
    const Json created = dispatcher_->Handle(message, incoming, session_, {}, &on_default);
    EXPECT_EQ(created["result"]["structuredContent"]["project"], config_.default_project)
        << created.dump();

    // Unplanned (a batch, a test), the handler resolves on its own: the session's selection.
    EXPECT_EQ(Call("wake_up", Json::object())["structuredContent"]["project"], later);
}

TEST_F(ToolsTest, APlanWaitsOnTheClientOnlyWhenItsRootsMustNameTheProject) {
    Config config = TestDatabase::Shared().MakeConfig(2);
    config.transport = Transport::kHttp;
    config.default_project = UniqueProject("dflt");
    registry_ = mcp::ToolRegistry();
    Start(config);
    mcp::Session rooted("rooted-session");
    rooted.SetInitialized("2025-11-25", {{"name", "c"}, {"version", "1"}},
                          {{"roots", Json::object()}});
    auto plan_of = [&](const char* tool, Json arguments, const mcp::Session& session) {
        return dispatcher_->Plan(Json{{"jsonrpc", "2.0"},
                                      {"id", 1},
                                      {"method", "tools/call"},
                                      {"params", {{"name", tool}, {"arguments", arguments}}}},
                                 session);
    };
    // Nothing names the project and the client shares roots: it is asked while the call runs.
    const mcp::CallPlan discovers = plan_of("wake_up", Json::object(), rooted);
    EXPECT_TRUE(discovers.may_wait_on_client);
    EXPECT_TRUE(discovers.lease_tenant.empty());
    ASSERT_TRUE(discovers.project.has_value());
    EXPECT_TRUE(discovers.project->name.empty());
    // Named by the argument, by the selection, or (no roots) by the default: nobody is asked.
    EXPECT_FALSE(plan_of("wake_up", {{"project", "named"}}, rooted).may_wait_on_client);
    rooted.SelectProject("chosen");
    EXPECT_FALSE(plan_of("wake_up", Json::object(), rooted).may_wait_on_client);
    const mcp::CallPlan rootless = plan_of("wake_up", Json::object(), session_);
    EXPECT_FALSE(rootless.may_wait_on_client);
    EXPECT_EQ(rootless.lease_tenant, config.default_project);
    // Registry tools resolve no project.
    const mcp::CallPlan registry = plan_of("list_projects", Json::object(), rooted);
    EXPECT_FALSE(registry.may_wait_on_client);
    EXPECT_FALSE(registry.project.has_value());
}

TEST_F(ToolsTest, DeleteProjectDoesNothingWithoutConfirm) {
    const std::string doomed = UniqueProject("doomed");
    ASSERT_FALSE(Call("create_project", {{"name", doomed}})["isError"].get<bool>());
    const Json dry = Call("delete_project", {{"name", doomed}});
    EXPECT_TRUE(dry["isError"].get<bool>());
    EXPECT_NE(Text(dry).find("confirm: true"), std::string::npos);
    EXPECT_FALSE(Call("wake_up", {{"project", doomed}})["isError"].get<bool>());
    EXPECT_FALSE(
        Call("delete_project", {{"name", doomed}, {"confirm", true}})["isError"].get<bool>());
    EXPECT_TRUE(Call("wake_up", {{"project", doomed}})["isError"].get<bool>());
}

TEST_F(ToolsTest, ExploreShowsATreeAndStatusShowsThePool) {
    for (const char* topic : {"arch/db/pool", "arch/db/schema", "arch/http", "rules.git"}) {
        ASSERT_FALSE(
            Call("lock_context", {{"topic", topic}, {"content", "x"}})["isError"].get<bool>());
    }
    const Json tree = Call("explore_context_tree", {{"depth", 2}})["structuredContent"];
    EXPECT_EQ(tree["topics"], 4);
    ASSERT_EQ(tree["children"].size(), 2u);
    EXPECT_EQ(tree["children"][0]["name"], "arch");
    EXPECT_EQ(tree["children"][0]["topics"], 3);
    EXPECT_EQ(tree["children"][0]["children"][0]["name"], "db");
    EXPECT_EQ(tree["children"][0]["children"][0]["more_topics"], 2);

    const Json status = Call("memory_status", Json::object())["structuredContent"];
    EXPECT_EQ(status["contexts"], 4);
    EXPECT_EQ(status["pool"]["budget"], 4);
    EXPECT_GE(status["pool"]["acquires"].get<int>(), 5);
    EXPECT_EQ(status["database"]["schema_version"], memory::CompiledMigrations().back().version);
}

}  // namespace
}  // namespace mnemo

// SPDX-License-Identifier: MIT
// Claude Code hooks without a database: events, transcripts, redaction, guards, settings.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "hooks/hook_event.hpp"
#include "hooks/redact.hpp"
#include "hooks/settings_merge.hpp"
#include "hooks/transcript.hpp"
#include "tools/briefing.hpp"
#include "tools/guard.hpp"

namespace mnemo::hooks {
namespace {

using Json = nlohmann::json;
using Ordered = nlohmann::ordered_json;

std::string Fixture(const std::string& name) {
    std::ifstream in(std::string(MNEMO_SOURCE_DIR) + "/test/fixtures/claude_code/" + name);
    std::ostringstream text;
    text << in.rdbuf();
    EXPECT_FALSE(text.str().empty()) << name;
    return text.str();
}

TEST(HookEventTest, EveryFixtureParsesAsItsEvent) {
    const std::pair<const char*, HookEventKind> cases[] = {
        {"session_start.json", HookEventKind::kSessionStart},
        {"user_prompt_submit.json", HookEventKind::kUserPromptSubmit},
        {"pre_tool_use_bash.json", HookEventKind::kPreToolUse},
        {"pre_tool_use_edit.json", HookEventKind::kPreToolUse},
        {"pre_tool_use_write.json", HookEventKind::kPreToolUse},
        {"pre_compact.json", HookEventKind::kPreCompact},
        {"session_end.json", HookEventKind::kSessionEnd},
    };
    for (const auto& [file, kind] : cases) {
        auto event = ParseHookEvent(Fixture(file), kind);
        ASSERT_TRUE(event.ok()) << file << ": " << event.error().message();
        EXPECT_EQ(event->kind, kind);
        EXPECT_EQ(event->session_id, "9a1c2b7e-5d4f-4e1a-8c3b-2f6d7e8a9b0c");
        EXPECT_EQ(event->cwd, "/tmp/project");
        // Without an expected kind (the HTTP endpoint) the body's name decides.
        EXPECT_TRUE(ParseHookEvent(Fixture(file), std::nullopt).ok()) << file;
    }
    auto bash = ParseHookEvent(Fixture("pre_tool_use_bash.json"), HookEventKind::kPreToolUse);
    EXPECT_EQ(bash->tool_name, "Bash");
    EXPECT_EQ(bash->tool_input.value("command", ""), "git push --force origin main");
    auto start = ParseHookEvent(Fixture("session_start.json"), HookEventKind::kSessionStart);
    EXPECT_EQ(start->source, "startup");
    auto end = ParseHookEvent(Fixture("session_end.json"), HookEventKind::kSessionEnd);
    EXPECT_EQ(end->reason, "prompt_input_exit");
}

TEST(HookEventTest, MalformedEventsAreRefusedWithTheReason) {
    const auto problem = [](std::string_view body, std::optional<HookEventKind> kind) {
        auto event = ParseHookEvent(body, kind);
        EXPECT_FALSE(event.ok()) << body;
        return event.ok() ? std::string() : event.error().message();
    };
    EXPECT_NE(problem("{oops", HookEventKind::kSessionStart).find("not valid JSON"),
              std::string::npos);
    EXPECT_NE(problem("[1]", HookEventKind::kSessionStart).find("expected a JSON object"),
              std::string::npos);
    EXPECT_NE(problem(R"({"cwd":"/x"})", HookEventKind::kSessionStart).find("session_id"),
              std::string::npos);
    EXPECT_NE(
        problem(R"({"session_id":"s","cwd":"rel"})", HookEventKind::kSessionStart).find("absolute"),
        std::string::npos);
    EXPECT_NE(problem(R"({"session_id":1,"cwd":"/x"})", HookEventKind::kSessionStart)
                  .find("'session_id' must be a string"),
              std::string::npos);
    EXPECT_NE(problem(R"({"session_id":"s","cwd":"/x","hook_event_name":"Stop"})", std::nullopt)
                  .find("unknown hook_event_name 'Stop'"),
              std::string::npos);
    EXPECT_NE(problem(R"({"session_id":"s","cwd":"/x","hook_event_name":"SessionEnd"})",
                      HookEventKind::kSessionStart)
                  .find("installed for 'SessionStart'"),
              std::string::npos);
    EXPECT_NE(problem(R"({"session_id":"s","cwd":"/x","tool_name":"Bash","tool_input":"ls"})",
                      HookEventKind::kPreToolUse)
                  .find("'tool_input' must be an object"),
              std::string::npos);
    EXPECT_NE(problem(std::string(kMaxHookEventBytes + 1, ' '), HookEventKind::kSessionStart)
                  .find("the limit is"),
              std::string::npos);
}

TEST(RedactTest, SecretsAndPrivateSpansNeverSurvive) {
    const std::string text =
        "key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz012345, header Authorization: Bearer "
        "eyJhbGciOiJIUzI1NiJ9.payload.sig, url postgres://app:hunter2@db/app, "
        "github ghp_abcdefghijklmnopqrstuvwxyz0123456789, aws AKIAABCDEFGHIJKLMNOP, "
        "env API_KEY=abc123def, json \"password\": \"pw-1\", <private>hidden\nlines</private> "
        "end <private>never closed";
    const std::string out = RedactSecrets(text);
    for (const char* secret : {"sk-ant-api03", "eyJhbGci", "hunter2", "ghp_abc", "AKIAABCD",
                               "abc123def", "pw-1", "hidden", "lines", "never closed"}) {
        EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in: " << out;
    }
    EXPECT_NE(out.find("postgres://app:[redacted]@db/app"), std::string::npos) << out;
    EXPECT_NE(out.find("[private]"), std::string::npos);
    EXPECT_NE(out.find(" end "), std::string::npos) << "text around secrets stays: " << out;
    EXPECT_EQ(RedactSecrets("git status && make test"), "git status && make test");
}

TEST(TranscriptTest, RealisticTranscriptGivesRequestsFilesCommandsAndSummary) {
    const TranscriptDigest digest = DigestTranscript(Fixture("transcript.jsonl"));
    EXPECT_EQ(digest.lines, 17u);
    EXPECT_EQ(digest.bad_lines, 1u);
    EXPECT_EQ(digest.started_at, "2026-12-05T09:00:01.000Z");
    EXPECT_FALSE(digest.called_sleep);
    // Typed requests only: no meta line, no slash-command echo, no tool results.
    ASSERT_EQ(digest.requests.size(), 2u);
    EXPECT_NE(digest.requests[0].find("Fix the flaky login test"), std::string::npos);
    EXPECT_NE(digest.requests[1].find("docs/testing.md"), std::string::npos);
    // Files in the order last touched, each once.
    ASSERT_EQ(digest.files.size(), 2u);
    EXPECT_EQ(digest.files[0], "/tmp/project/docs/testing.md");
    EXPECT_EQ(digest.files[1], "/tmp/project/tests/login_test.py");
    ASSERT_EQ(digest.commands.size(), 2u);
    EXPECT_NE(digest.commands[1].find("./scripts/test"), std::string::npos);
    EXPECT_NE(digest.last_assistant_text.find("all 42 tests pass"), std::string::npos);
    EXPECT_NE(digest.compact_summary.find("waits for readiness"), std::string::npos);

    const auto handover = BuildAutomaticHandover(digest, "SessionEnd");
    const std::string all = handover.summary + handover.notes + Json(handover.completed).dump();
    for (const char* secret :
         {"sk-ant-api03", "Secret Lane", "eyJhbGci", "hunter2", "topsecret", "s3cr3t", "ghp_abc"}) {
        EXPECT_EQ(all.find(secret), std::string::npos) << secret << " leaked: " << all;
    }
    EXPECT_NE(handover.summary.find("automatic handover"), std::string::npos);
    EXPECT_NE(handover.summary.find("SessionEnd"), std::string::npos);
    EXPECT_NE(handover.summary.find("all 42 tests pass"), std::string::npos);
    EXPECT_EQ(handover.completed,
              (std::vector<std::string>{"edited /tmp/project/docs/testing.md",
                                        "edited /tmp/project/tests/login_test.py"}));
    EXPECT_NE(handover.notes.find("User requests"), std::string::npos);
    EXPECT_NE(handover.notes.find("Commands run"), std::string::npos);
    EXPECT_EQ(handover.since, "2026-12-05T09:00:01.000Z");
}

TEST(TranscriptTest, SleepCallsAreNoticedUnderAnyServerName) {
    const std::string line =
        R"({"type":"assistant","timestamp":"2026-12-05T10:00:00Z","message":{"role":"assistant",)"
        R"("content":[{"type":"tool_use","id":"t","name":"mcp__memory__sleep","input":{"summary":"s"}}]}})";
    EXPECT_TRUE(DigestTranscript(line).called_sleep);
    EXPECT_FALSE(DigestTranscript(R"({"type":"assistant","message":{"content":[{"type":"tool_use",)"
                                  R"("name":"Bash","input":{"command":"sleep 5"}}]}})")
                     .called_sleep);
}

TEST(TranscriptTest, FieldsOfAnotherTypeAreIgnoredNotThrown) {
    // Each line names a field Claude Code writes as a string or a boolean, with another type
    // (a fuzzer found the first: "type" as an object ended the process).
    const std::string text =
        R"({"type":{"a":1},"message":{"content":"lost"}})"
        "\n"
        R"({"type":"user","isMeta":"yes","message":{"content":[{"type":7,"text":"x"},)"
        R"({"type":"text","text":["y"]},{"type":"text","text":"kept request"}]}})"
        "\n"
        R"({"type":"user","isCompactSummary":1,"message":{"content":"second request"}})"
        "\n"
        R"({"type":"assistant","message":{"content":[{"type":"tool_use","name":5,"input":{}},)"
        R"({"type":"tool_use","name":"Bash","input":{"command":["rm"]}},)"
        R"({"type":"tool_use","name":"Edit","input":{"file_path":{"p":1}}},)"
        R"({"type":"text","text":"done"}]}})";
    TranscriptDigest digest;
    ASSERT_NO_THROW(digest = DigestTranscript(text));
    EXPECT_EQ(digest.lines, 4u);
    EXPECT_EQ(digest.requests, (std::vector<std::string>{"kept request", "second request"}));
    EXPECT_TRUE(digest.commands.empty());
    EXPECT_TRUE(digest.files.empty());
    EXPECT_TRUE(digest.compact_summary.empty());
    EXPECT_EQ(digest.last_assistant_text, "done");
}

TEST(HookEventTest, StringFieldNeverThrows) {
    EXPECT_EQ(StringField(Json{{"k", "v"}}, "k"), "v");
    EXPECT_EQ(StringField(Json{{"k", 1}}, "k"), "");
    EXPECT_EQ(StringField(Json::array({1}), "k"), "");
    EXPECT_EQ(StringField(Json(), "k"), "");
    EXPECT_TRUE(IsTrueField(Json{{"k", true}}, "k"));
    EXPECT_FALSE(IsTrueField(Json{{"k", "true"}}, "k"));
    EXPECT_FALSE(IsTrueField(Json("s"), "k"));
}

TEST(TranscriptTest, ClaudeCodeErrorLinesAreNotTheAssistantsSummary) {
    // As Claude Code 2.1.197 writes a failed API call (here: not logged in).
    const std::string text =
        R"({"type":"assistant","message":{"content":[{"type":"text","text":"Plan ready."}]}})"
        "\n"
        R"({"type":"assistant","error":"authentication_failed","isApiErrorMessage":true,)"
        R"("message":{"model":"<synthetic>","role":"assistant","content":[{"type":"text",)"
        R"("text":"Not logged in · Please run /login"}]}})";
    EXPECT_EQ(DigestTranscript(text).last_assistant_text, "Plan ready.");
}

TEST(TranscriptTest, EverythingIsBounded) {
    std::string text;
    const std::string long_request(1000, 'r');
    for (int i = 0; i < 100; ++i) {
        text += Json{{"type", "user"}, {"message", {{"role", "user"}, {"content", long_request}}}}
                    .dump() +
                "\n";
        text += Json{{"type", "assistant"},
                     {"message",
                      {{"role", "assistant"},
                       {"content",
                        {{{"type", "tool_use"},
                          {"name", "Write"},
                          {"input", {{"file_path", "/p/file" + std::to_string(i)}}}},
                         {{"type", "tool_use"},
                          {"name", "Bash"},
                          {"input", {{"command", std::string(500, 'c')}}}},
                         {{"type", "text"}, {"text", std::string(3000, 's')}}}}}}}
                    .dump() +
                "\n";
    }
    const TranscriptLimits limits;
    const TranscriptDigest digest = DigestTranscript(text, limits);
    EXPECT_EQ(digest.requests.size(), limits.max_requests);
    EXPECT_EQ(digest.files.size(), limits.max_files);
    EXPECT_EQ(digest.files.back(), "/p/file99");
    EXPECT_EQ(digest.commands.size(), limits.max_commands);
    for (const auto& request : digest.requests) EXPECT_LE(request.size(), limits.max_request_chars);
    for (const auto& command : digest.commands) EXPECT_LE(command.size(), limits.max_command_chars);
    EXPECT_LE(digest.last_assistant_text.size(), limits.max_summary_chars);
    const auto handover = BuildAutomaticHandover(digest, "PreCompact", limits);
    EXPECT_LE(handover.notes.size(), limits.max_notes_chars);
    EXPECT_LE(handover.summary.size(), limits.max_summary_chars + 200);
}

TEST(TranscriptTest, ALongFileIsReadFromItsTailWithItsStartTime) {
    const std::string path = ::testing::TempDir() + "/mnemo_long_transcript.jsonl";
    {
        std::ofstream out(path);
        out << R"({"type":"user","timestamp":"2026-01-01T00:00:00Z","message":{"content":"first"}})"
            << "\n";
        for (int i = 0; i < 2000; ++i) {
            out << Json{{"type", "user"},
                        {"message", {{"content", "request " + std::to_string(i)}}}}
                       .dump()
                << "\n";
        }
    }
    TranscriptLimits limits;
    limits.max_read_bytes = 4096;
    auto digest = ReadTranscript(path, limits);
    ASSERT_TRUE(digest.ok()) << digest.error().message();
    EXPECT_EQ(digest->started_at, "2026-01-01T00:00:00Z");
    EXPECT_EQ(digest->requests.back(), "request 1999");
    EXPECT_LT(digest->lines, 100u);
    EXPECT_FALSE(ReadTranscript("/nonexistent/transcript.jsonl").ok());
}

TEST(GuardTest, PatternsAreCheckedAndMatchedWithoutBacktracking) {
    EXPECT_EQ(tools::GuardPatternProblem(R"(git\s+push\s+.*--force)"), "");
    EXPECT_NE(tools::GuardPatternProblem("(unclosed").find("not a valid regular expression"),
              std::string::npos);
    EXPECT_NE(tools::GuardPatternProblem(std::string(1001, 'a')).find("1001 characters"),
              std::string::npos);
    EXPECT_EQ(tools::GuardPatternProblem(std::string(1000, 'a')), "");
    EXPECT_NE(tools::GuardPatternProblem("").find("empty"), std::string::npos);

    const Json guards = Json::parse(R"([
        {"topic": "rules/ask-migrations", "version": 1, "pattern": "^sql/", "decision": "ask",
         "content": "Ask before touching migrations."},
        {"topic": "rules/no-force", "version": 2, "pattern": "push.*--force", "decision": "deny",
         "content": "Never force-push."},
        {"topic": "rules/evil", "version": 1, "pattern": "^(a+)+$", "decision": "deny",
         "content": "Catastrophic in a backtracking engine."}])");
    auto matches = tools::MatchGuards(guards, {"git push --force origin main"});
    ASSERT_EQ(matches.size(), 1u);
    EXPECT_EQ(matches[0].topic, "rules/no-force");
    EXPECT_EQ(matches[0].decision, "deny");
    matches = tools::MatchGuards(guards, {"/repo/sql/001.sql", "sql/001.sql"});
    ASSERT_EQ(matches.size(), 1u);
    EXPECT_EQ(matches[0].decision, "ask");
    EXPECT_EQ(matches[0].subject, "sql/001.sql");
    EXPECT_TRUE(tools::MatchGuards(guards, {"ls -la"}).empty());
    // (a+)+$ against a long non-match returns at once with RE2.
    matches = tools::MatchGuards(guards, {std::string(100000, 'a') + "!"});
    EXPECT_TRUE(matches.empty());
}

TEST(BriefingTest, HookBriefingPutsRulesFirstAndStaysBounded) {
    Json briefing = {
        {"handover",
         {{"summary", "Halfway through the parser."},
          {"age_hours", 3.5},
          {"pending", {"finish the lexer"}},
          {"automatic", true}}},
        {"always_check", {{{"topic", "rules/tests"}, {"version", 2}, {"content", "Run tests."}}}},
        {"files_changed",
         {{"count", 1}, {"recent", {{{"path", "src/lexer.cpp"}, {"change", "modified"}}}}}}};
    const std::string text = tools::RenderHookBriefing("demo", briefing, 8000);
    const auto rules = text.find("rules/tests");
    const auto handover = text.find("Halfway through the parser.");
    ASSERT_NE(rules, std::string::npos);
    ASSERT_NE(handover, std::string::npos);
    EXPECT_LT(rules, handover);
    EXPECT_NE(text.find("finish the lexer"), std::string::npos);
    EXPECT_NE(text.find("automatic"), std::string::npos);
    EXPECT_NE(text.find("src/lexer.cpp (modified)"), std::string::npos);
    briefing["always_check"][0]["content"] = std::string(20000, 'x');
    EXPECT_LE(tools::RenderHookBriefing("demo", briefing, 8000).size(), 8000u);
}

Ordered Parse(const std::string& text) { return Ordered::parse(text); }

TEST(SettingsMergeTest, InstallKeepsEverythingElseAndIsIdempotent) {
    const Ordered original = Parse(R"json({
        "model": "opus",
        "permissions": {"allow": ["Bash(npm test)"]},
        "hooks": {
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "~/lint.sh"}]}],
            "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]
        }})json");
    HookInstallSpec spec;
    spec.binary = "/usr/local/bin/mnemo";
    auto once = InstallHooks(original, spec);
    ASSERT_TRUE(once.ok()) << once.error().message();
    auto twice = InstallHooks(*once, spec);
    ASSERT_TRUE(twice.ok());
    EXPECT_EQ(*once, *twice);
    EXPECT_EQ((*once)["model"], "opus");
    EXPECT_EQ((*once)["permissions"], original["permissions"]);
    EXPECT_EQ((*once)["hooks"]["Stop"], original["hooks"]["Stop"]);
    ASSERT_EQ((*once)["hooks"]["PreToolUse"].size(), 2u);
    EXPECT_EQ((*once)["hooks"]["PreToolUse"][0], original["hooks"]["PreToolUse"][0]);
    EXPECT_EQ((*once)["hooks"]["PreToolUse"][1]["matcher"],
              "Bash|Edit|Write|MultiEdit|NotebookEdit");
    EXPECT_EQ((*once)["hooks"]["SessionStart"][0]["hooks"][0]["command"],
              "/usr/local/bin/mnemo hook SessionStart");
    EXPECT_EQ(InstalledHooks(*once).size(), 5u);
    // The first key stays first: the user's file keeps its order.
    EXPECT_EQ(once->begin().key(), "model");

    auto removed = UninstallHooks(*once);
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(*removed, original);
    EXPECT_TRUE(InstalledHooks(*removed).empty());
}

TEST(SettingsMergeTest, EmptySettingsGetOnlyMnemoAndLoseItAgain) {
    HookInstallSpec spec;
    spec.binary = "/opt/my tools/mnemo";
    auto installed = InstallHooks(Ordered::object(), spec);
    ASSERT_TRUE(installed.ok());
    EXPECT_EQ((*installed)["hooks"]["SessionEnd"][0]["hooks"][0]["command"],
              "'/opt/my tools/mnemo' hook SessionEnd");
    EXPECT_TRUE(IsMnemoHook((*installed)["hooks"]["SessionEnd"][0]["hooks"][0]));
    auto removed = UninstallHooks(*installed);
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(*removed, Ordered::object());
}

TEST(SettingsMergeTest, HttpHooksCarryTheTokenVariable) {
    auto url = HookEndpointUrl("https://mnemo.example.com/");
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(*url, "https://mnemo.example.com/hooks/claude-code");
    EXPECT_FALSE(HookEndpointUrl("ftp://x").ok());
    HookInstallSpec spec;
    spec.http_url = *url;
    spec.token_env = "MNEMO_TOKEN";
    auto installed = InstallHooks(Ordered::object(), spec);
    ASSERT_TRUE(installed.ok());
    const Ordered hook = (*installed)["hooks"]["UserPromptSubmit"][0]["hooks"][0];
    EXPECT_EQ(hook["type"], "http");
    EXPECT_EQ(hook["url"], "https://mnemo.example.com/hooks/claude-code");
    EXPECT_EQ(hook["headers"]["Authorization"], "Bearer $MNEMO_TOKEN");
    EXPECT_EQ(hook["allowedEnvVars"], Ordered::array({"MNEMO_TOKEN"}));
    // Switching from command to http hooks replaces, never duplicates.
    HookInstallSpec command;
    command.binary = "/usr/bin/mnemo";
    auto switched = InstallHooks(*installed, command);
    ASSERT_TRUE(switched.ok());
    EXPECT_EQ((*switched)["hooks"]["UserPromptSubmit"].size(), 1u);
    EXPECT_EQ((*switched)["hooks"]["UserPromptSubmit"][0]["hooks"][0]["type"], "command");
}

TEST(SettingsMergeTest, WrongShapesAreRefused) {
    HookInstallSpec spec;
    spec.binary = "mnemo";
    EXPECT_FALSE(InstallHooks(Parse("[]"), spec).ok());
    auto hooks_string = InstallHooks(Parse(R"({"hooks": "none"})"), spec);
    ASSERT_FALSE(hooks_string.ok());
    EXPECT_NE(hooks_string.error().message().find("\"hooks\" is not an object"), std::string::npos);
    EXPECT_FALSE(UninstallHooks(Parse(R"({"hooks": {"Stop": {}}})")).ok());
    // Other people's hooks that merely mention mnemo are not mnemo's.
    EXPECT_FALSE(
        IsMnemoHook(Parse(R"({"type":"command","command":"echo mnemo hook SessionStart"})")));
    EXPECT_FALSE(IsMnemoHook(
        Parse(R"({"type":"command","command":"/bin/mnemo-backup hook SessionStart"})")));
    EXPECT_TRUE(IsMnemoHook(Parse(R"({"type":"command","command":"mnemo hook PreToolUse"})")));
    EXPECT_FALSE(IsMnemoHook(Parse(R"({"type":["command"],"command":"mnemo hook PreToolUse"})")));
    EXPECT_FALSE(IsMnemoHook(Parse(R"({"type":"command","command":{"c":"mnemo hook X"}})")));
}

}  // namespace
}  // namespace mnemo::hooks

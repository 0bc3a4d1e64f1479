// SPDX-License-Identifier: MIT
// Parsing Claude Code hook events.
#include "hooks/hook_event.hpp"

#include <array>
#include <utility>

namespace mnemo::hooks {
namespace {

constexpr std::array<std::pair<HookEventKind, const char*>, 5> kNames{{
    {HookEventKind::kSessionStart, "SessionStart"},
    {HookEventKind::kUserPromptSubmit, "UserPromptSubmit"},
    {HookEventKind::kPreToolUse, "PreToolUse"},
    {HookEventKind::kPreCompact, "PreCompact"},
    {HookEventKind::kSessionEnd, "SessionEnd"},
}};

Error Invalid(const std::string& message) {
    return Error(ErrorCode::kInvalidArgument, "invalid hook event: " + message);
}

/// Reads an optional string field; false (with `problem`) when present but not a string.
bool ReadString(const nlohmann::json& body, const char* name, std::string& out,
                std::string& problem) {
    const auto found = body.find(name);
    if (found == body.end() || found->is_null()) return true;
    if (!found->is_string()) {
        problem = std::string("'") + name + "' must be a string, got " + found->type_name();
        return false;
    }
    out = found->get<std::string>();
    return true;
}

}  // namespace

std::optional<HookEventKind> ParseHookEventKind(std::string_view name) {
    for (const auto& [kind, text] : kNames) {
        if (name == text) return kind;
    }
    return std::nullopt;
}

const char* HookEventName(HookEventKind kind) {
    for (const auto& [candidate, text] : kNames) {
        if (candidate == kind) return text;
    }
    return "?";
}

std::string HookEventNames() {
    std::string names;
    for (const auto& [kind, text] : kNames)
        names += (names.empty() ? "" : ", ") + std::string(text);
    return names;
}

std::string StringField(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return {};
    const auto found = object.find(key);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

bool IsTrueField(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return false;
    const auto found = object.find(key);
    return found != object.end() && found->is_boolean() && found->get<bool>();
}

Result<HookEvent> ParseHookEvent(std::string_view body, std::optional<HookEventKind> expected) {
    if (body.size() > kMaxHookEventBytes) {
        return Invalid(std::to_string(body.size()) + " bytes; the limit is " +
                       std::to_string(kMaxHookEventBytes));
    }
    const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return Invalid("not valid JSON");
    if (!json.is_object())
        return Invalid(std::string("expected a JSON object, got ") + json.type_name());
    HookEvent event;
    std::string name;
    std::string problem;
    if (!ReadString(json, "hook_event_name", name, problem)) return Invalid(problem);
    if (name.empty() && expected) name = HookEventName(*expected);
    const auto kind = ParseHookEventKind(name);
    if (!kind) {
        return Invalid(name.empty() ? "'hook_event_name' is missing"
                                    : "unknown hook_event_name '" + name.substr(0, 64) +
                                          "' (mnemo answers " + HookEventNames() + ")");
    }
    if (expected && *kind != *expected) {
        return Invalid(std::string("hook_event_name is '") + name +
                       "' but the hook was installed for '" + HookEventName(*expected) + "'");
    }
    event.kind = *kind;
    for (const auto& [field, out] :
         {std::pair<const char*, std::string*>{"session_id", &event.session_id},
          {"transcript_path", &event.transcript_path},
          {"cwd", &event.cwd},
          {"source", &event.source},
          {"prompt", &event.prompt},
          {"tool_name", &event.tool_name},
          {"trigger", &event.trigger},
          {"reason", &event.reason}}) {
        if (!ReadString(json, field, *out, problem)) return Invalid(problem);
    }
    if (event.session_id.empty()) return Invalid("'session_id' is missing");
    if (event.session_id.size() > 200) return Invalid("'session_id' is longer than 200 bytes");
    if (event.cwd.empty()) return Invalid("'cwd' is missing");
    if (event.cwd.front() != '/')
        return Invalid("'cwd' must be an absolute path, got '" + event.cwd.substr(0, 200) + "'");
    if (event.kind == HookEventKind::kPreToolUse) {
        if (event.tool_name.empty()) return Invalid("'tool_name' is missing");
        const auto input = json.find("tool_input");
        if (input != json.end() && !input->is_null() && !input->is_object()) {
            return Invalid(std::string("'tool_input' must be an object, got ") +
                           input->type_name());
        }
        event.tool_input =
            input != json.end() && input->is_object() ? *input : nlohmann::json::object();
    }
    return event;
}

}  // namespace mnemo::hooks

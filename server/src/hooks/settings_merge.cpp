// SPDX-License-Identifier: MIT
// Claude Code settings: mnemo's hook entries in and out.
#include "hooks/settings_merge.hpp"

#include <array>

#include "hooks/hook_event.hpp"

namespace mnemo::hooks {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kEndpointPath = "/hooks/claude-code";

struct EventEntry {
    HookEventKind kind;
    const char* matcher;  // nullptr: the event takes no matcher
};

constexpr std::array<EventEntry, 5> kEvents{{
    {HookEventKind::kSessionStart, "startup|resume|clear|compact"},
    {HookEventKind::kUserPromptSubmit, nullptr},
    {HookEventKind::kPreToolUse, "Bash|Edit|Write|MultiEdit|NotebookEdit"},
    {HookEventKind::kPreCompact, nullptr},
    {HookEventKind::kSessionEnd, nullptr},
}};

Error Invalid(const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); }

/// Checks the shapes mnemo edits; the rest of the document is never looked at.
Status CheckShape(const Json& settings) {
    if (!settings.is_object()) {
        return Invalid(std::string("the settings are not a JSON object (found ") +
                       settings.type_name() + ")");
    }
    const auto hooks = settings.find("hooks");
    if (hooks == settings.end()) return {};
    if (!hooks->is_object()) {
        return Invalid(std::string("\"hooks\" is not an object (found ") + hooks->type_name() +
                       ")");
    }
    for (const auto& [event, groups] : hooks->items()) {
        if (!groups.is_array()) {
            return Invalid("\"hooks\"." + event + " is not a list (found " +
                           std::string(groups.type_name()) + ")");
        }
    }
    return {};
}

Json HookEntry(const HookInstallSpec& spec, HookEventKind kind) {
    if (!spec.http_url.empty()) {
        return {{"type", "http"},
                {"url", spec.http_url},
                {"headers", {{"Authorization", "Bearer $" + spec.token_env}}},
                {"allowedEnvVars", {spec.token_env}},
                {"timeout", spec.timeout_seconds}};
    }
    return {{"type", "command"},
            {"command", ShellQuote(spec.binary) + " hook " + HookEventName(kind)},
            {"timeout", spec.timeout_seconds}};
}

/// Removes mnemo's hooks from one event's groups; drops groups left without hooks.
Json WithoutMnemo(const Json& groups) {
    Json kept = Json::array();
    for (const auto& group : groups) {
        if (!group.is_object() || !group.contains("hooks") || !group["hooks"].is_array()) {
            kept.push_back(group);
            continue;
        }
        Json hooks = Json::array();
        for (const auto& hook : group["hooks"]) {
            if (!IsMnemoHook(hook)) hooks.push_back(hook);
        }
        if (hooks.empty() && !group["hooks"].empty()) continue;
        Json copy = group;
        copy["hooks"] = std::move(hooks);
        kept.push_back(std::move(copy));
    }
    return kept;
}

}  // namespace

std::string ShellQuote(const std::string& text) {
    const bool plain = !text.empty() && text.find_first_not_of(
                                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789/._-+:@%") == std::string::npos;
    if (plain) return text;
    std::string quoted = "'";
    for (char c : text) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    return quoted + "'";
}

bool IsMnemoHook(const Json& hook) {
    if (!hook.is_object()) return false;
    const std::string type = StringField(hook, "type");
    if (type == "http") {
        const std::string url = StringField(hook, "url");
        return url.ends_with(kEndpointPath);
    }
    if (type != "command") return false;
    const std::string command = StringField(hook, "command");
    // "<...>mnemo hook EVENT" or "'<...>/mnemo' hook EVENT": the program's name is mnemo.
    const auto at = command.find(" hook ");
    if (at == std::string::npos) return false;
    std::string program = command.substr(0, at);
    if (program.size() >= 2 && program.front() == '\'' && program.back() == '\'') {
        program = program.substr(1, program.size() - 2);
    }
    const auto slash = program.rfind('/');
    const std::string name = slash == std::string::npos ? program : program.substr(slash + 1);
    return name == "mnemo" && ParseHookEventKind(command.substr(at + 6)).has_value();
}

Result<std::string> HookEndpointUrl(const std::string& url) {
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
        return Invalid("--http must be an http:// or https:// URL, got '" + url + "'");
    }
    std::string base = url;
    if (base.ends_with(kEndpointPath)) return base;
    while (base.ends_with('/')) base.pop_back();
    return base + std::string(kEndpointPath);
}

Result<Json> InstallHooks(Json settings, const HookInstallSpec& spec) {
    auto cleaned = UninstallHooks(std::move(settings));
    if (!cleaned.ok()) return cleaned;
    Json& hooks = (*cleaned)["hooks"];
    if (hooks.is_null()) hooks = Json::object();
    for (const auto& entry : kEvents) {
        Json group = Json::object();
        if (entry.matcher != nullptr) group["matcher"] = entry.matcher;
        group["hooks"] = Json::array({HookEntry(spec, entry.kind)});
        Json& groups = hooks[HookEventName(entry.kind)];
        if (groups.is_null()) groups = Json::array();
        groups.push_back(std::move(group));
    }
    return cleaned;
}

Result<Json> UninstallHooks(Json settings) {
    if (auto shape = CheckShape(settings); !shape.ok()) return std::move(shape).error();
    const auto hooks = settings.find("hooks");
    if (hooks == settings.end()) return settings;
    Json kept = Json::object();
    for (const auto& [event, groups] : hooks->items()) {
        Json rest = WithoutMnemo(groups);
        if (!rest.empty() || groups.empty()) kept[event] = std::move(rest);
    }
    // A "hooks" object mnemo emptied goes; one that was empty to begin with stays.
    if (kept.empty() && !hooks->empty()) {
        settings.erase("hooks");
    } else {
        settings["hooks"] = std::move(kept);
    }
    return settings;
}

std::vector<std::pair<std::string, std::string>> InstalledHooks(const Json& settings) {
    std::vector<std::pair<std::string, std::string>> found;
    if (!CheckShape(settings).ok() || !settings.contains("hooks")) return found;
    for (const auto& [event, groups] : settings["hooks"].items()) {
        for (const auto& group : groups) {
            if (!group.is_object() || !group.contains("hooks") || !group["hooks"].is_array()) {
                continue;
            }
            for (const auto& hook : group["hooks"]) {
                if (IsMnemoHook(hook)) found.emplace_back(event, StringField(hook, "type"));
            }
        }
    }
    return found;
}

}  // namespace mnemo::hooks

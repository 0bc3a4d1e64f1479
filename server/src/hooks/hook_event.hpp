// SPDX-License-Identifier: MIT
// HookEvent: one Claude Code hook event (the JSON a hook gets on stdin or in a POST), checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace mnemo::hooks {

/// The Claude Code hook events mnemo answers (Claude Code's names).
enum class HookEventKind {
    kSessionStart,
    kUserPromptSubmit,
    kPreToolUse,
    kPreCompact,
    kSessionEnd
};

/// The kind named `name` exactly ("SessionStart", ...); nullopt for any other.
[[nodiscard]] std::optional<HookEventKind> ParseHookEventKind(std::string_view name);
[[nodiscard]] const char* HookEventName(HookEventKind kind);
/// "SessionStart, UserPromptSubmit, PreToolUse, PreCompact, SessionEnd" (for messages).
[[nodiscard]] std::string HookEventNames();

/// The string at `object[key]`: empty when `object` is not an object or the value is absent
/// or not a string. For JSON from outside (events, transcripts, settings files): never throws,
/// where nlohmann's `value(key, "")` throws on a value of another type.
[[nodiscard]] std::string StringField(const nlohmann::json& object, const char* key);
/// True only when `object[key]` is the boolean true; never throws.
[[nodiscard]] bool IsTrueField(const nlohmann::json& object, const char* key);

/// What mnemo reads of an event (the hooks reference's common fields and each event's own).
struct HookEvent {
    HookEventKind kind = HookEventKind::kSessionStart;
    std::string session_id;       // ties one conversation's events together
    std::string transcript_path;  // the conversation's JSON Lines transcript ("" if none)
    std::string cwd;              // absolute: the project comes from it
    std::string source;           // SessionStart: startup | resume | clear | compact
    std::string prompt;           // UserPromptSubmit
    std::string tool_name;        // PreToolUse
    nlohmann::json tool_input;    // PreToolUse (an object)
    std::string trigger;          // PreCompact: manual | auto
    std::string reason;           // SessionEnd
};

/// Largest event accepted, in bytes (a prompt or a Write's content can be long).
inline constexpr std::size_t kMaxHookEventBytes = 8 << 20;

/// Parses and checks an event. `expected`: the event the command was named for (mnemo hook
/// EVENT); the body's hook_event_name must agree. Without it (POST /hooks/claude-code) the
/// body's hook_event_name decides. Errors (kInvalidArgument) say what is wrong: not JSON, not
/// an object, too large, an unknown or mismatched hook_event_name, a missing or non-string
/// session_id or cwd, a relative cwd, a field of the wrong type.
[[nodiscard]] Result<HookEvent> ParseHookEvent(std::string_view body,
                                               std::optional<HookEventKind> expected);

}  // namespace mnemo::hooks

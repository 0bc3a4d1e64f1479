// SPDX-License-Identifier: MIT
// The wake_up briefing as text: for the session_start prompt and the SessionStart hook.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace mnemo::tools {

/// The briefing (Store::WakeUp's document) as text an assistant reads at the start of a
/// conversation: the last handover (marked when a hook wrote it), the rules, the important
/// contexts. Used by the session_start prompt.
[[nodiscard]] std::string RenderBriefing(const std::string& project,
                                         const nlohmann::json& briefing);

/// The briefing for Claude Code's SessionStart hook: always_check rules first, then the last
/// handover's summary and pending items, the files changed since it, the important topics;
/// at most `max_chars` characters (cut at a character boundary, saying so).
[[nodiscard]] std::string RenderHookBriefing(const std::string& project,
                                             const nlohmann::json& briefing, std::size_t max_chars);

/// `text` cut to at most `max_chars` characters (UTF-8 code points), ending with a note that
/// it was cut when it was.
[[nodiscard]] std::string BoundText(const std::string& text, std::size_t max_chars);

}  // namespace mnemo::tools

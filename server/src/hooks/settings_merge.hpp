// SPDX-License-Identifier: MIT
// Merging mnemo's hooks into Claude Code settings (a JSON document), and taking them out.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace mnemo::hooks {

/// How Claude Code should reach mnemo: a command hook (`<binary> hook EVENT`), or an http hook
/// POSTing to `http_url` with `Authorization: Bearer $<token_env>`.
struct HookInstallSpec {
    std::string binary;       // absolute path of the mnemo binary (command hooks)
    std::string http_url;     // non-empty: http hooks to this URL (…/hooks/claude-code)
    std::string token_env;    // the environment variable holding the bearer token
    int timeout_seconds = 5;  // Claude Code's own bound; mnemo answers within its 2 s
};

/// The URL of the hook endpoint from what the user gave: a base URL gets /hooks/claude-code
/// appended. Errors (kInvalidArgument): not http:// or https://.
[[nodiscard]] Result<std::string> HookEndpointUrl(const std::string& url);

/// `settings` with mnemo's hooks for every event it answers (SessionStart, UserPromptSubmit,
/// PreToolUse for Bash|Edit|Write|MultiEdit|NotebookEdit, PreCompact, SessionEnd), after
/// removing any mnemo hooks already there: running it twice gives the same document. Every
/// other key, event and hook is kept as it was. Errors (kInvalidArgument): settings is not an
/// object, or its "hooks" (or an event's list) has the wrong type.
[[nodiscard]] Result<nlohmann::ordered_json> InstallHooks(nlohmann::ordered_json settings,
                                                          const HookInstallSpec& spec);

/// `settings` without mnemo's hooks (command hooks running `mnemo hook`, http hooks to
/// /hooks/claude-code); matcher groups, events and "hooks" left empty by that are removed.
/// Same errors as InstallHooks.
[[nodiscard]] Result<nlohmann::ordered_json> UninstallHooks(nlohmann::ordered_json settings);

/// The events for which `settings` holds mnemo hooks, each with "command" or "http".
[[nodiscard]] std::vector<std::pair<std::string, std::string>> InstalledHooks(
    const nlohmann::ordered_json& settings);

/// True if one hook entry ({type, command|url}) is mnemo's.
[[nodiscard]] bool IsMnemoHook(const nlohmann::ordered_json& hook);

/// `text` quoted for a POSIX shell ('...'), unless it needs no quoting.
[[nodiscard]] std::string ShellQuote(const std::string& text);

}  // namespace mnemo::hooks

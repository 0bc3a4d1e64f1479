// SPDX-License-Identifier: MIT
// HookHandler: answers Claude Code hook events from a project's memory.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "hooks/hook_event.hpp"
#include "hooks/transcript.hpp"
#include "memory/store.hpp"

namespace mnemo::hooks {

/// Tunables, each with its default.
struct HookSettings {
    /// SessionStart's briefing, in characters (about 8 000).
    std::size_t briefing_chars = 8000;
    /// UserPromptSubmit's and PreToolUse's added context, in characters.
    std::size_t context_chars = 4000;
    /// A rule is relevant to a prompt or command only from this check_contexts score on
    /// (MNEMO_HOOK_MIN_SCORE); below it nothing is added. Scores: 2 × weighted share of the
    /// text's words found + rank + bonuses (see docs/server.md, "Search").
    double min_score = 1.0;
    TranscriptLimits transcript;
    /// Whether transcript_path may be read. Only a local command hook may: over HTTP the path
    /// names a file on the client's machine, and reading whatever path a caller names on the
    /// server would hand them the server's files.
    bool read_transcripts = true;
};

/// What to answer: `output` is the JSON for Claude Code (null: print nothing); `note` says
/// what was done, for the log.
struct HookOutcome {
    nlohmann::json output;
    std::string note;
};

/// The project a hook event belongs to: the git root's name above `cwd`, else cwd's name (the
/// stdio rule); "" when no valid name comes of it.
[[nodiscard]] std::string HookProjectName(const std::string& cwd);

/// Answers events in Claude Code's output format (hookSpecificOutput with hookEventName,
/// additionalContext, permissionDecision and permissionDecisionReason):
/// - SessionStart: the wake_up briefing (RenderHookBriefing); nothing for a project without
///   memory yet.
/// - UserPromptSubmit: the always_check and important contexts relevant to the prompt
///   (check_contexts), only those scoring at least settings.min_score; nothing when none.
/// - PreToolUse (Bash, Edit, Write, MultiEdit, NotebookEdit; other tools get nothing): a guard
///   matching the command or the file's path answers deny (else ask) with the rule as the
///   reason; otherwise the relevant always_check rules as context. Similarity never denies.
/// - PreCompact, SessionEnd: stores an automatic handover from the transcript unless the
///   conversation called sleep (see Store::StoreAutomaticHandover); prints nothing. Needs
///   `can_write` (else kRefused). Creates the project if it
///   does not exist yet. Nothing when settings.read_transcripts is off or the transcript
///   cannot be read (the note says why).
/// Errors: the store's (database unavailable, timeouts), and transcript read errors.
/// Thread safety: Handle may run concurrently.
class HookHandler {
public:
    HookHandler(memory::Store& store, HookSettings settings)
        : store_(store), settings_(std::move(settings)) {}

    [[nodiscard]] Result<HookOutcome> Handle(const memory::ProjectRef& project,
                                             const HookEvent& event, bool can_write);

private:
    Result<HookOutcome> SessionStart(const memory::ProjectRef& project);
    Result<HookOutcome> PromptSubmit(const memory::ProjectRef& project, const HookEvent& event);
    Result<HookOutcome> PreToolUse(const memory::ProjectRef& project, const HookEvent& event);
    Result<HookOutcome> Handover(const memory::ProjectRef& project, const HookEvent& event,
                                 bool can_write);
    /// The relevant rules for `text` as context text ("" when none reach min_score).
    Result<std::string> RelevantRules(const memory::ProjectRef& project, const std::string& text,
                                      bool always_check_only);

    memory::Store& store_;
    const HookSettings settings_;
};

}  // namespace mnemo::hooks

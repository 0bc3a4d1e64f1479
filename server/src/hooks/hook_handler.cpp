// SPDX-License-Identifier: MIT
// Answering Claude Code hook events.
#include "hooks/hook_handler.hpp"

#include <filesystem>
#include <sstream>

#include "config/config.hpp"
#include "tools/briefing.hpp"
#include "tools/guard.hpp"

namespace mnemo::hooks {
namespace {

using Json = nlohmann::json;

Json Context(const char* event_name, const std::string& text) {
    return {{"hookSpecificOutput", {{"hookEventName", event_name}, {"additionalContext", text}}}};
}

/// What a guard is matched against: a Bash command, or an edited file's path as given and
/// relative to the working directory (so "^src/" and "/src/" both work).
std::vector<std::string> GuardSubjects(const HookEvent& event) {
    const Json& input = event.tool_input;
    if (event.tool_name == "Bash") return {StringField(input, "command")};
    const char* field = event.tool_name == "NotebookEdit" ? "notebook_path" : "file_path";
    const std::string path = StringField(input, field);
    if (path.empty()) return {};
    std::vector<std::string> subjects{path};
    const std::filesystem::path absolute(path);
    if (absolute.is_absolute()) {
        const auto relative = absolute.lexically_relative(std::filesystem::path(event.cwd));
        if (!relative.empty() && !relative.string().starts_with("..")) {
            subjects.push_back(relative.string());
        }
    }
    return subjects;
}

bool IsGuardedTool(const std::string& name) {
    return name == "Bash" || name == "Edit" || name == "Write" || name == "MultiEdit" ||
           name == "NotebookEdit";
}

bool ProjectMissing(const Error& error) { return error.code() == ErrorCode::kProjectMissing; }

}  // namespace

std::string HookProjectName(const std::string& cwd) {
    std::filesystem::path path = std::filesystem::path(cwd).lexically_normal();
    if (!path.has_filename() && path.has_parent_path() && path != path.root_path()) {
        path = path.parent_path();
    }
    return DetectDefaultProject(path);
}

Result<HookOutcome> HookHandler::Handle(const memory::ProjectRef& project, const HookEvent& event,
                                        bool can_write) {
    switch (event.kind) {
        case HookEventKind::kSessionStart: return SessionStart(project);
        case HookEventKind::kUserPromptSubmit: return PromptSubmit(project, event);
        case HookEventKind::kPreToolUse: return PreToolUse(project, event);
        case HookEventKind::kPreCompact:
        case HookEventKind::kSessionEnd: return Handover(project, event, can_write);
    }
    return HookOutcome{};
}

Result<HookOutcome> HookHandler::SessionStart(const memory::ProjectRef& project) {
    auto briefing = store_.WakeUp(project);
    if (!briefing.ok()) {
        if (ProjectMissing(briefing.error()))
            return HookOutcome{Json(), "project has no memory yet"};
        return std::move(briefing).error();
    }
    const std::string text =
        tools::RenderHookBriefing(project.name, *briefing, settings_.briefing_chars);
    return HookOutcome{Context("SessionStart", text), "briefing"};
}

Result<std::string> HookHandler::RelevantRules(const memory::ProjectRef& project,
                                               const std::string& text, bool always_check_only) {
    auto hits = store_.CheckContexts(project, text);
    if (!hits.ok()) {
        if (ProjectMissing(hits.error())) return std::string();
        return std::move(hits).error();
    }
    std::ostringstream rules;
    std::ostringstream others;
    for (const auto& hit : *hits) {
        if (hit.value("score", 0.0) < settings_.min_score) continue;
        const std::string priority = hit.value("priority", "");
        if (priority == "always_check") {
            const auto content = hit.find("content");
            rules << "\n### " << hit.value("topic", "") << " (v" << hit.value("version", 0) << ")\n"
                  << (content != hit.end() && content->is_string() ? content->get<std::string>()
                                                                   : "")
                  << "\n";
        } else if (!always_check_only) {
            others << "- " << hit.value("topic", "") << ": " << hit.value("preview", "") << "\n";
        }
    }
    std::string out;
    if (!rules.str().empty()) out += "Rules to follow (always_check):\n" + rules.str();
    if (!others.str().empty()) {
        out += (out.empty() ? "" : "\n") +
               std::string("Important contexts (recall_context for the full text):\n") +
               others.str();
    }
    return out;
}

Result<HookOutcome> HookHandler::PromptSubmit(const memory::ProjectRef& project,
                                              const HookEvent& event) {
    if (event.prompt.find_first_not_of(" \t\r\n") == std::string::npos) return HookOutcome{};
    // check_contexts takes at most 20 000 characters; the start of a long prompt says enough.
    auto rules = RelevantRules(project, tools::BoundText(event.prompt, 20'000), false);
    if (!rules.ok()) return std::move(rules).error();
    if (rules->empty()) return HookOutcome{Json(), "nothing relevant"};
    const std::string text = "mnemo: relevant to this request, from the memory of project '" +
                             project.name + "':\n" + *rules;
    return HookOutcome{Context("UserPromptSubmit", tools::BoundText(text, settings_.context_chars)),
                       "relevant rules"};
}

Result<HookOutcome> HookHandler::PreToolUse(const memory::ProjectRef& project,
                                            const HookEvent& event) {
    if (!IsGuardedTool(event.tool_name)) return HookOutcome{Json(), "tool not watched"};
    const auto subjects = GuardSubjects(event);
    if (subjects.empty() || subjects.front().empty())
        return HookOutcome{Json(), "nothing to check"};
    auto guards = store_.Guards(project);
    if (!guards.ok()) {
        if (ProjectMissing(guards.error())) return HookOutcome{Json(), "project has no memory yet"};
        return std::move(guards).error();
    }
    const auto matches = tools::MatchGuards(*guards, subjects);
    if (!matches.empty()) {
        const auto& first = matches.front();
        std::string reason = "mnemo guard '" + first.topic + "' (v" +
                             std::to_string(first.version) + ") matches '" +
                             tools::BoundText(first.subject, 200) + "': " + first.content;
        if (matches.size() > 1) {
            reason += "\n(also: ";
            for (std::size_t i = 1; i < matches.size(); ++i) {
                reason += (i > 1 ? ", " : "") + matches[i].topic;
            }
            reason += ")";
        }
        return HookOutcome{
            {{"hookSpecificOutput",
              {{"hookEventName", "PreToolUse"},
               {"permissionDecision", first.decision},
               {"permissionDecisionReason", tools::BoundText(reason, settings_.context_chars)}}}},
            "guard " + first.decision + ": " + first.topic};
    }
    auto rules = RelevantRules(project, tools::BoundText(subjects.front(), 20'000), true);
    if (!rules.ok()) return std::move(rules).error();
    if (rules->empty()) return HookOutcome{Json(), "nothing relevant"};
    const std::string text =
        "mnemo: project rules relevant to this " + event.tool_name + " call.\n" + *rules;
    return HookOutcome{Context("PreToolUse", tools::BoundText(text, settings_.context_chars)),
                       "relevant rules"};
}

Result<HookOutcome> HookHandler::Handover(const memory::ProjectRef& project, const HookEvent& event,
                                          bool can_write) {
    if (!can_write) {
        return Error(ErrorCode::kRefused,
                     "this token is read-only: an automatic handover needs a write token");
    }
    if (!settings_.read_transcripts) {
        return HookOutcome{Json(), "transcripts are not read here (http hooks)"};
    }
    if (event.transcript_path.empty()) return HookOutcome{Json(), "no transcript"};
    auto digest = ReadTranscript(event.transcript_path, settings_.transcript);
    if (!digest.ok()) return HookOutcome{Json(), digest.error().message()};
    if (digest->called_sleep) return HookOutcome{Json(), "the conversation called sleep"};
    if (digest->requests.empty() && digest->files.empty() && digest->commands.empty() &&
        digest->last_assistant_text.empty()) {
        return HookOutcome{Json(), "empty conversation"};
    }
    auto request = BuildAutomaticHandover(*digest, HookEventName(event.kind), settings_.transcript);
    request.client_session = event.session_id;
    auto stored = store_.StoreAutomaticHandover(project, request);
    if (!stored.ok() && ProjectMissing(stored.error())) {
        auto created = store_.CreateProject(project, "created by mnemo's Claude Code hooks");
        if (!created.ok()) return std::move(created).error();
        stored = store_.StoreAutomaticHandover(project, request);
    }
    if (!stored.ok()) return std::move(stored).error();
    const Json& skipped = (*stored)["skipped"];
    std::string note = stored->value("stored", false)
                           ? (stored->value("updated", false) ? "automatic handover updated"
                                                              : "automatic handover stored")
                           : "skipped: " + (skipped.is_string() ? skipped.get<std::string>() : "");
    return HookOutcome{Json(), note};
}

}  // namespace mnemo::hooks

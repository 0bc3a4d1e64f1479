// SPDX-License-Identifier: MIT
// Rendering the wake_up briefing as text.
#include "tools/briefing.hpp"

#include <sstream>

#include "tools/text_rules.hpp"

namespace mnemo::tools {
namespace {

using Json = nlohmann::json;

void AppendList(std::ostringstream& out, const Json& items) {
    if (!items.is_array()) return;
    for (const auto& item : items) {
        if (item.is_string()) out << "- " << item.get<std::string>() << "\n";
    }
}

std::string HandoverTitle(const Json& handover) {
    std::string title =
        "Last handover (" + handover.value("age_hours", Json(0)).dump() + " hours ago";
    if (handover.value("automatic", false)) {
        title += "; automatic: written by a hook from the conversation's transcript, not by sleep";
    }
    return title + ")";
}

void AppendRules(std::ostringstream& out, const Json& briefing) {
    const auto rules = briefing.value("always_check", Json::array());
    if (rules.empty()) return;
    out << "\n## Rules to follow (always_check contexts)\n";
    for (const auto& rule : rules) {
        out << "\n### " << rule.value("topic", "") << " (v" << rule.value("version", 0) << ")\n"
            << rule.value("content", "") << (rule.value("truncated", false) ? " [...]" : "")
            << "\n";
    }
}

void AppendImportant(std::ostringstream& out, const Json& briefing) {
    const auto important = briefing.value("important", Json::array());
    if (important.empty()) return;
    out << "\n## Important contexts (recall_context for the full text)\n";
    for (const auto& entry : important) {
        out << "- " << entry.value("topic", "") << ": " << entry.value("preview", "") << "\n";
    }
}

}  // namespace

std::string BoundText(const std::string& text, std::size_t max_chars) {
    auto slice = Utf8Slice(text, 0, max_chars);
    if (slice.total_chars <= max_chars) return text;
    constexpr std::string_view kCut = "\n[... cut to stay short; call wake_up for the rest]";
    slice = Utf8Slice(text, 0, max_chars > kCut.size() ? max_chars - kCut.size() : 0);
    return slice.text + std::string(kCut);
}

std::string RenderBriefing(const std::string& project, const Json& briefing) {
    std::ostringstream out;
    out << "You are starting a session on project '" << project
        << "' with mnemo as its persistent memory.\n";
    const auto& handover = briefing.value("handover", Json());
    if (handover.is_object()) {
        out << "\n## " << HandoverTitle(handover) << "\n" << handover.value("summary", "") << "\n";
        if (!handover.value("pending", Json::array()).empty()) {
            out << "\nPending:\n";
            AppendList(out, handover["pending"]);
        }
        if (!handover.value("completed", Json::array()).empty()) {
            out << "\nCompleted:\n";
            AppendList(out, handover["completed"]);
        }
        if (const auto notes = handover.value("notes", ""); !notes.empty()) {
            out << "\nNotes: " << notes << "\n";
        }
    } else {
        out << "\nNo handover yet: this is the project's first recorded session.\n";
    }
    AppendRules(out, briefing);
    AppendImportant(out, briefing);
    out << "\nLock new decisions with lock_context as they are made, and call sleep with a "
           "summary and the pending items before the conversation ends.";
    return out.str();
}

std::string RenderHookBriefing(const std::string& project, const Json& briefing,
                               std::size_t max_chars) {
    std::ostringstream out;
    out << "mnemo memory for project '" << project << "' (from mnemo's SessionStart hook).\n";
    AppendRules(out, briefing);
    const auto& handover = briefing.value("handover", Json());
    if (handover.is_object()) {
        out << "\n## " << HandoverTitle(handover) << "\n" << handover.value("summary", "") << "\n";
        if (!handover.value("pending", Json::array()).empty()) {
            out << "\nPending:\n";
            AppendList(out, handover["pending"]);
        }
        if (const auto notes = handover.value("notes", ""); !notes.empty()) {
            out << "\nNotes: " << notes << "\n";
        }
    }
    const auto& files = briefing.value("files_changed", Json());
    if (files.is_object() && files.value("count", 0) > 0) {
        out << "\n## Files changed since the last handover (" << files.value("count", 0) << ")\n";
        for (const auto& file : files.value("recent", Json::array())) {
            out << "- " << file.value("path", "") << " (" << file.value("change", "") << ")\n";
        }
    }
    AppendImportant(out, briefing);
    out << "\nLock decisions with lock_context; call sleep with a summary and the pending items "
           "before the conversation ends.";
    return BoundText(out.str(), max_chars);
}

}  // namespace mnemo::tools

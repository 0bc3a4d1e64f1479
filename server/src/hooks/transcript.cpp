// SPDX-License-Identifier: MIT
// Digesting Claude Code transcripts.
#include "hooks/transcript.hpp"

#include <algorithm>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "hooks/hook_event.hpp"
#include "hooks/redact.hpp"
#include "tools/briefing.hpp"

namespace mnemo::hooks {
namespace {

using Json = nlohmann::json;

/// Redacted, then cut to `max_chars`. Redaction sees a margin beyond the cut (so a secret
/// across the cut is still recognised) but never the whole of a huge text.
std::string Clean(std::string_view text, std::size_t max_chars) {
    std::string flat = RedactSecrets(text.substr(0, 4 * max_chars + 1024));
    std::replace(flat.begin(), flat.end(), '\r', ' ');
    const auto begin = flat.find_first_not_of(" \n\t");
    if (begin == std::string::npos) return {};
    flat = flat.substr(begin, flat.find_last_not_of(" \n\t") - begin + 1);
    return tools::BoundText(flat, max_chars);
}

/// Keeps the last `max` items.
void PushBounded(std::vector<std::string>& items, std::string item, std::size_t max) {
    if (item.empty() || max == 0) return;
    items.push_back(std::move(item));
    if (items.size() > max) items.erase(items.begin());
}

/// Text a user typed, as opposed to what Claude Code adds on their behalf (slash command
/// echoes, local command output, reminders).
bool IsTypedRequest(std::string_view text) {
    for (std::string_view prefix :
         {"<command-", "<local-command-", "<system-reminder>", "Caveat:", "[Request interrupted"}) {
        if (text.starts_with(prefix)) return false;
    }
    return true;
}

bool IsSleepTool(std::string_view name) {
    // MCP tools appear as mcp__<server>__<tool>; any server name the user gave mnemo.
    return name.starts_with("mcp__") && name.ends_with("__sleep");
}

void DigestUser(const Json& line, TranscriptDigest& digest, const TranscriptLimits& limits) {
    const Json& message = line.value("message", Json::object());
    const Json content = message.is_object() ? message.value("content", Json()) : Json();
    std::string text;
    if (content.is_string()) {
        text = content.get<std::string>();
    } else if (content.is_array()) {
        for (const auto& block : content) {
            if (block.is_object() && StringField(block, "type") == "text") {
                text += (text.empty() ? "" : "\n") + StringField(block, "text");
            }
        }
    }
    if (text.empty()) return;
    if (IsTrueField(line, "isCompactSummary")) {
        digest.compact_summary = Clean(text, limits.max_summary_chars);
        return;
    }
    if (IsTrueField(line, "isMeta") || !IsTypedRequest(text)) return;
    PushBounded(digest.requests, Clean(text, limits.max_request_chars), limits.max_requests);
}

void DigestToolUse(const Json& block, TranscriptDigest& digest, const TranscriptLimits& limits) {
    const std::string name = StringField(block, "name");
    const Json& input = block.value("input", Json::object());
    if (!input.is_object()) return;
    if (IsSleepTool(name)) digest.called_sleep = true;
    if (name == "Bash") {
        PushBounded(digest.commands, Clean(StringField(input, "command"), limits.max_command_chars),
                    limits.max_commands);
        return;
    }
    if (name == "Edit" || name == "Write" || name == "MultiEdit" || name == "NotebookEdit") {
        std::string path =
            StringField(input, name == "NotebookEdit" ? "notebook_path" : "file_path");
        path = Clean(path, 500);
        if (path.empty()) return;
        // Most recent last, each file once.
        std::erase(digest.files, path);
        PushBounded(digest.files, std::move(path), limits.max_files);
    }
}

void DigestAssistant(const Json& line, TranscriptDigest& digest, const TranscriptLimits& limits) {
    // Claude Code's own error lines ("Not logged in", "API Error: …") are written as assistant
    // messages; they are not what the assistant said.
    if (IsTrueField(line, "isApiErrorMessage")) return;
    const Json& message = line.value("message", Json::object());
    if (!message.is_object()) return;
    const Json& content = message.value("content", Json());
    // Only the last text is kept: it is cleaned once, at the end (DigestTranscript).
    if (content.is_string()) {
        if (content.get<std::string>().find_first_not_of(" \n\t") != std::string::npos) {
            digest.last_assistant_text = content.get<std::string>();
        }
        return;
    }
    if (!content.is_array()) return;
    std::string text;
    for (const auto& block : content) {
        if (!block.is_object()) continue;
        const std::string type = StringField(block, "type");
        if (type == "text") text += (text.empty() ? "" : "\n") + StringField(block, "text");
        if (type == "tool_use") DigestToolUse(block, digest, limits);
    }
    if (text.find_first_not_of(" \n\t") != std::string::npos) {
        digest.last_assistant_text = std::move(text);
    }
}

void DigestLine(std::string_view raw, TranscriptDigest& digest, const TranscriptLimits& limits) {
    if (raw.find_first_not_of(" \t\r") == std::string_view::npos) return;
    ++digest.lines;
    const Json line = Json::parse(raw, nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded() || !line.is_object()) {
        ++digest.bad_lines;
        return;
    }
    if (digest.started_at.empty()) {
        if (const auto at = line.find("timestamp"); at != line.end() && at->is_string()) {
            digest.started_at = at->get<std::string>().substr(0, 64);
        }
    }
    const std::string type = StringField(line, "type");
    if (type == "user") DigestUser(line, digest, limits);
    if (type == "assistant") DigestAssistant(line, digest, limits);
    if (type == "summary") {
        if (const auto summary = line.find("summary");
            summary != line.end() && summary->is_string()) {
            digest.compact_summary = Clean(summary->get<std::string>(), limits.max_summary_chars);
        }
    }
}

void ForEachLine(std::string_view text, const std::function<void(std::string_view)>& visit) {
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        visit(text.substr(start, end - start));
        start = end + 1;
    }
}

}  // namespace

TranscriptDigest DigestTranscript(std::string_view text, const TranscriptLimits& limits) {
    TranscriptDigest digest;
    ForEachLine(text, [&](std::string_view line) { DigestLine(line, digest, limits); });
    digest.last_assistant_text = Clean(digest.last_assistant_text, limits.max_summary_chars);
    return digest;
}

Result<TranscriptDigest> ReadTranscript(const std::filesystem::path& path,
                                        const TranscriptLimits& limits) {
    std::ifstream file(path, std::ios::binary);
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (!file || error) {
        return Error(ErrorCode::kInvalidArgument,
                     "cannot read the transcript '" + path.string() + "'");
    }
    if (size <= limits.max_read_bytes) {
        std::string text(size, '\0');
        file.read(text.data(), static_cast<std::streamsize>(size));
        text.resize(static_cast<std::size_t>(file.gcount()));
        return DigestTranscript(text, limits);
    }
    // Too long: the start time from the first line, the rest from the tail (its first,
    // partial line dropped).
    std::string first;
    std::getline(file, first);
    if (first.size() > (1 << 20)) first.clear();
    std::string tail(limits.max_read_bytes, '\0');
    file.seekg(static_cast<std::streamoff>(size - limits.max_read_bytes));
    file.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    tail.resize(static_cast<std::size_t>(file.gcount()));
    const auto newline = tail.find('\n');
    tail.erase(0, newline == std::string::npos ? tail.size() : newline + 1);
    TranscriptDigest digest = DigestTranscript(tail, limits);
    if (const auto head = DigestTranscript(first, limits); !head.started_at.empty()) {
        digest.started_at = head.started_at;
    }
    return digest;
}

memory::AutomaticHandoverRequest BuildAutomaticHandover(const TranscriptDigest& digest,
                                                        const std::string& event_name,
                                                        const TranscriptLimits& limits) {
    memory::AutomaticHandoverRequest request;
    std::string words =
        !digest.last_assistant_text.empty() ? digest.last_assistant_text : digest.compact_summary;
    if (words.empty()) {
        words = "The conversation left no summary of its own (" +
                std::to_string(digest.requests.size()) + " requests, " +
                std::to_string(digest.files.size()) + " files edited).";
    }
    request.summary =
        "[automatic handover: the conversation did not call sleep; written by "
        "mnemo's " +
        event_name + " hook from its transcript] " + words;
    for (const auto& file : digest.files) request.completed.push_back("edited " + file);
    std::string notes;
    if (!digest.requests.empty()) {
        notes += "User requests (oldest first):\n";
        for (const auto& item : digest.requests) notes += "- " + item + "\n";
    }
    if (!digest.commands.empty()) {
        notes += (notes.empty() ? "" : "\n") + std::string("Commands run (oldest first):\n");
        for (const auto& item : digest.commands) notes += "- " + item + "\n";
    }
    if (!digest.compact_summary.empty() && !digest.last_assistant_text.empty()) {
        notes +=
            "\nEarlier in the conversation (compaction summary):\n" + digest.compact_summary + "\n";
    }
    request.notes = tools::BoundText(notes, limits.max_notes_chars);
    request.since = digest.started_at;
    return request;
}

}  // namespace mnemo::hooks

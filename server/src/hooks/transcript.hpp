// SPDX-License-Identifier: MIT
// Claude Code transcripts (JSON Lines): what a conversation did, for automatic handovers.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "memory/store.hpp"
#include "util/error.hpp"

namespace mnemo::hooks {

/// Bounds on what is read and kept. Defaults keep an automatic handover to a few kilobytes.
struct TranscriptLimits {
    std::size_t max_read_bytes = 8 << 20;  // of a longer file only the last 8 MiB is read
    std::size_t max_requests = 10;         // the latest user requests
    std::size_t max_request_chars = 300;   // each
    std::size_t max_files = 30;            // distinct files edited or written (latest)
    std::size_t max_commands = 15;         // the latest Bash commands
    std::size_t max_command_chars = 200;   // each
    std::size_t max_summary_chars = 2000;  // the last assistant text
    std::size_t max_notes_chars = 6000;    // the whole notes field
};

/// What a transcript says about its conversation. Every text is redacted (RedactSecrets) and
/// cut to its limit.
struct TranscriptDigest {
    std::vector<std::string> requests;  // what the user asked, oldest first
    std::vector<std::string> files;     // edited or written (Edit, Write, MultiEdit, NotebookEdit)
    std::vector<std::string> commands;  // Bash commands run, oldest first
    std::string last_assistant_text;    // the assistant's last words (its summary)
    std::string compact_summary;        // the latest compaction summary, if any
    std::string started_at;             // the first line's timestamp ("" if none)
    bool called_sleep = false;          // the conversation called mnemo's sleep tool
    std::size_t lines = 0;              // lines read
    std::size_t bad_lines = 0;          // lines that were not JSON objects (skipped)
};

/// Digests transcript text (JSON Lines as Claude Code writes them: user and assistant
/// messages, tool_use and tool_result blocks, summary and compaction lines). Never fails:
/// malformed lines are counted and skipped.
[[nodiscard]] TranscriptDigest DigestTranscript(std::string_view text,
                                                const TranscriptLimits& limits = {});

/// Reads and digests the transcript at `path` (only its last limits.max_read_bytes; the
/// start time still comes from its first line). Errors: kInvalidArgument when the file
/// cannot be read (the message names it).
[[nodiscard]] Result<TranscriptDigest> ReadTranscript(const std::filesystem::path& path,
                                                      const TranscriptLimits& limits = {});

/// The automatic handover for a digest: summary (the assistant's last words, else the
/// compaction summary), completed (files edited or written), notes (requests and commands),
/// bounded by `limits`; `event_name` says which hook wrote it.
[[nodiscard]] memory::AutomaticHandoverRequest BuildAutomaticHandover(
    const TranscriptDigest& digest, const std::string& event_name,
    const TranscriptLimits& limits = {});

}  // namespace mnemo::hooks

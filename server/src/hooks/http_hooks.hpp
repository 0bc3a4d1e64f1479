// SPDX-License-Identifier: MIT
// Hook events over HTTP (hosted mnemo): the same answers as `mnemo hook`, per token user.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "hooks/hook_handler.hpp"
#include "memory/access_store.hpp"
#include "memory/store.hpp"

namespace mnemo::hooks {

/// An HTTP answer: 200 with the JSON for Claude Code ("" = nothing to say), or an error status
/// with {"error": ...}.
struct HttpHookAnswer {
    unsigned status = 200;
    std::string body;
    bool bad_token = false;  // the token is unknown or revoked (401)
};

/// Answers one POSTed hook event for whoever `bearer` authenticates (nullopt: authentication
/// is off, the local owner), with the same token checks as /mcp: 401 for an unknown or revoked
/// token, 403 when a read-only token would store an automatic handover (PreCompact,
/// SessionEnd), 400 for a malformed event, 503 when the database does not answer. The project
/// is the token user's project named after the event's cwd (HookProjectName), so users never
/// see each other's memory. Transcripts are never read over HTTP (transcript_path names a
/// file on the client's machine; see HookSettings::read_transcripts), so PreCompact and
/// SessionEnd store no automatic handover here. Thread safety: may run concurrently.
[[nodiscard]] HttpHookAnswer AnswerHttpHook(memory::Store& store, const memory::AccessStore& access,
                                            const Config& config,
                                            const std::optional<std::string>& bearer,
                                            const std::string& body);

}  // namespace mnemo::hooks

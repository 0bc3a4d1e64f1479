// SPDX-License-Identifier: MIT
// libFuzzer target: Claude Code hook input (hooks/) — any bytes as an event, parsed with and
// without an expected kind, and as a transcript: nothing crashes, an accepted event has a
// session_id of 1..200 bytes and an absolute cwd, and a digest and the handover built from it
// stay within their limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hooks/hook_event.hpp"
#include "hooks/redact.hpp"
#include "hooks/transcript.hpp"

namespace {

std::size_t Chars(std::string_view text) {
    std::size_t count = 0;
    for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mnemo::hooks;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const auto expected :
         {std::optional<HookEventKind>(), std::optional(HookEventKind::kPreToolUse)}) {
        const auto event = ParseHookEvent(input, expected);
        if (!event.ok()) continue;
        if (event->session_id.empty() || event->session_id.size() > 200) std::abort();
        if (event->cwd.empty() || event->cwd.front() != '/') std::abort();
        if (event->kind == HookEventKind::kPreToolUse && !event->tool_input.is_object())
            std::abort();
    }
    TranscriptLimits limits;
    limits.max_requests = 3;
    limits.max_files = 3;
    limits.max_commands = 3;
    const TranscriptDigest digest = DigestTranscript(input, limits);
    if (digest.requests.size() > 3 || digest.files.size() > 3 || digest.commands.size() > 3) {
        std::abort();
    }
    for (const auto& request : digest.requests) {
        if (Chars(request) > limits.max_request_chars) std::abort();
    }
    if (Chars(digest.last_assistant_text) > limits.max_summary_chars) std::abort();
    const auto handover = BuildAutomaticHandover(digest, "SessionEnd", limits);
    if (Chars(handover.notes) > limits.max_notes_chars) std::abort();
    (void)RedactSecrets(input);
    return 0;
}

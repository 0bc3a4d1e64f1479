// SPDX-License-Identifier: MIT
// The stdio transport: newline-delimited JSON-RPC on stdin/stdout.
#pragma once

#include <cstddef>

#include "mcp/dispatcher.hpp"
#include "mcp/subscriptions.hpp"

namespace mnemo::transport {

struct StdioOptions {
    int input_fd = 0;
    int output_fd = 1;
    /// Tool calls run on this many threads, so a slow call does not hold up ping or others.
    std::size_t workers = 4;
    /// Longer lines are answered with a parse error and skipped.
    std::size_t max_line_bytes = 16 << 20;
    /// When set, resources/updated notifications for this session are written to the output
    /// while RunStdio runs.
    mcp::Subscriptions* subscriptions = nullptr;
};

/// Serves one session until end of input, then waits for calls in flight and returns.
/// One message per line (a trailing '\r' is ignored, blank lines skipped); replies are written
/// whole, one per line, under one lock. stdout carries nothing else. Requests that may touch
/// the database run on the workers, so the reader keeps taking cancellations and the client's
/// answers to sampling and elicitation requests while they run.
/// Returns 0, or 1 when the output could not be written (the client went away).
int RunStdio(const mcp::Dispatcher& dispatcher, mcp::Session& session, const StdioOptions& options);

}  // namespace mnemo::transport

// SPDX-License-Identifier: MIT
// Project discovery: the project of a call that names none and whose session selected none.
#pragma once

#include <optional>
#include <string>

#include "mcp/tool_registry.hpp"
#include "tools/tool_support.hpp"

namespace mnemo::tools {

/// The project name a roots/list result points at: the last path segment of its first
/// `file://` root, percent-decoded and normalised by the project-name rule (the root is the
/// client's workspace, usually its git root, whose name stdio would use). The server never looks
/// at that path on its own file system. nullopt when there is no usable root.
[[nodiscard]] std::optional<std::string> ProjectFromRoots(const Json& roots_result);

/// A discovered project and where it came from ("roots", "server default", "only project").
struct DiscoveredProject {
    std::string name;
    std::string source;
};

/// Finds the project for `call` over HTTP as stdio would: the client's roots (roots/list,
/// asked once when the client declared the capability, answered within 5 s), else the
/// server's default (--project, MNEMO_PROJECT), else the owner's only project. Over stdio only
/// the server's default (which holds the working directory's name when it makes one).
/// Errors: a message that says what was tried and lists the owner's projects.
///
/// Thread safety: the calling request's thread (it may wait for the client's answer).
[[nodiscard]] Result<DiscoveredProject> DiscoverProject(const mcp::ToolCall& call,
                                                        ToolServices& services);

}  // namespace mnemo::tools

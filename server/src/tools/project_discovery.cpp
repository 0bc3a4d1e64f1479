// SPDX-License-Identifier: MIT
// Project discovery: roots, then the server's default, then the owner's only project.
#include "tools/project_discovery.hpp"

#include <chrono>

#include "config/config.hpp"
#include "mcp/uri_template.hpp"

namespace mnemo::tools {
namespace {

/// roots/list is answered by the client program itself, never by its user: a client that
/// declared roots and does not answer this fast is not going to.
constexpr std::chrono::milliseconds kRootsWait(5000);

}  // namespace

std::optional<std::string> ProjectFromRoots(const Json& roots_result) {
    if (!roots_result.is_object()) return std::nullopt;
    const auto roots = roots_result.find("roots");
    if (roots == roots_result.end() || !roots->is_array()) return std::nullopt;
    for (const auto& root : *roots) {
        if (!root.is_object() || !root.contains("uri") || !root["uri"].is_string()) continue;
        std::string_view uri = root["uri"].get_ref<const std::string&>();
        constexpr std::string_view kScheme = "file://";
        if (!uri.starts_with(kScheme)) continue;
        uri.remove_prefix(kScheme.size());
        const auto path_start = uri.find('/');  // after an optional host ("file://host/p")
        if (path_start == std::string_view::npos) continue;
        std::string_view path = uri.substr(path_start);
        path = path.substr(0, path.find_first_of("?#"));
        while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
        const auto decoded = mcp::PercentDecode(path.substr(path.rfind('/') + 1));
        if (!decoded) continue;
        const std::string name = ProjectNameFromDirectory(*decoded);
        if (!name.empty()) return name;
    }
    return std::nullopt;
}

Result<DiscoveredProject> DiscoverProject(const mcp::ToolCall& call, ToolServices& services) {
    // Over stdio the working directory names the project (the server's default); when it
    // cannot, guessing another project would write where the user did not look.
    const bool http = services.config.transport == Transport::kHttp;
    std::string roots_note = "the client shared no roots";
    if (http && call.session.ClientCan("roots")) {
        const auto answer = call.RequestClient("roots/list", Json::object(), kRootsWait);
        if (!answer.ok) {
            roots_note = "the client's roots/list failed (" + answer.error + ")";
        } else if (auto name = ProjectFromRoots(answer.result)) {
            return DiscoveredProject{std::move(*name), "roots"};
        } else {
            roots_note = "the client's roots name no usable directory";
        }
    }
    if (!services.config.default_project.empty()) {
        return DiscoveredProject{services.config.default_project, "server default"};
    }
    auto projects = services.store.ListProjects(call.session.owner());
    if (!projects.ok()) return std::move(projects).error();
    if (http && projects->size() == 1) {
        return DiscoveredProject{(*projects)[0].value("name", ""), "only project"};
    }
    std::string names;
    for (const auto& project : *projects) {
        names += (names.empty() ? "" : ", ") + project.value("name", "");
    }
    return Error(ErrorCode::kNoProject,
                 "No project selected: " + (http ? roots_note + ", " : std::string()) +
                     "the server has no default project (--project, MNEMO_PROJECT), and " +
                     (projects->empty() ? std::string("you have no projects yet")
                                        : "you have " + std::to_string(projects->size()) +
                                              " projects (" + names + ")") +
                     ". Call select_project (or create_project), or pass \"project\".");
}

}  // namespace mnemo::tools

// SPDX-License-Identifier: MIT
// `mnemo hooks install|uninstall|status`: mnemo's hooks in Claude Code's settings files.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "files/path_rules.hpp"
#include "hooks/settings_merge.hpp"

namespace mnemo::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

/// A settings file as read: absent, a document, or unreadable / not JSON (`problem`).
struct SettingsFile {
    bool exists = false;
    Json document = Json::object();
    std::string problem;
};

SettingsFile ReadSettings(const fs::path& path) {
    SettingsFile file;
    std::error_code error;
    if (!fs::exists(path, error)) return file;
    file.exists = true;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        file.problem = "cannot read " + path.string();
        return file;
    }
    std::ostringstream text;
    text << in.rdbuf();
    const std::string body = text.str();
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) return file;  // empty: {}
    try {
        file.document = Json::parse(body);
    } catch (const Json::parse_error& parse) {
        file.problem = path.string() + " is not valid JSON (" + parse.what() +
                       "); fix it or move it away — mnemo left it untouched";
    }
    return file;
}

/// Writes `document` to `path` through a temporary file in the same directory and a rename,
/// keeping the old file's permissions; a reader sees the old file or the new one, never half.
std::string WriteSettings(const fs::path& path, const Json& document) {
    std::error_code error;
    fs::create_directories(path.parent_path(), error);
    if (error) return "cannot create " + path.parent_path().string() + ": " + error.message();
    const fs::path temporary = path.parent_path() / ("." + path.filename().string() + ".mnemo-" +
                                                     std::to_string(getpid()));
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << document.dump(2) << "\n";
        out.flush();
        if (!out) {
            fs::remove(temporary, error);
            return "cannot write " + temporary.string();
        }
    }
    if (fs::exists(path, error)) {
        fs::permissions(temporary, fs::status(path, error).permissions(), error);
    }
    fs::rename(temporary, path, error);
    if (error) {
        std::error_code ignored;
        fs::remove(temporary, ignored);
        return "cannot replace " + path.string() + ": " + error.message();
    }
    return {};
}

/// The settings file of `scope` (user | project | local), or "" with `problem` set.
fs::path ScopePath(const std::string& scope, std::string& problem) {
    if (scope == "user") {
        const char* home = std::getenv("HOME");
        if (home == nullptr || *home == '\0') {
            problem = "HOME is not set: cannot find ~/.claude/settings.json";
            return {};
        }
        return fs::path(home) / ".claude" / "settings.json";
    }
    std::error_code error;
    const fs::path root = files::DefaultScanRoot(fs::current_path(error));
    return root / ".claude" / (scope == "local" ? "settings.local.json" : "settings.json");
}

std::string MnemoBinary() {
    std::error_code error;
    const fs::path self = fs::read_symlink("/proc/self/exe", error);
    return error ? std::string("mnemo") : self.string();
}

std::string EventList(const std::vector<std::pair<std::string, std::string>>& installed) {
    std::string list;
    for (const auto& [event, type] : installed) {
        list += (list.empty() ? "" : ", ") + event + " (" + type + ")";
    }
    return list;
}

int Install(const HooksCommand& command, const fs::path& path) {
    hooks::HookInstallSpec spec;
    spec.binary = MnemoBinary();
    if (!command.http_url.empty()) {
        auto url = hooks::HookEndpointUrl(command.http_url);
        if (!url.ok()) {
            PrintError(url.error().message());
            return 2;
        }
        spec.http_url = *url;
        spec.token_env = command.token_env;
    }
    SettingsFile file = ReadSettings(path);
    if (!file.problem.empty()) {
        PrintError(file.problem);
        return 1;
    }
    auto merged = hooks::InstallHooks(file.document, spec);
    if (!merged.ok()) {
        PrintError(path.string() + ": " + merged.error().message() + "; mnemo left it untouched");
        return 1;
    }
    if (file.exists && *merged == file.document) {
        std::printf("mnemo hooks already installed in %s; nothing changed\n", path.c_str());
        return 0;
    }
    if (auto problem = WriteSettings(path, *merged); !problem.empty()) {
        PrintError(problem);
        return 1;
    }
    std::printf("mnemo hooks installed in %s: %s\n", path.c_str(),
                EventList(hooks::InstalledHooks(*merged)).c_str());
    return 0;
}

int Uninstall(const fs::path& path) {
    SettingsFile file = ReadSettings(path);
    if (!file.problem.empty()) {
        PrintError(file.problem);
        return 1;
    }
    if (!file.exists || hooks::InstalledHooks(file.document).empty()) {
        std::printf("no mnemo hooks in %s; nothing changed\n", path.c_str());
        return 0;
    }
    auto cleaned = hooks::UninstallHooks(file.document);
    if (!cleaned.ok()) {
        PrintError(path.string() + ": " + cleaned.error().message() + "; mnemo left it untouched");
        return 1;
    }
    if (auto problem = WriteSettings(path, *cleaned); !problem.empty()) {
        PrintError(problem);
        return 1;
    }
    std::printf("mnemo hooks removed from %s (other settings kept)\n", path.c_str());
    return 0;
}

int Status() {
    int installed_scopes = 0;
    for (const char* scope : {"user", "project", "local"}) {
        std::string problem;
        const fs::path path = ScopePath(scope, problem);
        if (!problem.empty()) {
            std::printf("%-8s %s\n", scope, problem.c_str());
            continue;
        }
        const SettingsFile file = ReadSettings(path);
        std::string state;
        if (!file.exists) {
            state = "no file";
        } else if (!file.problem.empty()) {
            state = "not valid JSON";
        } else if (const auto hooks = hooks::InstalledHooks(file.document); hooks.empty()) {
            state = "not installed";
        } else {
            state = "installed: " + EventList(hooks);
            ++installed_scopes;
        }
        std::printf("%-8s %s: %s\n", scope, path.c_str(), state.c_str());
    }
    if (installed_scopes == 0) std::printf("mnemo hooks are not installed (mnemo hooks install)\n");
    return 0;
}

}  // namespace

int RunHooks(const HooksCommand& command) {
    if (command.action == "status") return Status();
    if (command.http_url.empty() != command.token_env.empty()) {
        PrintError(
            "--http and --token-env go together: the hook sends "
            "'Authorization: Bearer $VAR' from the environment variable you name");
        return 2;
    }
    if (!command.token_env.empty() &&
        (command.token_env.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
             std::string::npos ||
         (command.token_env[0] >= '0' && command.token_env[0] <= '9'))) {
        PrintError(
            "--token-env must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got '" +
            command.token_env + "'");
        return 2;
    }
    std::string problem;
    const fs::path path = ScopePath(command.scope, problem);
    if (!problem.empty()) {
        PrintError(problem);
        return 1;
    }
    return command.action == "install" ? Install(command, path) : Uninstall(path);
}

}  // namespace mnemo::cli

// SPDX-License-Identifier: MIT
// Config: environment and flags merged, every value range-checked with a message naming it.
#include "config/config.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string_view>
#include <tuple>

#include "util/log.hpp"

extern char** environ;

namespace mnemo {
namespace {

Error Invalid(std::string message) {
    return Error{ErrorCode::kInvalidArgument, std::move(message)};
}

/// Reads an integer setting in [min, max]; leaves `value` alone when the variable is unset.
Status ReadInteger(const std::map<std::string, std::string>& env, const std::string& name,
                   long long min, long long max, long long& value) {
    const auto found = env.find(name);
    if (found == env.end()) return {};
    const std::string& text = found->second;
    long long parsed = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || parsed < min ||
        parsed > max) {
        return Invalid(name + " must be an integer from " + std::to_string(min) + " to " +
                       std::to_string(max) + ", got '" + text + "'");
    }
    value = parsed;
    return {};
}

std::string Lookup(const std::map<std::string, std::string>& env, const std::string& name) {
    const auto found = env.find(name);
    return found == env.end() ? std::string() : found->second;
}

std::filesystem::path DefaultHome(const std::map<std::string, std::string>& env) {
    if (auto data_home = Lookup(env, "XDG_DATA_HOME"); !data_home.empty()) {
        return std::filesystem::path(data_home) / "mnemo";
    }
    if (auto home = Lookup(env, "HOME"); !home.empty()) {
        return std::filesystem::path(home) / ".local/share/mnemo";
    }
    return std::filesystem::current_path() / ".mnemo";
}

/// MNEMO_HOOK_TIMEOUT_MS and MNEMO_HOOK_MIN_SCORE (Claude Code hooks).
Status ReadHookSettings(const std::map<std::string, std::string>& env, Config& config) {
    long long timeout = config.hook_timeout.count();
    if (auto s = ReadInteger(env, "MNEMO_HOOK_TIMEOUT_MS", 50, 60'000, timeout); !s.ok()) return s;
    config.hook_timeout = std::chrono::milliseconds(timeout);
    if (const auto found = env.find("MNEMO_HOOK_MIN_SCORE"); found != env.end()) {
        const std::string& text = found->second;
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !(value >= 0 && value <= 10)) {
            return Invalid("MNEMO_HOOK_MIN_SCORE must be a number from 0 to 10, got '" + text +
                           "'");
        }
        config.hook_min_score = value;
    }
    return {};
}

Status ReadLimits(const std::map<std::string, std::string>& env, Config& config) {
    long long pool = static_cast<long long>(config.pool_max_connections);
    long long project = static_cast<long long>(config.project_max_connections);
    long long user = 0;
    long long acquire = config.acquire_timeout.count();
    long long query = config.query_timeout.count();
    long long content = static_cast<long long>(config.max_content_bytes);
    long long waiting = static_cast<long long>(config.pool_max_waiting);
    long long client_request = config.client_request_timeout.count();
    long long statement = config.statement_timeout.count();
    long long query_connections = static_cast<long long>(config.query_max_connections);
    long long query_roles = static_cast<long long>(config.query_roles);
    if (auto s = ReadInteger(env, "MNEMO_POOL_MAX_CONNECTIONS", 1, 1000, pool); !s.ok()) return s;
    if (auto s = ReadInteger(env, "MNEMO_PROJECT_MAX_CONNECTIONS", 1, 1000, project); !s.ok()) {
        return s;
    }
    if (auto s = ReadInteger(env, "MNEMO_USER_MAX_CONNECTIONS", 1, 1000, user); !s.ok()) {
        return s;
    }
    if (auto s = ReadInteger(env, "MNEMO_ACQUIRE_TIMEOUT_MS", 1, 600'000, acquire); !s.ok()) {
        return s;
    }
    if (auto s = ReadInteger(env, "MNEMO_QUERY_TIMEOUT_MS", 1, 600'000, query); !s.ok()) return s;
    if (auto s = ReadInteger(env, "MNEMO_MAX_CONTENT_BYTES", 1, 64LL << 20, content); !s.ok()) {
        return s;
    }
    if (auto s = ReadInteger(env, "MNEMO_POOL_MAX_WAITING", 1, 1'000'000, waiting); !s.ok()) {
        return s;
    }
    if (auto s = ReadInteger(env, "MNEMO_STATEMENT_TIMEOUT_MS", 100, 3'600'000, statement);
        !s.ok()) {
        return s;
    }
    if (auto s = ReadInteger(env, "MNEMO_CLIENT_REQUEST_TIMEOUT_MS", 1, 3'600'000, client_request);
        !s.ok()) {
        return s;
    }
    if (auto s = ReadInteger(env, "MNEMO_QUERY_MAX_CONNECTIONS", 1, 100, query_connections);
        !s.ok()) {
        return s;
    }
    if (auto s = ReadInteger(env, "MNEMO_QUERY_ROLES", 1, 1000, query_roles); !s.ok()) return s;
    if (query_roles < query_connections) {
        return Invalid("MNEMO_QUERY_ROLES (" + std::to_string(query_roles) +
                       ") must be at least MNEMO_QUERY_MAX_CONNECTIONS (" +
                       std::to_string(query_connections) + ")");
    }
    config.query_max_connections = static_cast<std::size_t>(query_connections);
    config.query_roles = static_cast<std::size_t>(query_roles);
    config.pool_max_connections = static_cast<std::size_t>(pool);
    config.project_max_connections = static_cast<std::size_t>(project);
    config.user_max_connections = user > 0
                                      ? static_cast<std::size_t>(user)
                                      : std::max<std::size_t>(1, config.pool_max_connections / 2);
    config.acquire_timeout = std::chrono::milliseconds(acquire);
    config.query_timeout = std::chrono::milliseconds(query);
    config.max_content_bytes = static_cast<std::size_t>(content);
    config.pool_max_waiting = static_cast<std::size_t>(waiting);
    config.client_request_timeout = std::chrono::milliseconds(client_request);
    config.statement_timeout = std::chrono::milliseconds(statement);
    return ReadHookSettings(env, config);
}

/// Splits HOST:PORT ("[::1]:8080" for IPv6).
Status ParseListen(const std::string& text, HttpConfig& http) {
    const auto bad = [&text] {
        return Invalid("--http must be HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), got '" +
                       text + "'");
    };
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return bad();
    std::string host = text.substr(0, colon);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') return bad();
        host = host.substr(1, host.size() - 2);
    }
    const std::string port = text.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
        return bad();
    }
    http.host = host;
    http.port = static_cast<std::uint16_t>(value);
    return {};
}

Status ReadHttp(const std::map<std::string, std::string>& env, const ConfigFlags& flags,
                HttpConfig& http) {
    if (flags.http_listen && !flags.http_listen->empty()) {
        if (auto s = ParseListen(*flags.http_listen, http); !s.ok()) return s;
    }
    const std::string auth = Lookup(env, "MNEMO_AUTH");
    if (auth == "none") {
        http.require_token = false;
    } else if (!auth.empty() && auth != "token") {
        return Invalid("MNEMO_AUTH must be 'token' or 'none', got '" + auth + "'");
    }
    if (!http.require_token && !http.loopback()) {
        return Invalid(
            "MNEMO_AUTH=none is only allowed when listening on a loopback address "
            "(127.0.0.1, ::1, localhost), not on '" +
            http.host + "': create tokens with `mnemo token create --user NAME`");
    }
    std::string origins = Lookup(env, "MNEMO_ALLOWED_ORIGINS");
    for (std::size_t start = 0; start < origins.size();) {
        auto comma = origins.find(',', start);
        if (comma == std::string::npos) comma = origins.size();
        std::string origin = origins.substr(start, comma - start);
        origin.erase(0, origin.find_first_not_of(' '));
        origin.erase(origin.find_last_not_of(' ') + 1);
        if (!origin.empty()) {
            const auto scheme_end = origin.find("://");
            const bool http_scheme =
                origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0;
            // A browser's Origin is scheme://host[:port]: an entry with a path never matches.
            if (!http_scheme || origin.size() == scheme_end + 3 ||
                origin.find('/', scheme_end + 3) != std::string::npos) {
                return Invalid(
                    "MNEMO_ALLOWED_ORIGINS entries must be origins like https://app.example.com "
                    "(http or https, a host, an optional port, no path), got '" +
                    origin + "'");
            }
            http.allowed_origins.push_back(origin);
        }
        start = comma + 1;
    }
    http.public_url = Lookup(env, "MNEMO_PUBLIC_URL");
    while (!http.public_url.empty() && http.public_url.back() == '/') http.public_url.pop_back();
    if (!http.public_url.empty() && http.public_url.rfind("http://", 0) != 0 &&
        http.public_url.rfind("https://", 0) != 0) {
        return Invalid("MNEMO_PUBLIC_URL must start with http:// or https://, got '" +
                       http.public_url + "'");
    }
    long long body = static_cast<long long>(http.max_body_bytes);
    long long upload = static_cast<long long>(http.max_upload_bytes);
    long long timeout = http.read_timeout.count();
    long long ttl = http.session_ttl.count();
    long long sessions = static_cast<long long>(http.max_sessions_per_user);
    long long threads = static_cast<long long>(http.io_threads);
    long long shutdown = http.shutdown_timeout.count();
    long long auth_failures = static_cast<long long>(http.auth_max_failures);
    long long auth_window = http.auth_failure_window.count();
    long long ipv6_prefix = http.auth_ipv6_prefix;
    for (auto [name, min, max, value] :
         {std::tuple{"MNEMO_MAX_BODY_BYTES", 1024LL, 256LL << 20, &body},
          std::tuple{"MNEMO_UI_MAX_UPLOAD_BYTES", 1024LL, 1024LL << 20, &upload},
          std::tuple{"MNEMO_HTTP_TIMEOUT_MS", 100LL, 3'600'000LL, &timeout},
          std::tuple{"MNEMO_SESSION_TTL_S", 60LL, 365LL * 24 * 3600, &ttl},
          std::tuple{"MNEMO_MAX_SESSIONS_PER_USER", 1LL, 1'000'000LL, &sessions},
          std::tuple{"MNEMO_HTTP_THREADS", 1LL, 64LL, &threads},
          std::tuple{"MNEMO_SHUTDOWN_TIMEOUT_MS", 0LL, 600'000LL, &shutdown},
          std::tuple{"MNEMO_AUTH_MAX_FAILURES", 0LL, 1'000'000LL, &auth_failures},
          std::tuple{"MNEMO_AUTH_FAILURE_WINDOW_S", 1LL, 86'400LL, &auth_window},
          std::tuple{"MNEMO_AUTH_IPV6_PREFIX", 1LL, 128LL, &ipv6_prefix}}) {
        if (auto s = ReadInteger(env, name, min, max, *value); !s.ok()) return s;
    }
    http.max_body_bytes = static_cast<std::size_t>(body);
    http.max_upload_bytes = static_cast<std::size_t>(upload);
    http.read_timeout = std::chrono::milliseconds(timeout);
    http.session_ttl = std::chrono::seconds(ttl);
    http.max_sessions_per_user = static_cast<std::size_t>(sessions);
    http.io_threads = static_cast<std::size_t>(threads);
    http.shutdown_timeout = std::chrono::milliseconds(shutdown);
    http.auth_max_failures = static_cast<std::size_t>(auth_failures);
    http.auth_failure_window = std::chrono::seconds(auth_window);
    http.auth_ipv6_prefix = static_cast<unsigned>(ipv6_prefix);
    return {};
}

}  // namespace

bool HttpConfig::loopback() const {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool IsValidProjectName(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_alnum(name.front())) return false;
    for (char c : name) {
        if (!lower_alnum(c) && c != '_' && c != '-') return false;
    }
    return true;
}

std::string ProjectNameRule() {
    return "project names are 1-64 characters of a-z, 0-9, '_' and '-', starting with a letter "
           "or digit (upper case is lowered, other characters become '-')";
}

Result<std::string> NormalizeProjectName(std::string_view input) {
    std::string name = ProjectNameFromDirectory(input);
    if (name.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "'" + std::string(input.substr(0, 100)) +
                         "' cannot be made a project name: " + ProjectNameRule());
    }
    return name;
}

std::string ProjectNameFromDirectory(std::string_view directory_name) {
    std::string name;
    for (char c : directory_name) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        name.push_back(keep ? c : '-');
    }
    const auto first = name.find_first_not_of("-_");
    if (first == std::string::npos) return {};
    name.erase(0, first);
    if (name.size() > 64) name.resize(64);
    return IsValidProjectName(name) ? name : std::string();
}

std::string DetectDefaultProject(const std::filesystem::path& working_directory) {
    std::error_code ec;
    for (auto dir = working_directory; !dir.empty(); dir = dir.parent_path()) {
        if (std::filesystem::exists(dir / ".git", ec)) {
            return ProjectNameFromDirectory(dir.filename().string());
        }
        if (dir == dir.parent_path()) break;
    }
    return ProjectNameFromDirectory(working_directory.filename().string());
}

std::map<std::string, std::string> ProcessEnvironment() {
    std::map<std::string, std::string> env;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        const auto equals = text.find('=');
        if (equals == std::string_view::npos) continue;
        env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
    return env;
}

Result<Config> LoadConfig(Transport transport, const std::map<std::string, std::string>& env,
                          const ConfigFlags& flags) {
    Config config;
    config.transport = transport;
    config.pool_max_connections = transport == Transport::kHttp ? 20 : 4;
    config.query_max_connections = transport == Transport::kHttp ? 4 : 2;
    config.pool_max_waiting = transport == Transport::kHttp ? 1000 : 0;
    if (auto s = ReadLimits(env, config); !s.ok()) return s.error();

    config.database_url = flags.database_url.value_or(Lookup(env, "DATABASE_URL"));
    long long prepared = config.database_url.empty() ? 256 : 0;
    if (auto s = ReadInteger(env, "MNEMO_PREPARED_STATEMENTS", 0, 10'000, prepared); !s.ok()) {
        return s.error();
    }
    config.prepared_statements = static_cast<std::size_t>(prepared);
    const std::string home = flags.home.value_or(Lookup(env, "MNEMO_HOME"));
    config.home = home.empty() ? DefaultHome(env) : std::filesystem::path(home);
    if (!config.home.is_absolute()) config.home = std::filesystem::absolute(config.home);
    config.secret = Lookup(env, "MNEMO_SECRET");
    if (!config.secret.empty() && config.secret.size() < 32) {
        return Invalid(
            "MNEMO_SECRET must be at least 32 characters (it keys every project's "
            "row-level-security token), got " +
            std::to_string(config.secret.size()));
    }

    if (auto level = Lookup(env, "MNEMO_LOG_LEVEL"); !level.empty()) {
        log::Level parsed;
        if (!log::ParseLevel(level, parsed)) {
            return Invalid("MNEMO_LOG_LEVEL must be one of debug, info, warning, error, got '" +
                           level + "'");
        }
        config.log_level = level;
    }

    if (transport == Transport::kHttp) {
        if (auto s = ReadHttp(env, flags, config.http); !s.ok()) return s.error();
    }

    const std::string requested = flags.project.value_or(Lookup(env, "MNEMO_PROJECT"));
    if (!requested.empty()) {
        auto normalized = NormalizeProjectName(requested);
        if (!normalized.ok()) {
            return Invalid((flags.project ? "--project: " : "MNEMO_PROJECT: ") +
                           normalized.error().message());
        }
        config.default_project = std::move(normalized).value();
    }
    if (config.default_project.empty() && transport == Transport::kStdio) {
        std::error_code ec;
        const auto cwd = std::filesystem::current_path(ec);
        if (!ec) config.default_project = DetectDefaultProject(cwd);
        if (config.default_project.empty()) {
            config.default_project_problem =
                "the working directory '" + (ec ? std::string("?") : cwd.filename().string()) +
                "' gives no default project (" + ProjectNameRule() +
                "): pass --project NAME or set MNEMO_PROJECT; until then every call needs "
                "\"project\" or select_project";
        }
    }
    return config;
}

}  // namespace mnemo

// SPDX-License-Identifier: MIT
// UiService's endpoints: reads of a user's projects and the changes (edit, archive, restore).
#include <charconv>
#include <chrono>

#include "memory/search_query.hpp"
#include "tools/memory_features.hpp"
#include "tools/text_rules.hpp"
#include "ui/ui_errors.hpp"
#include "ui/ui_http.hpp"
#include "ui/ui_service.hpp"

namespace mnemo::ui {
namespace {

using nlohmann::json;
using util::RouteResponse;

/// Contexts of each priority on a project page (the rest: the topic tree and search).
constexpr int kPerPriority = 50;
constexpr int kHandoversPerPage = 20;
constexpr int kTopicsPerLevel = 200;
constexpr int kSearchPage = 20;
constexpr int kFileChanges = 100;
constexpr std::size_t kMaxQueryBytes = 1000;
constexpr std::size_t kMaxTags = 32;
constexpr std::size_t kMaxTagBytes = 64;

RouteResponse Answer(Result<json> result) {
    if (!result.ok()) return StoreError(result.error());
    return JsonReply(200, *result);
}

/// A text argument: from the query of a GET, the body of a POST.
std::optional<std::string> Text(const UiCall& call, const char* query_name, const char* body_name) {
    if (call.body.is_object()) {
        const auto found = call.body.find(body_name);
        if (found == call.body.end() || !found->is_string()) return std::nullopt;
        return found->get<std::string>();
    }
    const auto found = call.query.find(query_name);
    if (found == call.query.end()) return std::nullopt;
    return found->second;
}

/// An integer argument within [min, max]; `fallback` when absent. nullopt when malformed.
std::optional<long long> Integer(const UiCall& call, const char* query_name, const char* body_name,
                                 long long min, long long max, long long fallback) {
    long long value = fallback;
    if (call.body.is_object()) {
        const auto found = call.body.find(body_name);
        if (found == call.body.end() || found->is_null()) return fallback;
        if (!found->is_number_integer()) return std::nullopt;
        value = found->get<long long>();
    } else {
        const auto found = call.query.find(query_name);
        if (found == call.query.end()) return fallback;
        const std::string& text = found->second;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    }
    if (value < min || value > max) return std::nullopt;
    return value;
}

/// The project a call names, owned by the caller: another user's project of the same name
/// is a different project, which this one does not see.
struct Named {
    std::optional<memory::ProjectRef> project;
    RouteResponse problem;
};

Named ProjectOf(const UiCall& call) {
    const auto name = Text(call, "p", "project");
    if (!name) return {std::nullopt, ErrorReply(400, "name the project (p=NAME)")};
    if (!IsValidProjectName(*name)) {
        return {std::nullopt,
                ErrorReply(400,
                           "a project name is 1-64 of a-z, 0-9, '_' and '-', starting "
                           "with a letter or digit")};
    }
    return {memory::ProjectRef(call.principal.user, *name), {}};
}

/// The topic a call names, checked as lock_context checks it.
std::optional<std::string> TopicOf(const UiCall& call, RouteResponse& problem) {
    const auto topic = Text(call, "topic", "topic");
    if (!topic) {
        problem = ErrorReply(400, "name the topic");
        return std::nullopt;
    }
    if (!ValidUtf8(*topic)) {
        problem = ErrorReply(400, "the topic is not valid UTF-8");
        return std::nullopt;
    }
    if (auto why = tools::TopicProblem(*topic); !why.empty()) {
        problem = ErrorReply(400, why);
        return std::nullopt;
    }
    return topic;
}

/// What the page highlights in search results: each word of the query as the engine matches
/// it (a prefix from three letters, after the same light stemming; shorter words whole).
json Highlights(const std::string& query) {
    json marks = json::array();
    std::string word;
    const auto flush = [&] {
        if (word.empty()) return;
        std::string lower;
        for (const char c : word) {
            lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
        word.clear();
        if (lower == "or" || memory::IsStopWord(lower)) return;
        const bool prefix = lower.size() >= 3;
        marks.push_back({{"text", prefix ? memory::LightStem(lower) : lower}, {"prefix", prefix}});
    };
    bool excluded = false;
    for (const char c : query) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) || byte >= 0x80) {
            if (word.empty() && excluded) word.push_back('\0');  // marks an excluded word
            word.push_back(c);
            continue;
        }
        if (!word.empty() && word.front() == '\0') {
            word.clear();
        } else {
            flush();
        }
        excluded = c == '-' && word.empty();
    }
    if (!word.empty() && word.front() == '\0') word.clear();
    flush();
    return marks;
}

}  // namespace

RouteResponse StoreError(const Error& error) {
    switch (error.code()) {
        case ErrorCode::kProjectMissing:
        case ErrorCode::kNotFound: return ErrorReply(404, error.message());
        case ErrorCode::kRefused: return ErrorReply(409, error.message());
        case ErrorCode::kInvalidArgument:
        case ErrorCode::kNoProject: return ErrorReply(400, error.message());
        case ErrorCode::kSql:
            return ErrorReply(
                500, "Database error (SQLSTATE " + error.sqlstate() + "): " + error.message());
        case ErrorCode::kInternal: return ErrorReply(500, error.message());
        default: return ErrorReply(503, error.message());
    }
}

RouteResponse UiService::Projects(const UiCall& call) {
    auto listed = services_.store.ListProjects(call.principal.user);
    if (!listed.ok()) return StoreError(listed.error());
    const bool more = listed->size() > 200;
    if (more) listed->erase(listed->begin() + 200, listed->end());
    return JsonReply(200, {{"projects", *listed}, {"more", more}});
}

RouteResponse UiService::Project(const UiCall& call) {
    auto named = ProjectOf(call);
    if (!named.project) return named.problem;
    // Each context and handover is an object, so later features add fields (a `guard` on a
    // context, `automatic` on a handover) without changing what the page already reads.
    return Answer(services_.store.ProjectOverview(*named.project, kPerPriority));
}

RouteResponse UiService::Handovers(const UiCall& call) {
    auto named = ProjectOf(call);
    if (!named.project) return named.problem;
    const auto before = Integer(call, "before", "before", 0, INT64_MAX, 0);
    if (!before) return ErrorReply(400, "before must be a handover id (a positive integer)");
    auto listed = services_.store.Handovers(*named.project, kHandoversPerPage + 1, *before);
    if (!listed.ok()) return StoreError(listed.error());
    const bool more = listed->size() > static_cast<std::size_t>(kHandoversPerPage);
    if (more) listed->erase(listed->begin() + kHandoversPerPage, listed->end());
    return JsonReply(200, {{"handovers", *listed}, {"more", more}});
}

RouteResponse UiService::Topics(const UiCall& call) {
    auto named = ProjectOf(call);
    if (!named.project) return named.problem;
    const std::string prefix = Text(call, "prefix", "prefix").value_or("");
    if (prefix.size() > 1024 || !ValidUtf8(prefix)) {
        return ErrorReply(400, "prefix must be valid UTF-8 of at most 1024 bytes");
    }
    return Answer(services_.store.TopicLevel(*named.project, prefix, kTopicsPerLevel));
}

RouteResponse UiService::Versions(const UiCall& call) {
    auto named = ProjectOf(call);
    if (!named.project) return named.problem;
    RouteResponse problem;
    const auto topic = TopicOf(call, problem);
    if (!topic) return problem;
    return Answer(services_.store.ContextVersions(*named.project, *topic));
}

RouteResponse UiService::Version(const UiCall& call) {
    auto named = ProjectOf(call);
    if (!named.project) return named.problem;
    RouteResponse problem;
    const auto topic = TopicOf(call, problem);
    if (!topic) return problem;
    const auto version = Integer(call, "v", "version", 1, INT32_MAX, 0);
    if (!version || *version == 0) return ErrorReply(400, "v must be a version number (>= 1)");
    return Answer(
        services_.store.RecallContext(*named.project, *topic, static_cast<int>(*version), false));
}

RouteResponse UiService::Search(const UiCall& call) {
    auto named = ProjectOf(call);
    if (!named.project) return named.problem;
    const std::string query = Text(call, "q", "query").value_or("");
    if (query.empty() || query.size() > kMaxQueryBytes || !ValidUtf8(query)) {
        return ErrorReply(400, "q must be 1-1000 bytes of UTF-8");
    }
    const auto offset = Integer(call, "offset", "offset", 0, 10000, 0);
    if (!offset) return ErrorReply(400, "offset must be 0-10000");
    memory::SearchRequest request;
    request.query = query;
    request.limit = kSearchPage;
    request.offset = static_cast<int>(*offset);
    auto found = services_.store.SearchContexts(*named.project, request);
    if (!found.ok()) return StoreError(found.error());
    const bool more = found->size() > static_cast<std::size_t>(kSearchPage);
    if (more) found->erase(found->begin() + kSearchPage, found->end());
    return JsonReply(200, {{"results", *found},
                           {"more", more},
                           {"offset", *offset},
                           {"highlight", Highlights(query)}});
}

RouteResponse UiService::Files(const UiCall& call) {
    auto named = ProjectOf(call);
    if (!named.project) return named.problem;
    return Answer(services_.store.RecentFileChanges(*named.project, kFileChanges));
}

RouteResponse UiService::Live(const UiCall& call) const {
    const pqpool::PoolStats pool = services_.store.pool().Stats();
    // Only the caller's projects by name; the rest of the pool as totals.
    json projects = json::array();
    for (const pqpool::TenantStats& tenant : pool.tenants) {
        if (tenant.tenant.starts_with("(")) continue;  // registries and the server's own
        if (memory::TenantUser(tenant.tenant) != call.principal.user) continue;
        const std::string name = call.principal.user.empty()
                                     ? tenant.tenant
                                     : tenant.tenant.substr(call.principal.user.size() + 1);
        projects.push_back(
            {{"project", name}, {"in_use", tenant.in_use}, {"waiting", tenant.waiting}});
    }
    std::uint64_t calls = 0;
    std::uint64_t errors = 0;
    std::uint64_t latency_ns = 0;
    for (const auto& tool : services_.metrics.ToolSnapshot()) {
        calls += tool.calls;
        errors += tool.errors;
        latency_ns += tool.latency_sum_ns;
    }
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return JsonReply(200,
                     {{"at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now).count()},
                      {"pool",
                       {{"in_use", pool.in_use},
                        {"idle", pool.idle},
                        {"waiting", pool.waiting},
                        {"connecting", pool.connecting},
                        {"budget", pool.effective_max_size}}},
                      {"projects", projects},
                      {"acquire_wait_ms",
                       {{"p50", static_cast<double>(pool.acquire_wait.QuantileNs(0.5)) / 1e6},
                        {"p99", static_cast<double>(pool.acquire_wait.QuantileNs(0.99)) / 1e6}}},
                      {"acquires", pool.acquires},
                      {"timeouts", pool.timeouts},
                      {"tools",
                       {{"calls", calls},
                        {"errors", errors},
                        {"latency_sum_ms", static_cast<double>(latency_ns) / 1e6}}}});
}

RouteResponse UiService::Edit(const UiCall& call) {
    auto named = ProjectOf(call);
    if (!named.project) return named.problem;
    RouteResponse problem;
    const auto topic = TopicOf(call, problem);
    if (!topic) return problem;
    memory::LockRequest request;
    request.topic = *topic;
    const auto content = Text(call, "", "content");
    if (!content) return ErrorReply(400, "content must be a string");
    if (content->size() > services_.config.max_content_bytes) {
        return ErrorReply(400, "content is " + std::to_string(content->size()) +
                                   " bytes; the limit is " +
                                   std::to_string(services_.config.max_content_bytes) +
                                   " bytes (MNEMO_MAX_CONTENT_BYTES)");
    }
    request.content = *content;
    const auto priority = Text(call, "", "priority");
    if (priority && *priority != "always_check" && *priority != "important" &&
        *priority != "reference") {
        return ErrorReply(400, "priority must be always_check, important or reference");
    }
    request.priority = priority.value_or(tools::InferPriority(request.content));
    if (const auto tags = call.body.find("tags"); tags != call.body.end() && !tags->is_null()) {
        if (!tags->is_array() || tags->size() > kMaxTags) {
            return ErrorReply(400, "tags must be a list of at most 32 strings");
        }
        for (const auto& tag : *tags) {
            if (!tag.is_string() || tag.get<std::string>().empty() ||
                tag.get<std::string>().size() > kMaxTagBytes) {
                return ErrorReply(400, "each tag is a string of 1-64 bytes");
            }
            request.tags.push_back(tag.get<std::string>());
        }
    }
    auto locked = services_.store.LockContext(*named.project, request);
    if (locked.ok() && services_.subscriptions != nullptr) {
        services_.subscriptions->Publish(named.project->owner,
                                         tools::ContextUri(named.project->name, *topic));
    }
    return Answer(locked);
}

RouteResponse UiService::Archive(const UiCall& call) {
    auto named = ProjectOf(call);
    if (!named.project) return named.problem;
    RouteResponse problem;
    const auto topic = TopicOf(call, problem);
    if (!topic) return problem;
    const auto version = Integer(call, "", "version", 1, INT32_MAX, 0);
    if (!version) return ErrorReply(400, "version must be a version number (>= 1)");
    const auto force = call.body.find("force");
    if (force != call.body.end() && !force->is_boolean()) {
        return ErrorReply(400, "force must be true or false");
    }
    const bool forced = force != call.body.end() && force->get<bool>();
    return Answer(services_.store.UnlockContext(
        *named.project, *topic,
        *version == 0 ? std::nullopt : std::optional<int>(static_cast<int>(*version)), forced));
}

RouteResponse UiService::Restore(const UiCall& call) {
    auto named = ProjectOf(call);
    if (!named.project) return named.problem;
    RouteResponse problem;
    const auto topic = TopicOf(call, problem);
    if (!topic) return problem;
    const auto version = Integer(call, "", "version", 1, INT32_MAX, 0);
    if (!version || *version == 0) return ErrorReply(400, "version must be a version number");
    return Answer(
        services_.store.RestoreContext(*named.project, *topic, static_cast<int>(*version)));
}

}  // namespace mnemo::ui

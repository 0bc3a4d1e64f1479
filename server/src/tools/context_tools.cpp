// SPDX-License-Identifier: MIT
// Context tools: lock, recall, unlock, search, explore, check.
#include "tools/guard.hpp"
#include "tools/memory_features.hpp"
#include "tools/text_rules.hpp"
#include "tools/tool_support.hpp"

namespace mnemo::tools {
namespace {

Json TopicProperty() {
    return {{"type", "string"},
            {"minLength", 1},
            {"maxLength", 256},
            {"description",
             "Topic name, e.g. 'architecture/database' or 'rules.testing' ('/' and '.' "
             "make a tree)."}};
}

Json PriorityProperty(const char* description) {
    return {{"type", "string"},
            {"enum", {"always_check", "important", "reference"}},
            {"description", description}};
}

Json TagsProperty() {
    return {{"type", "array"},
            {"items", {{"type", "string"}, {"minLength", 1}, {"maxLength", 64}}},
            {"maxItems", 32},
            {"description", "Tags (at most 32)."}};
}

Json VersionProperty(const char* description) {
    return {
        {"type", "integer"}, {"minimum", 1}, {"maximum", 2147483647}, {"description", description}};
}

Json GuardProperty() {
    return {{"type", "object"},
            {"properties",
             {{"pattern",
               {{"type", "string"},
                {"minLength", 1},
                {"description",
                 "Regular expression (RE2 syntax, at most 1000 characters) searched in a Bash "
                 "command or an edited file's path before Claude Code runs the tool."}}},
              {"decision",
               {{"type", "string"},
                {"enum", {"deny", "ask", "none"}},
                {"description",
                 "deny: the tool call is refused with this rule as the reason; ask: the user "
                 "is asked; none: remove the topic's guard."}}}}},
            {"required", {"decision"}},
            {"additionalProperties", false},
            {"description",
             "A guard enforced by mnemo's Claude Code hooks (mnemo hooks install). Without "
             "it, a new version keeps the previous version's guard."}};
}

/// Reads lock_context's `guard` into `request`; a tool error when it is unusable.
std::optional<ToolResult> ReadGuard(const ToolCall& call, memory::LockRequest& request) {
    const auto guard = call.arguments.find("guard");
    if (guard == call.arguments.end()) return std::nullopt;
    const std::string decision = guard->value("decision", "");
    if (decision == "none") {
        request.guard_mode = memory::GuardMode::kClear;
        return std::nullopt;
    }
    const std::string pattern = guard->value("pattern", "");
    std::string problem = pattern.empty()
                              ? "guard.pattern is required with decision '" + decision + "'"
                              : GuardPatternProblem(pattern);
    if (!problem.empty())
        return ToolResult::Error("invalid_arguments", "Invalid arguments: " + problem);
    request.guard_mode = memory::GuardMode::kSet;
    request.guard_pattern = pattern;
    request.guard_decision = decision;
    return std::nullopt;
}

constexpr std::size_t kMaxRecallChars = 40'000;

/// Tells the sessions watching `topic` (resources/subscribe) that it changed.
void PublishChange(const ToolServices& services, const memory::ProjectRef& project,
                   const std::string& topic) {
    if (services.subscriptions != nullptr) {
        services.subscriptions->Publish(project.owner, ContextUri(project.name, topic));
    }
}

/// A topic problem as a tool error, or nullopt when the topic is fine.
std::optional<ToolResult> CheckTopic(const ToolCall& call) {
    const auto topic = OptionalString(call.arguments, "topic");
    if (!topic) return std::nullopt;
    if (auto problem = TopicProblem(*topic); !problem.empty()) {
        return ToolResult::Error("invalid_arguments", "Invalid arguments: " + problem);
    }
    return std::nullopt;
}

ToolResult LockContext(const ToolCall& call, ToolServices& services) {
    if (auto bad = CheckTopic(call)) return *bad;
    memory::LockRequest request;
    request.topic = call.arguments["topic"].get<std::string>();
    request.content = call.arguments["content"].get<std::string>();
    request.tags = StringList(call.arguments, "tags");
    const std::size_t limit = services.config.max_content_bytes;
    if (request.content.size() > limit) {
        return ToolResult::Error("invalid_arguments",
                                 "Invalid arguments: content is " +
                                     std::to_string(request.content.size()) +
                                     " bytes; the limit is " + std::to_string(limit) +
                                     " bytes (MNEMO_MAX_CONTENT_BYTES). Split it into topics.");
    }
    if (auto bad = ReadGuard(call, request)) return *bad;
    const auto priority = OptionalString(call.arguments, "priority");
    request.priority = priority.value_or(InferPriority(request.content));
    return WithProject(call, services, [&](const memory::ProjectRef& project) {
        auto locked = services.store.LockContext(project, request);
        if (locked.ok()) {
            PublishChange(services, project, request.topic);
            (*locked)["priority_inferred"] = !priority.has_value();
            (*locked)["project"] = project.name;
        }
        return locked;
    });
}

ToolResult RecallContext(const ToolCall& call, ToolServices& services) {
    if (auto bad = CheckTopic(call)) return *bad;
    const std::string topic = call.arguments["topic"].get<std::string>();
    const auto version = OptionalInt(call.arguments, "version");
    const bool preview_only = call.arguments.value("preview_only", false);
    const auto offset = static_cast<std::size_t>(OptionalInt(call.arguments, "offset").value_or(0));
    return WithProject(call, services, [&](const memory::ProjectRef& project) {
        auto recalled = services.store.RecallContext(project, topic, version, preview_only);
        if (!recalled.ok() || preview_only) {
            if (recalled.ok()) recalled->erase("content");
            return recalled;
        }
        // Keep each answer far below clients' output caps (~25 000 tokens): long contents
        // come in pieces, continued with offset = next_offset.
        auto slice = Utf8Slice((*recalled)["content"].get<std::string>(), offset, kMaxRecallChars);
        (*recalled)["content"] = std::move(slice.text);
        (*recalled)["content_chars"] = slice.total_chars;
        if (offset > 0) (*recalled)["offset"] = offset;
        if (offset + kMaxRecallChars < slice.total_chars) {
            (*recalled)["next_offset"] = offset + kMaxRecallChars;
        }
        return recalled;
    });
}

ToolResult UnlockContext(const ToolCall& call, ToolServices& services) {
    if (auto bad = CheckTopic(call)) return *bad;
    const std::string topic = call.arguments["topic"].get<std::string>();
    const auto version = OptionalInt(call.arguments, "version");
    const bool force = call.arguments.value("force", false);
    return WithProject(call, services, [&](const memory::ProjectRef& project) {
        auto unlocked = services.store.UnlockContext(project, topic, version, force);
        if (unlocked.ok()) PublishChange(services, project, topic);
        return unlocked;
    });
}

ToolResult SearchContexts(const ToolCall& call, ToolServices& services) {
    memory::SearchRequest request;
    request.query = call.arguments["query"].get<std::string>();
    request.priority = OptionalString(call.arguments, "priority");
    request.tags = StringList(call.arguments, "tags");
    request.limit = OptionalInt(call.arguments, "limit").value_or(10);
    if (auto cursor = OptionalString(call.arguments, "cursor")) {
        const auto offset = DecodeCursor(*cursor);
        if (!offset) {
            return ToolResult::Error("invalid_arguments",
                                     "Invalid arguments: argument 'cursor': not a cursor this "
                                     "server returned");
        }
        request.offset = *offset;
    }
    return WithProject(call, services, [&](const memory::ProjectRef& project) -> Result<Json> {
        auto hits = services.store.SearchContexts(project, request);
        if (!hits.ok()) return hits;
        const bool more = static_cast<int>(hits->size()) > request.limit;
        if (more) hits->erase(hits->size() - 1);
        Json page = {
            {"project", project.name}, {"query", request.query}, {"results", std::move(*hits)}};
        if (more) page["next_cursor"] = EncodeCursor(request.offset + request.limit);
        return page;
    });
}

ToolResult ExploreContextTree(const ToolCall& call, ToolServices& services) {
    const std::string prefix = OptionalString(call.arguments, "prefix").value_or("");
    const int depth = OptionalInt(call.arguments, "depth").value_or(3);
    constexpr int kMaxTopics = 500;
    return WithProject(call, services, [&](const memory::ProjectRef& project) -> Result<Json> {
        auto rows = services.store.ListTopics(project, prefix, kMaxTopics + 1);
        if (!rows.ok()) return rows;
        const bool truncated = rows->size() > static_cast<std::size_t>(kMaxTopics);
        if (truncated) rows->erase(rows->size() - 1);
        Json tree = BuildTopicTree(*rows, depth);
        tree["project"] = project.name;
        tree["prefix"] = prefix;
        if (truncated) {
            tree["truncated"] = "only the first 500 topics are shown; pass a prefix to narrow";
        }
        return tree;
    });
}

ToolResult CheckContexts(const ToolCall& call, ToolServices& services) {
    const std::string text = call.arguments["text"].get<std::string>();
    return WithProject(call, services, [&](const memory::ProjectRef& project) -> Result<Json> {
        auto hits = services.store.CheckContexts(project, text);
        if (!hits.ok()) return hits;
        return Json{
            {"project", project.name}, {"count", hits->size()}, {"relevant", std::move(*hits)}};
    });
}

}  // namespace

void RegisterContextTools(mcp::ToolRegistry& registry, ToolServices& services) {
    auto bind = [&services](ToolResult (*handler)(const ToolCall&, ToolServices&)) {
        return [&services, handler](const ToolCall& call) { return handler(call, services); };
    };
    registry.Add(
        {.name = "lock_context",
         .title = "Lock a context",
         .description =
             "Store a rule, decision or note as a new immutable version of a topic (v1, v2, ...; "
             "earlier versions stay). Priority: always_check (rules to check before acting), "
             "important, or reference; inferred from the text when omitted (always/never/must "
             "-> always_check; important/critical/required -> important). A guard "
             "(pattern + deny|ask) makes Claude Code's hooks stop matching Bash commands and "
             "file edits.",
         .input_schema =
             ObjectSchema({{"topic", TopicProperty()},
                           {"content",
                            {{"type", "string"},
                             {"minLength", 1},
                             {"description", "The text to remember (at most 1 MiB by default)."}}},
                           {"tags", TagsProperty()},
                           {"priority", PriorityProperty("How prominently wake_up shows it.")},
                           {"guard", GuardProperty()},
                           {"project", ProjectProperty()}},
                          {"topic", "content"}),
         .handler = bind(LockContext),
         .plan = ProjectToolPlan(services)});
    registry.Add(
        {.name = "recall_context",
         .title = "Recall a context",
         .description = "Read a topic's latest version (or a given version, archived ones "
                        "included). preview_only returns the first 500 characters and metadata. "
                        "Contents over 40 000 characters come in pieces: call again with "
                        "offset = next_offset.",
         .input_schema = ObjectSchema(
             {{"topic", TopicProperty()},
              {"version", VersionProperty("Version to read; default the latest live one.")},
              {"preview_only", {{"type", "boolean"}, {"description", "Omit the full content."}}},
              {"offset",
               {{"type", "integer"},
                {"minimum", 0},
                {"maximum", 67108864},
                {"description",
                 "Continue a long content from this character "
                 "(next_offset of the previous answer)."}}},
              {"project", ProjectProperty()}},
             {"topic"}),
         // It counts the access, but changes no memory: read-only tokens may recall.
         .annotations = {{"readOnlyHint", true}},
         .handler = bind(RecallContext),
         .plan = ProjectToolPlan(services)});
    registry.Add(
        {.name = "unlock_context",
         .title = "Unlock (archive) a context",
         .description = "Archive one version of a topic, or all its live versions. Archived "
                        "versions are kept and still readable by version; always_check contexts "
                        "need force: true.",
         .input_schema = ObjectSchema(
             {{"topic", TopicProperty()},
              {"version", VersionProperty("Version to archive; default every live version.")},
              {"force",
               {{"type", "boolean"},
                {"description", "Required to archive an always_check context."}}},
              {"project", ProjectProperty()}},
             {"topic"}),
         .annotations = {{"destructiveHint", true}},
         .handler = bind(UnlockContext),
         .plan = ProjectToolPlan(services)});
    registry.Add(
        {.name = "search_contexts",
         .title = "Search contexts",
         .description = "Search live contexts (topic, tags and content). Forgiving: word "
                        "prefixes, compounds either way (pull-request, pull request), code "
                        "identifiers and paths by their parts, accents, typos, and questions "
                        "(contexts matching most and rarest words first). Web search syntax: "
                        "\"exact phrase\", -exclude, or. Ranked (each hit says which fields "
                        "matched), paginated with next_cursor.",
         .input_schema =
             ObjectSchema({{"query",
                            {{"type", "string"},
                             {"minLength", 1},
                             {"maxLength", 1000},
                             {"description", "What to look for."}}},
                           {"priority", PriorityProperty("Only contexts with this priority.")},
                           {"tags", TagsProperty()},
                           {"limit",
                            {{"type", "integer"},
                             {"minimum", 1},
                             {"maximum", 50},
                             {"description", "Results per page (default 10)."}}},
                           {"cursor",
                            {{"type", "string"},
                             {"maxLength", 32},
                             {"description", "next_cursor of the previous page."}}},
                           {"project", ProjectProperty()}},
                          {"query"}),
         .annotations = {{"readOnlyHint", true}},
         .handler = bind(SearchContexts),
         .plan = ProjectToolPlan(services)});
    registry.Add(
        {.name = "explore_context_tree",
         .title = "Explore topics as a tree",
         .description = "Show the project's live topics as a tree (split on '/' and '.') with "
                        "their latest version, version count, priority and guard.",
         .input_schema = ObjectSchema({{"prefix",
                                        {{"type", "string"},
                                         {"maxLength", 256},
                                         {"description", "Only topics starting with this."}}},
                                       {"depth",
                                        {{"type", "integer"},
                                         {"minimum", 1},
                                         {"maximum", 10},
                                         {"description", "Levels to expand (default 3)."}}},
                                       {"project", ProjectProperty()}}),
         .annotations = {{"readOnlyHint", true}},
         .handler = bind(ExploreContextTree),
         .plan = ProjectToolPlan(services)});
    registry.Add(
        {.name = "check_contexts",
         .title = "Check text against rules",
         .description = "Before acting (running a command, changing code), find the "
                        "always_check and important contexts relevant to a piece of text.",
         .input_schema = ObjectSchema({{"text",
                                        {{"type", "string"},
                                         {"minLength", 1},
                                         {"maxLength", 20000},
                                         {"description", "The command, plan or code to check."}}},
                                       {"project", ProjectProperty()}},
                                      {"text"}),
         .annotations = {{"readOnlyHint", true}},
         .handler = bind(CheckContexts),
         .plan = ProjectToolPlan(services)});
}

}  // namespace mnemo::tools

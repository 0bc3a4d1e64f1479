// SPDX-License-Identifier: MIT
// Inspection tools: memory_status, query_database.
#include <chrono>

#include "tools/tool_support.hpp"

namespace mnemo::tools {
namespace {

Json PoolJson(const pqpool::PoolStats& stats) {
    return {{"total", stats.total},
            {"in_use", stats.in_use},
            {"idle", stats.idle},
            {"waiting", stats.waiting},
            {"connecting", stats.connecting},
            {"budget", stats.max_size},
            {"effective_budget", stats.effective_max_size},
            {"acquires", stats.acquires},
            {"timeouts", stats.timeouts},
            {"overloads", stats.overloads},
            {"leaks", stats.leaks},
            {"connects", stats.connects},
            {"connect_errors", stats.connect_errors}};
}

ToolResult MemoryStatus(const ToolCall& call, ToolServices& services) {
    return WithProject(call, services, [&](const memory::ProjectRef& project) -> Result<Json> {
        const auto start = std::chrono::steady_clock::now();
        auto status = services.store.Status(project);
        if (!status.ok()) return status;
        const auto elapsed = std::chrono::steady_clock::now() - start;
        (*status)["database"]["round_trip_ms"] =
            std::chrono::duration<double, std::milli>(elapsed).count();
        (*status)["pool"] = PoolJson(services.store.pool().Stats());
        return status;
    });
}

ToolResult QueryDatabase(const ToolCall& call, ToolServices& services) {
    memory::QueryRequest request;
    request.sql = call.arguments["sql"].get<std::string>();
    request.limit = OptionalInt(call.arguments, "limit").value_or(100);
    request.timeout = services.config.query_timeout;
    request.cancelled = call.cancelled;
    if (auto params = call.arguments.find("params"); params != call.arguments.end()) {
        for (const auto& param : *params) {
            if (param.is_null()) {
                request.params.emplace_back(std::nullopt);
            } else if (param.is_string()) {
                request.params.emplace_back(param.get<std::string>());
            } else {
                request.params.emplace_back(param.dump());
            }
        }
    }
    return WithProject(call, services, [&](const memory::ProjectRef& project) {
        return services.store.Query(project, request);
    });
}

}  // namespace

void RegisterInspectTools(mcp::ToolRegistry& registry, ToolServices& services) {
    auto bind = [&services](ToolResult (*handler)(const ToolCall&, ToolServices&)) {
        return [&services, handler](const ToolCall& call) { return handler(call, services); };
    };
    registry.Add({.name = "memory_status",
                  .title = "Memory status",
                  .description =
                      "Counts and sizes of the project's memory, database health (version, "
                      "size, connections, round trip) and the connection pool's live numbers "
                      "(in use, idle, waiting, timeouts).",
                  .input_schema = ObjectSchema({{"project", ProjectProperty()}}),
                  .annotations = {{"readOnlyHint", true}},
                  .handler = bind(MemoryStatus),
                  .plan = ProjectToolPlan(services)});
    registry.Add(
        {.name = "query_database",
         .title = "Query the project's data with SQL",
         .description =
             "Run one read-only SQL query (SELECT, WITH … SELECT, VALUES, TABLE, SHOW, EXPLAIN; "
             "anything else is refused before it runs) over this project's rows only: tables "
             "mnemo.contexts, mnemo.topics, mnemo.handovers, mnemo.projects, mnemo.files, "
             "mnemo.file_changes. Parameters as $1, $2, ... Runs in a READ ONLY transaction "
             "with a statement timeout, as a restricted database role. Returns 'columns', "
             "'column_types' (SQL type names) and 'rows': booleans, integers, floats and "
             "json/jsonb as JSON values, numeric as a number when a double holds it exactly "
             "(else a string, like every other type); at most 'limit' rows (default 100) and "
             "64 KiB, long values are cut ('cut_values' says which; a cut value is a string).",
         .input_schema =
             ObjectSchema({{"sql",
                            {{"type", "string"},
                             {"minLength", 1},
                             {"maxLength", 100000},
                             {"description", "One SQL query."}}},
                           {"params",
                            {{"type", "array"},
                             {"items", {{"type", {"string", "number", "boolean", "null"}}}},
                             {"maxItems", 100},
                             {"description", "Values for $1, $2, ..."}}},
                           {"limit",
                            {{"type", "integer"},
                             {"minimum", 1},
                             {"maximum", 1000},
                             {"description", "Row limit (default 100)."}}},
                           {"project", ProjectProperty()}},
                          {"sql"}),
         .annotations = {{"readOnlyHint", true}},
         .handler = bind(QueryDatabase),
         .plan = ProjectToolPlan(services),
         .caller_sql = true});
}

}  // namespace mnemo::tools

// SPDX-License-Identifier: MIT
// The variants of mnemo_stdio_bench: raw libpq, Store, mnemo in process, mnemo over stdio.
#include "stdio_variants.hpp"

#include <array>
#include <optional>

#include "memory/context_sql.hpp"

namespace mnemo::bench {
namespace {

using Json = nlohmann::json;

// How long one call may take before the run is declared stuck.
constexpr auto kCallBudget = std::chrono::seconds(60);

// The statement pqpool sends before each statement (memory::Store::ConfigurePool).
constexpr const char* kSetTenant = "SELECT set_config('mnemo.tenant', $1, true)";

std::string Truncated(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return std::string(text);
    return std::string(text.substr(0, limit)) + "...";
}

class RawVariant final : public Variant {
public:
    RawVariant(PGconn* conn, const memory::TenantKeys& keys, const Workload& workload)
        : conn_(conn),
          lock_token_(keys.TokenFor(workload.project)),
          recall_token_(keys.TokenFor(workload.recall_project)),
          lock_sql_(memory::sql::kLockContext),
          recall_sql_(memory::sql::kRecallContext),
          workload_(workload),
          tags_(memory::TextArrayLiteral(workload.tags)) {}

    void Lock(std::size_t index) override {
        const std::string& topic = workload_.lock_topics[index % workload_.lock_topics.size()];
        const std::array<const char*, 7> values{topic.c_str(),
                                                workload_.content.c_str(),
                                                workload_.priority.c_str(),
                                                tags_.c_str(),
                                                nullptr,
                                                nullptr,
                                                "keep"};
        Run("lock_context", lock_token_, lock_sql_, values.data(), static_cast<int>(values.size()));
    }

    void Recall() override {
        const std::array<const char*, 3> values{workload_.recall_topic.c_str(), nullptr, "false"};
        Run("recall_context", recall_token_, recall_sql_, values.data(),
            static_cast<int>(values.size()));
    }

    [[nodiscard]] Json LastResult() const override { return Json::parse(last_); }

private:
    // Reads the results of one pipelined statement up to its terminating null. Keeps the first
    // cell of a tuple result when `keep`.
    void TakeResults(const char* what, bool keep) {
        bool got = false;
        while (PGresult* result = PQgetResult(conn_)) {
            const ExecStatusType status = PQresultStatus(result);
            if (status != PGRES_TUPLES_OK) {
                const std::string message = PQresultErrorMessage(result);
                PQclear(result);
                Fail(std::string("raw ") + what + ": " + PQresStatus(status) + " " + message);
            }
            if (keep && PQntuples(result) == 1 && PQgetisnull(result, 0, 0) == 0) {
                last_.assign(PQgetvalue(result, 0, 0),
                             static_cast<std::size_t>(PQgetlength(result, 0, 0)));
                got = true;
            }
            PQclear(result);
        }
        if (keep && !got) {
            Fail(std::string("raw ") + what +
                 ": no JSON row (does the tenant token match a project?)");
        }
    }

    void Run(const char* what, const std::string& token, const std::string& sql,
             const char* const* values, int count) {
        const std::array<const char*, 1> tenant{token.c_str()};
        if (PQenterPipelineMode(conn_) == 0 ||
            PQsendQueryParams(conn_, kSetTenant, 1, nullptr, tenant.data(), nullptr, nullptr, 0) ==
                0 ||
            PQsendQueryParams(conn_, sql.c_str(), count, nullptr, values, nullptr, nullptr, 0) ==
                0 ||
            PQpipelineSync(conn_) == 0) {
            Fail(std::string("raw ") + what + ": sending: " + PQerrorMessage(conn_));
        }
        TakeResults(what, false);
        TakeResults(what, true);
        PGresult* sync = PQgetResult(conn_);
        const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        PQclear(sync);
        if (!synced || PQexitPipelineMode(conn_) == 0) {
            Fail(std::string("raw ") + what + ": ending the pipeline: " + PQerrorMessage(conn_));
        }
    }

    PGconn* conn_;
    std::string lock_token_;  // Tenant tokens of the two projects.
    std::string recall_token_;
    std::string lock_sql_;  // NUL-terminated copies, made once.
    std::string recall_sql_;
    const Workload& workload_;
    std::string tags_;  // text[] literal
    std::string last_;
};

class StoreVariant final : public Variant {
public:
    StoreVariant(memory::Store& store, const Workload& workload)
        : store_(store), workload_(workload) {
        for (const std::string& topic : workload.lock_topics) {
            requests_.push_back(
                memory::LockRequest{topic, workload.content, workload.tags, workload.priority});
        }
    }

    void Lock(std::size_t index) override {
        auto result = store_.LockContext(workload_.project, requests_[index % requests_.size()]);
        if (!result.ok()) Fail("Store::LockContext: " + result.error().message());
        last_ = std::move(result).value();
    }

    void Recall() override {
        auto result = store_.RecallContext(workload_.recall_project, workload_.recall_topic,
                                           std::nullopt, false);
        if (!result.ok()) Fail("Store::RecallContext: " + result.error().message());
        last_ = std::move(result).value();
    }

    [[nodiscard]] Json LastResult() const override { return last_; }

private:
    memory::Store& store_;
    const Workload& workload_;
    std::vector<memory::LockRequest> requests_;
    Json last_;
};

// tools/call requests as pre-built lines (only the id changes per call), and the cheap reply
// check. Subclasses carry the line to mnemo and back.
class McpVariant : public Variant {
public:
    explicit McpVariant(const Workload& workload) {
        for (const std::string& topic : workload.lock_topics) {
            const Json arguments = {{"topic", topic},
                                    {"content", workload.content},
                                    {"tags", workload.tags},
                                    {"priority", workload.priority}};
            lock_suffixes_.push_back(Suffix("lock_context", arguments));
        }
        recall_suffix_ = Suffix("recall_context", {{"topic", workload.recall_topic},
                                                   {"project", workload.recall_project}});
    }

    void Lock(std::size_t index) override {
        Call("lock_context", lock_suffixes_[index % lock_suffixes_.size()]);
    }

    void Recall() override { Call("recall_context", recall_suffix_); }

    [[nodiscard]] Json LastResult() const override {
        return Json::parse(last_reply_).at("result").at("structuredContent");
    }

protected:
    /// A request id not used before in this session.
    [[nodiscard]] virtual std::int64_t NextId() = 0;
    /// Sends `line` (ending with '\n') and returns the reply line, valid until the next call.
    [[nodiscard]] virtual std::string_view Exchange(const std::string& line) = 0;

private:
    // Everything after the id: `,"method":"tools/call","params":{...}}` and the newline.
    static std::string Suffix(const char* tool, const Json& arguments) {
        const Json params = {{"name", tool}, {"arguments", arguments}};
        return R"(,"method":"tools/call","params":)" + params.dump() + "}\n";
    }

    void Call(const char* tool, const std::string& suffix) {
        const std::string id = std::to_string(NextId());
        line_.assign(R"({"jsonrpc":"2.0","id":)");
        line_ += id;
        line_ += suffix;
        const std::string_view reply = Exchange(line_);
        // mnemo's replies are dumped with sorted keys: {"id":N,"jsonrpc":"2.0","result":...}.
        expected_.assign(R"({"id":)");
        expected_ += id;
        expected_ += ',';
        if (!reply.starts_with(expected_) || reply.find(R"("isError":false)") == reply.npos) {
            Fail(std::string(tool) + " failed: " + Truncated(reply, 2000));
        }
        last_reply_.assign(reply);
    }

    std::vector<std::string> lock_suffixes_;
    std::string recall_suffix_;
    std::string line_;      // Request buffer, reused.
    std::string expected_;  // Reply prefix buffer, reused.
    std::string last_reply_;
};

class StdioVariant final : public McpVariant {
public:
    StdioVariant(ChildProcess& child, const Workload& workload)
        : McpVariant(workload), child_(child) {}

    [[nodiscard]] std::optional<std::pair<double, double>> ChildCpuSeconds() const override {
        return child_.CpuSeconds();
    }

private:
    std::int64_t NextId() override { return child_.NextRequestId(); }
    std::string_view Exchange(const std::string& line) override {
        child_.Write(line);
        return child_.ReadLine(BenchClock::now() + kCallBudget);
    }

    ChildProcess& child_;
};

class DispatchVariant final : public McpVariant {
public:
    DispatchVariant(InProcessServer& server, const Workload& workload)
        : McpVariant(workload), server_(server) {}

private:
    std::int64_t NextId() override { return server_.NextRequestId(); }
    std::string_view Exchange(const std::string& line) override {
        // The stdio transport hands the dispatcher the line without its newline.
        reply_ = server_.dispatcher.HandleText(std::string_view(line).substr(0, line.size() - 1),
                                               server_.session);
        return reply_;
    }

    InProcessServer& server_;
    std::string reply_;
};

}  // namespace

Workload Workload::Make(std::size_t topics, std::size_t content_bytes) {
    Workload workload;
    for (std::size_t i = 0; i < topics; ++i) {
        workload.lock_topics.push_back("bench/lock-" + std::to_string(i));
    }
    constexpr std::string_view kSentence =
        "Decision: the pool hands out connections first come, first served; every lease sets "
        "the project's row-level-security token in the same round trip as its statement, and "
        "a broken connection is closed, never reused. ";
    while (workload.content.size() < content_bytes) workload.content += kSentence;
    workload.content.resize(content_bytes);
    workload.tags = {"bench", "stdio"};
    return workload;
}

PgConnPtr ConnectRaw(const std::string& conninfo) {
    PgConnPtr conn(PQconnectdb(conninfo.c_str()), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        Fail("cannot connect to " + conninfo + ": " + PQerrorMessage(conn.get()));
    }
    return conn;
}

std::unique_ptr<Variant> MakeRawVariant(PGconn* conn, const memory::TenantKeys& keys,
                                        const Workload& workload) {
    return std::make_unique<RawVariant>(conn, keys, workload);
}

std::unique_ptr<Variant> MakeStoreVariant(memory::Store& store, const Workload& workload) {
    return std::make_unique<StoreVariant>(store, workload);
}

std::unique_ptr<Variant> MakeStdioVariant(ChildProcess& child, const Workload& workload) {
    return std::make_unique<StdioVariant>(child, workload);
}

InProcessServer::InProcessServer(std::shared_ptr<pqpool::Pool> pool_in,
                                 const memory::TenantKeys& keys, const Config& config)
    : pool(std::move(pool_in)),
      store(pool, keys),
      services{store, config},
      dispatcher(mcp::ServerInfo{"mnemo", MNEMO_VERSION, "mnemo (in mnemo_stdio_bench)", ""},
                 registry),
      session("bench") {
    tools::RegisterMemoryTools(registry, services);
    const Json initialize = {{"jsonrpc", "2.0"},
                             {"id", NextRequestId()},
                             {"method", "initialize"},
                             {"params",
                              {{"protocolVersion", "2025-06-18"},
                               {"capabilities", Json::object()},
                               {"clientInfo", {{"name", "mnemo_stdio_bench"}, {"version", "1"}}}}}};
    const std::string reply = dispatcher.HandleText(initialize.dump(), session);
    if (reply.find(R"("result")") == std::string::npos) Fail("in-process initialize: " + reply);
    (void)dispatcher.HandleText(R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                                session);
}

std::unique_ptr<Variant> MakeDispatchVariant(InProcessServer& server, const Workload& workload) {
    return std::make_unique<DispatchVariant>(server, workload);
}

nlohmann::json CallTool(ChildProcess& child, const std::string& tool,
                        const nlohmann::json& arguments) {
    const Json request = {{"jsonrpc", "2.0"},
                          {"id", child.NextRequestId()},
                          {"method", "tools/call"},
                          {"params", {{"name", tool}, {"arguments", arguments}}}};
    child.Write(request.dump() + "\n");
    const std::string_view reply = child.ReadLine(BenchClock::now() + kCallBudget);
    const Json parsed = Json::parse(reply, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("result") ||
        parsed["result"].value("isError", true)) {
        Fail(tool + " over stdio failed: " + Truncated(reply, 2000));
    }
    return parsed["result"].value("structuredContent", Json::object());
}

nlohmann::json InitializeMcp(ChildProcess& child, BenchClock::time_point deadline) {
    const Json initialize = {{"jsonrpc", "2.0"},
                             {"id", 0},
                             {"method", "initialize"},
                             {"params",
                              {{"protocolVersion", "2025-06-18"},
                               {"capabilities", Json::object()},
                               {"clientInfo", {{"name", "mnemo_stdio_bench"}, {"version", "1"}}}}}};
    child.Write(initialize.dump() + "\n");
    const std::string_view reply = child.ReadLine(deadline);
    Json parsed = Json::parse(reply, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("result")) {
        Fail("initialize failed: " + Truncated(reply, 2000));
    }
    child.Write(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                "\n");
    return parsed["result"];
}

}  // namespace mnemo::bench

// SPDX-License-Identifier: MIT
// mnemo_stdio_bench's set-up and tear-down.
#include "stdio_fixture.hpp"

#include <cstdlib>
#include <iostream>
#include <optional>

#include "cli/database.hpp"
#include "embedded/cluster.hpp"
#include "embedded_start.hpp"

namespace mnemo::bench {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string WithOptions(const std::string& conninfo, const std::string& pg_options) {
    return pg_options.empty() ? conninfo : conninfo + " options='" + pg_options + "'";
}

std::string QueryOne(PGconn* conn, const char* sql) {
    PGresult* result = PQexec(conn, sql);
    std::string value = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1
                            ? PQgetvalue(result, 0, 0)
                            : "?";
    PQclear(result);
    return value;
}

// The two projects, and three versions of the recall topic unless an earlier run on this
// home made them.
void PrepareProjects(memory::Store& store, const Workload& workload) {
    for (const std::string& project : {workload.project, workload.recall_project}) {
        auto created = store.CreateProject(project, "mnemo_stdio_bench");
        if (!created.ok()) Fail("creating project " + project + ": " + created.error().message());
    }
    auto recalled =
        store.RecallContext(workload.recall_project, workload.recall_topic, std::nullopt, false);
    if (recalled.ok()) return;
    if (recalled.error().code() != ErrorCode::kNotFound) {
        Fail("recall_context: " + recalled.error().message());
    }
    const memory::LockRequest request{workload.recall_topic, workload.content, workload.tags,
                                      workload.priority};
    for (int version = 0; version < 3; ++version) {
        auto locked = store.LockContext(workload.recall_project, request);
        if (!locked.ok()) Fail("lock_context: " + locked.error().message());
    }
}

// Every variant must see the same data: the same recall result, and lock results of the
// right topic. Catches a variant that silently talks to another project or database.
void CheckVariantsAgree(std::vector<NamedVariant>& variants, const Workload& workload) {
    std::optional<int> version;
    for (NamedVariant& variant : variants) {
        variant.variant->Recall();
        const Json recalled = variant.variant->LastResult();
        if (!recalled.value("found", false) ||
            recalled.value("topic", std::string()) != workload.recall_topic ||
            recalled.value("content", std::string()) != workload.content) {
            Fail(variant.name + ": unexpected recall_context result: " + recalled.dump());
        }
        const int seen = recalled.value("version", 0);
        if (version && *version != seen) {
            Fail(variant.name + ": recalled version " + std::to_string(seen) + ", others " +
                 std::to_string(*version));
        }
        version = seen;
        variant.variant->Lock(0);
        const Json locked = variant.variant->LastResult();
        if (locked.value("topic", std::string()) != workload.lock_topics[0]) {
            Fail(variant.name + ": unexpected lock_context result: " + locked.dump());
        }
    }
}

}  // namespace

void BenchHome::SetUp(const std::string& home, const Workload& workload) {
    if (home.empty()) {
        std::string pattern = "/tmp/mnemo-stdio-bench.XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp failed");
        home_ = pattern;
        own_home_ = true;
    } else {
        home_ = fs::absolute(home);
    }

    // One environment for the children and for our Config, so our pool is configured as
    // mnemo's is.
    environment_ = ProcessEnvironment();
    for (const char* name : {"DATABASE_URL", "MNEMO_PROJECT", "MNEMO_LOG_LEVEL", "PGOPTIONS"}) {
        environment_.erase(name);
    }
    environment_["MNEMO_HOME"] = home_.string();
    ConfigFlags flags;
    flags.project = workload.project;
    auto config = LoadConfig(Transport::kStdio, environment_, flags);
    if (!config.ok()) Fail("configuration: " + config.error().message());
    config_ = std::move(config).value();

    EmbeddedStart start = StartEmbedded(home_);
    started_cluster_ = start.started;
    conninfo_ = std::move(start.conninfo);
    cluster_note_ = std::move(start.note);

    // What `mnemo serve` does first: migrations, the secret's hash. Then the project.
    auto db = cli::OpenDatabase(config_);
    if (!db.ok()) Fail(db.error().message());
    PrepareProjects(*db->store, workload);
    (void)db->pool->Close(std::chrono::steady_clock::now() + std::chrono::seconds(5));

    auto keys = memory::TenantKeys::Load(config_.secret, config_.home);
    if (!keys.ok()) Fail("tenant keys: " + keys.error().message());
    keys_ = std::make_unique<memory::TenantKeys>(std::move(keys).value());
}

void BenchHome::TearDown() noexcept {
    if (started_cluster_) {
        started_cluster_ = false;
        auto stopped = cli::EmbeddedClusterAt(home_).Stop();
        if (!stopped.ok()) {
            std::cerr << "mnemo_stdio_bench: stopping the embedded cluster under " << home_.string()
                      << ": " << stopped.error().message() << "\n";
        }
    }
    if (own_home_) {
        own_home_ = false;
        std::error_code ignored;
        fs::remove_all(home_, ignored);
    }
}

std::unique_ptr<ChildProcess> SectionFixture::StartMnemo(const BenchHome& home,
                                                         const SectionSettings& settings,
                                                         const std::string& log_level) {
    ChildOptions child;
    child.path = settings.mnemo;
    child.args = {"serve", "--stdio", "--project", home.config().default_project};
    for (const auto& [name, value] : home.environment()) {
        std::string entry = name;
        entry += '=';
        entry += value;
        child.env.push_back(std::move(entry));
    }
    child.env.push_back("MNEMO_LOG_LEVEL=" + log_level);
    if (!settings.pg_options.empty()) child.env.push_back("PGOPTIONS=" + settings.pg_options);
    child.stderr_path = (home.home() / ("mnemo-" + log_level + ".stderr")).string();
    auto process = ChildProcess::Spawn(child);
    (void)InitializeMcp(*process, BenchClock::now() + std::chrono::seconds(120));
    return process;
}

void SectionFixture::SetUp(const BenchHome& home, const SectionSettings& settings,
                           const Workload& workload) {
    const std::string conninfo = WithOptions(home.conninfo(), settings.pg_options);
    raw_ = ConnectRaw(conninfo);
    auto pool = pqpool::Pool::Create(cli::MakePoolOptions(home.config(), conninfo, home.keys()));
    if (!pool.ok()) Fail("creating the pool: " + pool.error().message());
    pool_ = std::move(pool).value();
    store_ = std::make_unique<memory::Store>(pool_, home.keys());
    auto dispatch_pool =
        pqpool::Pool::Create(cli::MakePoolOptions(home.config(), conninfo, home.keys()));
    if (!dispatch_pool.ok()) Fail("creating the pool: " + dispatch_pool.error().message());
    in_process_ = std::make_unique<InProcessServer>(std::move(dispatch_pool).value(), home.keys(),
                                                    home.config());
    children_.push_back(StartMnemo(home, settings, "warning"));
    if (settings.with_info_log) children_.push_back(StartMnemo(home, settings, "info"));

    variants_.push_back(
        {"raw libpq pipeline", "raw", MakeRawVariant(raw_.get(), home.keys(), workload)});
    variants_.push_back({"Store via pqpool, no MCP", "store", MakeStoreVariant(*store_, workload)});
    variants_.push_back(
        {"mnemo in process, no transport", "in-proc", MakeDispatchVariant(*in_process_, workload)});
    variants_.push_back(
        {"mnemo stdio, log warning", "stdio", MakeStdioVariant(*children_[0], workload)});
    if (settings.with_info_log) {
        variants_.push_back(
            {"mnemo stdio, log info", "stdio+info", MakeStdioVariant(*children_[1], workload)});
    }
    CheckVariantsAgree(variants_, workload);

    // The settings must have reached every connection, mnemo's included.
    const std::string expected = QueryOne(raw_.get(), "SHOW synchronous_commit");
    auto lease = pool_->Acquire();
    if (!lease.ok()) Fail("acquire: " + lease.error().message());
    auto shown = lease->Execute("SHOW synchronous_commit");
    if (!shown.ok() || shown->Get(0, 0) != expected) {
        Fail("the pool's connection does not run with synchronous_commit = " + expected);
    }
    lease->Release();
    for (auto& child : children_) {
        const Json rows = CallTool(
            *child, "query_database",
            {{"sql", "SELECT current_setting('synchronous_commit') AS synchronous_commit"}});
        if (rows.dump().find("\"" + expected + "\"") == std::string::npos) {
            Fail("mnemo's connection does not run with synchronous_commit = " + expected + ": " +
                 rows.dump());
        }
    }
}

void SectionFixture::TearDown() noexcept {
    variants_.clear();
    for (auto& child : children_) {
        const int status = child->Stop(std::chrono::seconds(10));
        if (status != 0) {
            std::cerr << "mnemo_stdio_bench: mnemo (pid " << child->pid() << ") "
                      << (status < 0 ? std::string("had to be killed")
                                     : "exited with status " + std::to_string(status))
                      << "; its stderr ends with:\n"
                      << child->StderrTail(2000) << "\n";
        }
    }
    children_.clear();
    store_.reset();
    if (in_process_) {
        (void)in_process_->pool->Close(std::chrono::steady_clock::now() + std::chrono::seconds(5));
        in_process_.reset();
    }
    if (pool_) (void)pool_->Close(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    pool_.reset();
    raw_.reset();
}

}  // namespace mnemo::bench

// SPDX-License-Identifier: MIT
// mnemo_http_bench's set-up and tear-down.
#include "http_fixture.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/database.hpp"
#include "embedded/cluster.hpp"
#include "embedded/subprocess.hpp"
#include "embedded_start.hpp"
#include "http_sql.hpp"
#include "memory/access_store.hpp"
#include "memory/context_sql.hpp"
#include "memory/search_query.hpp"
#include "memory/store.hpp"

namespace mnemo::bench {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kUser = "bench";

std::string WithOptions(const std::string& conninfo, const std::string& pg_options) {
    return pg_options.empty() ? conninfo : conninfo + " options='" + pg_options + "'";
}

// A loopback TCP port that was free a moment ago.
std::uint16_t FreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) Fail("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    if (!ok) Fail("cannot find a free loopback port");
    return ntohs(address.sin_port);
}

void Exec(PGconn* conn, const char* sql) {
    PGresult* result = PQexec(conn, sql);
    const ExecStatusType status = PQresultStatus(result);
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        Fail(std::string(sql) + ": " + message);
    }
}

}  // namespace

HttpWorkload HttpWorkload::Make(std::size_t projects, std::size_t content_bytes) {
    HttpWorkload workload;
    for (std::size_t i = 1; i <= projects; ++i) {
        workload.projects.push_back("bench-p" + std::to_string(i));
    }
    constexpr std::string_view kSentence =
        "Decision: the pool hands out connections first come, first served; every lease sets "
        "the project's row-level-security token in the same round trip as its statement, and "
        "a broken connection is closed, never reused. ";
    constexpr std::string_view kSearchable =
        "Runbook: on a primary failure the quorum of standbys elects a new primary; failover "
        "takes under ten seconds. ";
    while (workload.lock_content.size() < content_bytes) workload.lock_content += kSentence;
    workload.lock_content.resize(content_bytes);
    workload.recall_content = std::string(kSearchable);
    while (workload.recall_content.size() < content_bytes) workload.recall_content += kSentence;
    workload.recall_content.resize(content_bytes);
    return workload;
}

std::vector<std::string> EnvironmentEntries(const std::map<std::string, std::string>& env) {
    std::vector<std::string> entries;
    entries.reserve(env.size());
    for (const auto& [name, value] : env) {
        std::string entry = name;
        entry += '=';
        entry += value;
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::string QueryAsTenant(PGconn* conn, const std::string& tenant_token, const std::string& sql,
                          const std::vector<const char*>& params) {
    Exec(conn, "BEGIN");
    const char* token = tenant_token.c_str();
    PGresult* set = PQexecParams(conn, "SELECT set_config('mnemo.tenant', $1, true)", 1, nullptr,
                                 &token, nullptr, nullptr, 0);
    const bool set_ok = PQresultStatus(set) == PGRES_TUPLES_OK;
    PQclear(set);
    if (!set_ok) Fail(std::string("set_config: ") + PQerrorMessage(conn));
    PGresult* result = PQexecParams(conn, sql.c_str(), static_cast<int>(params.size()), nullptr,
                                    params.data(), nullptr, nullptr, 0);
    const bool ok = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1;
    std::string value = ok && PQgetisnull(result, 0, 0) == 0 ? PQgetvalue(result, 0, 0) : "";
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    Exec(conn, ok ? "COMMIT" : "ROLLBACK");
    if (!ok) Fail("raw statement failed: " + message);
    return value;
}

void HttpFixture::StartCluster() {
    EmbeddedStart start = StartEmbedded(home_);
    started_cluster_ = start.started;
    conninfo_ = std::move(start.conninfo);
    cluster_note_ = std::move(start.note);
    // What `mnemo serve` does first: migrations, the secret's hash.
    auto db = cli::OpenDatabase(config_);
    if (!db.ok()) Fail(db.error().message());
    (void)db->pool->Close(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    auto keys = memory::TenantKeys::Load(config_.secret, config_.home);
    if (!keys.ok()) Fail("tenant keys: " + keys.error().message());
    keys_ = std::make_unique<memory::TenantKeys>(std::move(keys).value());
}

void HttpFixture::CreateToken() { bearer_ = NewToken(kUser, "write"); }

std::string HttpFixture::NewToken(const std::string& user, const std::string& scope) const {
    auto env = environment_;
    env["MNEMO_LOG_LEVEL"] = "warning";
    auto ran = embedded::RunProcess(
        {mnemo_, "token", "create", "--user", user, "--scope", scope, "--label", "mnemo bench"},
        EnvironmentEntries(env), embedded::OsUser{},
        std::chrono::steady_clock::now() + std::chrono::seconds(120));
    if (!ran.ok()) Fail("mnemo token create: " + ran.error().message());
    std::string token;
    std::istringstream lines(ran->output);
    for (std::string line; std::getline(lines, line);) {
        if (line.size() == 70 && line.starts_with("mnemo_")) token = line;
    }
    if (ran->exit_code != 0 || token.empty()) {
        Fail("mnemo token create failed (exit " + std::to_string(ran->exit_code) +
             "): " + ran->output);
    }
    return token;
}

void HttpFixture::StartServer() {
    port_ = FreePort();
    ChildOptions child;
    child.path = mnemo_;
    child.args = {"serve", "--http", "127.0.0.1:" + std::to_string(port_)};
    child.env = EnvironmentEntries(environment_);
    child.stderr_path = (home_ / "mnemo-http.stderr").string();
    server_ = ChildProcess::Spawn(child);

    const auto deadline = BenchClock::now() + std::chrono::seconds(60);
    const std::string probe =
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) + "\r\n\r\n";
    for (;;) {
        HttpConnection connection(port_);
        HttpReply reply;
        try {
            connection.Exchange(probe, BenchClock::now() + std::chrono::seconds(5), reply);
            if (reply.status == 200) return;
        } catch (const BenchFailure&) {
            if (Interrupted()) throw;
        }
        if (BenchClock::now() > deadline) {
            Fail("mnemo serve --http did not answer /healthz within 60 s; its stderr ends with:\n" +
                 server_->StderrTail(3000));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::unique_ptr<McpHttpSession> HttpFixture::OpenSession() const {
    auto session = std::make_unique<McpHttpSession>(port_, bearer_);
    session->Initialize();
    return session;
}

void HttpFixture::Seed(const HttpWorkload& workload) {
    setup_session_ = OpenSession();
    McpHttpSession& session = *setup_session_;
    for (const std::string& project : workload.projects) {
        (void)session.CallTool("create_project",
                               {{"name", project}, {"description", "mnemo_http_bench"}});
        const auto lock = [&](const std::string& topic, const std::string& content) {
            (void)session.CallTool("lock_context", {{"project", project},
                                                    {"topic", topic},
                                                    {"content", content},
                                                    {"tags", workload.tags},
                                                    {"priority", workload.priority}});
        };
        for (std::size_t i = 0; i < workload.lock_topics; ++i) {
            lock(workload.LockTopic(i), workload.lock_content);
        }
        for (std::size_t i = 0; i < workload.recall_topics; ++i) {
            lock(workload.RecallTopic(i), workload.recall_content);
        }
    }
}

void HttpFixture::CheckAgreement(const HttpWorkload& workload, const std::string& pg_options) {
    raw_ = PgConnPtr(PQconnectdb(WithOptions(conninfo_, pg_options).c_str()), &PQfinish);
    if (PQstatus(raw_.get()) != CONNECTION_OK) {
        Fail("cannot connect to " + conninfo_ + ": " + PQerrorMessage(raw_.get()));
    }
    // The settings must have reached mnemo's connections as well as ours (and pgbench's,
    // which take PGOPTIONS from the same string).
    const std::string expected = ShowSetting("synchronous_commit");
    const Json shown = setup_session_->CallTool(
        "query_database",
        {{"project", workload.projects.front()},
         {"sql", "SELECT current_setting('synchronous_commit') AS synchronous_commit"}});
    if (shown.dump().find("\"" + expected + "\"") == std::string::npos) {
        Fail("mnemo's connection does not run with synchronous_commit = " + expected + ": " +
             shown.dump());
    }

    for (const std::string& project : workload.projects) {
        tokens_.push_back(keys_->TokenFor(memory::ProjectRef(user_, project).Tenant()));
    }
    server_token_ = keys_->TokenFor(memory::AccessStore::ServerTenant());
    bearer_hash_ = bearer_.empty() ? "" : memory::Sha256Hex(bearer_);
    session_hash_ = memory::Sha256Hex(setup_session_->session_id());

    // The same recall and search through mnemo and as raw statements under our tokens.
    const std::string& project = workload.projects.back();
    const std::string topic = workload.RecallTopic(0);
    const Json recalled =
        setup_session_->CallTool("recall_context", {{"project", project}, {"topic", topic}});
    const Json raw_recalled = Json::parse(QueryAsTenant(raw_.get(), tokens_.back(),
                                                        std::string(memory::sql::kRecallContext),
                                                        {topic.c_str(), nullptr, "false"}));
    if (!raw_recalled.value("found", false) ||
        raw_recalled.value("version", -1) != recalled.value("version", -2) ||
        raw_recalled.value("content", std::string()) != recalled.value("content", std::string())) {
        Fail("recall_context through mnemo and as a raw statement differ:\n" + recalled.dump() +
             "\n" + raw_recalled.dump());
    }
    const Json searched = setup_session_->CallTool(
        "search_contexts", {{"project", project}, {"query", workload.query}});
    const std::string limit = std::to_string(workload.search_limit + 1);
    const memory::SearchQuery built = memory::BuildSearchQuery(workload.query);
    const std::string terms = memory::TextArrayLiteral(built.terms);
    const std::string fuzzy = memory::TextArrayLiteral(built.fuzzy);
    const Json raw_searched =
        Json::parse(QueryAsTenant(raw_.get(), tokens_.back(), std::string(sql::kSearchContexts),
                                  {built.strict.c_str(), built.any.c_str(), terms.c_str(),
                                   fuzzy.c_str(), nullptr, "{}", limit.c_str(), "0", "false"}));
    const Json& results = searched["results"];
    bool same = results.is_array() && !results.empty() && raw_searched.is_array() &&
                raw_searched.size() >= results.size();
    for (std::size_t i = 0; same && i < results.size(); ++i) {
        same = results[i].value("topic", "") == raw_searched[i].value("topic", "?");
    }
    if (!same) {
        Fail("search_contexts through mnemo and as a raw statement differ:\n" + searched.dump() +
             "\n" + raw_searched.dump());
    }
    // The session check under the server token finds the set-up session.
    const std::string ttl = std::to_string(config_.http.session_ttl.count());
    const Json access = Json::parse(QueryAsTenant(
        raw_.get(), server_token_, std::string(sql::kResolveSession),
        {bearer_hash_.c_str(), session_hash_.c_str(), ttl.c_str(), bearer_.empty() ? "f" : "t"}));
    if (!access["session"].is_object()) {
        Fail("the session check as a raw statement does not find the session: " + access.dump());
    }
}

void HttpFixture::SetUp(const ServerSettings& settings, const HttpWorkload& workload) {
    mnemo_ = fs::absolute(settings.mnemo).string();  // RunProcess runs in '/'.
    if (settings.home.empty()) {
        std::string pattern = "/tmp/mnemo-http-bench.XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp failed");
        home_ = pattern;
        own_home_ = true;
    } else {
        home_ = fs::absolute(settings.home);
    }
    // One environment for the children and for our Config, so that we derive the tokens from
    // the secret the server uses and know its limits.
    environment_ = ProcessEnvironment();
    for (const char* name : {"DATABASE_URL", "MNEMO_PROJECT", "MNEMO_LOG_LEVEL", "PGOPTIONS",
                             "MNEMO_AUTH", "MNEMO_POOL_MAX_CONNECTIONS",
                             "MNEMO_PROJECT_MAX_CONNECTIONS", "MNEMO_USER_MAX_CONNECTIONS"}) {
        environment_.erase(name);
    }
    environment_["MNEMO_HOME"] = home_.string();
    environment_["MNEMO_LOG_LEVEL"] = settings.log_level;
    if (!settings.require_token) environment_["MNEMO_AUTH"] = "none";
    if (!settings.pg_options.empty()) environment_["PGOPTIONS"] = settings.pg_options;
    if (settings.pool_max > 0) {
        environment_["MNEMO_POOL_MAX_CONNECTIONS"] = std::to_string(settings.pool_max);
    }
    if (settings.project_max > 0) {
        environment_["MNEMO_PROJECT_MAX_CONNECTIONS"] = std::to_string(settings.project_max);
    }
    if (settings.user_max > 0) {
        environment_["MNEMO_USER_MAX_CONNECTIONS"] = std::to_string(settings.user_max);
    }
    ConfigFlags flags;
    flags.http_listen = "127.0.0.1:0";
    auto config = LoadConfig(Transport::kHttp, environment_, flags);
    if (!config.ok()) Fail("configuration: " + config.error().message());
    config_ = std::move(config).value();

    // Our process talks to PostgreSQL only through conninfo strings with explicit options.
    unsetenv("PGOPTIONS");  // NOLINT(concurrency-mt-unsafe): before any thread.
    StartCluster();
    if (settings.require_token) {
        CreateToken();
        user_ = kUser;
    }
    StartServer();
    Seed(workload);
    CheckAgreement(workload, settings.pg_options);
    ResetData();
}

std::string HttpFixture::ShowSetting(const std::string& name) const {
    PGresult* result = PQexec(raw_.get(), ("SHOW " + name).c_str());
    std::string value = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1
                            ? PQgetvalue(result, 0, 0)
                            : "?";
    PQclear(result);
    return value;
}

void HttpFixture::ResetData() const {
    for (const std::string& token : tokens_) {
        (void)QueryAsTenant(raw_.get(), token,
                            "WITH gone AS (DELETE FROM mnemo.contexts WHERE project_id = "
                            "mnemo.current_project_id() AND topic LIKE 'bench/lock-%' AND "
                            "version > 1 RETURNING 1) SELECT count(*) FROM gone",
                            {});
    }
    Exec(raw_.get(), "VACUUM (ANALYZE) mnemo.contexts, mnemo.topics");
}

void HttpFixture::WaitForBackendsToExit(const std::string& application_name) const {
    const char* name = application_name.c_str();
    const auto deadline = BenchClock::now() + std::chrono::seconds(10);
    while (BenchClock::now() < deadline) {
        PGresult* result = PQexecParams(
            raw_.get(), "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", 1,
            nullptr, &name, nullptr, nullptr, 0);
        const bool gone = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1 &&
                          std::string_view(PQgetvalue(result, 0, 0)) == "0";
        PQclear(result);
        if (gone) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // The backend leaves pg_stat_activity a moment before its process is gone and reaped.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

std::int64_t HttpFixture::CountContexts() const {
    std::int64_t total = 0;
    for (const std::string& token : tokens_) {
        total += std::stoll(QueryAsTenant(raw_.get(), token,
                                          "SELECT count(*) FROM mnemo.contexts "
                                          "WHERE project_id = mnemo.current_project_id()",
                                          {}));
    }
    return total;
}

void HttpFixture::TearDown() noexcept {
    setup_session_.reset();
    if (server_) {
        ::kill(server_->pid(), SIGTERM);
        const int status = server_->Stop(std::chrono::seconds(20));
        if (status != 0) {
            std::cerr << "mnemo_http_bench: mnemo (pid " << server_->pid() << ") "
                      << (status < 0 ? std::string("had to be killed")
                                     : "exited with status " + std::to_string(status))
                      << "; its stderr ends with:\n"
                      << server_->StderrTail(2000) << "\n";
        }
        server_.reset();
    }
    raw_.reset();
    if (started_cluster_) {
        started_cluster_ = false;
        auto stopped = cli::EmbeddedClusterAt(home_).Stop();
        if (!stopped.ok()) {
            std::cerr << "mnemo_http_bench: stopping the embedded cluster under " << home_.string()
                      << ": " << stopped.error().message() << "\n";
        }
    }
    if (own_home_) {
        own_home_ = false;
        std::error_code ignored;
        fs::remove_all(home_, ignored);
    }
}

}  // namespace mnemo::bench

// SPDX-License-Identifier: MIT
// mnemo_search_bench: search_contexts and recall_context p50 against store size and tenant
// count (issue 15's goals), figures and ratios side by side in one run.
//
// Databases (created on --dsn, which must be allowed to create roles and databases, and
// dropped at the end unless --keep): one owned by a plain LOGIN role, like mnemo's own:
//   - project "small": --small contexts; project "large": --large contexts (bulk-loaded with
//     generate_series as the owning role, which row-level security does not bind);
//   - project "alone" in a second database: 100 contexts and nothing else; and in a third,
//     --tenants projects of 100 contexts each, one of them "crowd-0" with the same rows.
// Each context holds 40 words of a 2 000-word vocabulary; "needleten" is in exactly 10 of
// each project's contexts, "onepercent" in 1 %.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <libpq-fe.h>

#include "cli/database.hpp"
#include "config/config.hpp"
#include "memory/store.hpp"
#include "pqpool/pool.hpp"
#include "util/log.hpp"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Fail(const std::string& what) {
    std::fprintf(stderr, "mnemo_search_bench: %s\n", what.c_str());
    std::exit(1);
}

struct Options {
    std::string dsn;
    long small = 1000;
    long large = 1000000;
    long tenants = 10000;
    int calls = 30;
    bool keep = false;
    std::string reuse;  // a kept run's role: measure its databases again, load nothing
};

/// The SQL that bulk-loads `count` contexts (topics notes/item-1..count) into each project of
/// `projects_sql` (a query returning project_id), as lock_context would store them.
std::string LoadSql(const std::string& projects_sql, long first, long last) {
    const std::string rows =
        "SELECT p.project_id, 'notes/item-' || i AS topic, i, "
        "(SELECT string_agg('w' || ((i::bigint * 7919 + k * 104729) % 2000)::text, ' ') "
        "   FROM generate_series(1, 40) k) "
        " || CASE WHEN i % 100 = 0 THEN ' onepercent' ELSE '' END "
        " AS content "
        "FROM (" +
        projects_sql + ") p, generate_series(" + std::to_string(first) + ", " +
        std::to_string(last) + ") i";
    return "WITH r AS MATERIALIZED (" + rows +
           "), t AS (INSERT INTO mnemo.topics (project_id, topic, last_version, latest_version, "
           "latest_priority, latest_at) SELECT project_id, topic, 1, 1, 'reference', now() FROM r) "
           "INSERT INTO mnemo.contexts (project_id, topic, version, content, preview, priority, "
           "tags, content_hash, size_bytes) "
           "SELECT project_id, topic, 1, content, left(content, 500), 'reference', '{}', "
           "md5(content), octet_length(content) FROM r";
}

/// Puts "needleten" into exactly 10 contexts of each project (spread over the store).
std::string NeedleSql(long count) {
    const long step = std::max(1L, count / 10);
    return "UPDATE mnemo.contexts SET content = content || ' needleten', "
           "preview = left(content || ' needleten', 500) "
           "WHERE topic IN (SELECT 'notes/item-' || (1 + s * " +
           std::to_string(step) + ") FROM generate_series(0, 9) s)";
}

/// Runs one statement on --dsn (role and database management).
void AdminSql(const std::string& dsn, const std::string& sql) {
    PGconn* conn = PQconnectdb(dsn.c_str());
    if (PQstatus(conn) != CONNECTION_OK) Fail(PQerrorMessage(conn));
    PGresult* result = PQexec(conn, sql.c_str());
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    const std::string error = PQerrorMessage(conn);
    PQclear(result);
    PQfinish(conn);
    if (!ok) Fail(sql + ": " + error);
}

/// A lease whose transactions carry `tenant`'s token (the projects table keeps FORCE row-level
/// security: the owner's registry token lists its projects).
pqpool::Lease Admin(cli::Database& db,
                    const std::string& tenant = memory::OwnerRegistryTenant("")) {
    auto lease = db.pool->Acquire(pqpool::AcquireLabel(tenant, "bench_load"));
    if (!lease.ok()) Fail(lease.error().message());
    return std::move(*lease);
}

void Exec(pqpool::Lease& lease, const std::string& sql) {
    // VACUUM runs outside a transaction (it needs no token: the owner maintains its tables).
    auto result = sql.starts_with("VACUUM") ? lease.connection().Execute(sql) : lease.Execute(sql);
    if (!result.ok()) Fail(result.error().message() + "\n" + sql.substr(0, 300));
}

double Seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
}

template <class F>
double P50Ms(int calls, F&& call) {
    std::vector<double> ms;
    call(calls);  // one untimed call first: connections, caches
    for (int i = 0; i < calls; ++i) {
        const auto began = Clock::now();
        call(i);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - began).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

double SearchP50(memory::Store& store, const std::string& project, const std::string& query,
                 int calls, std::size_t* hits) {
    return P50Ms(calls, [&](int) {
        memory::SearchRequest request;
        request.query = query;
        auto found = store.SearchContexts(project, request);
        if (!found.ok()) Fail(found.error().message());
        *hits = found->size();
    });
}

double RecallP50(memory::Store& store, const std::string& project, long count, int calls) {
    return P50Ms(calls, [&](int i) {
        const long item = 1 + (static_cast<long>(i) * 7919) % count;
        auto found =
            store.RecallContext(project, "notes/item-" + std::to_string(item), std::nullopt, false);
        if (!found.ok()) Fail(found.error().message());
    });
}

int Run(const Options& options) {
    log::SetMinLevel(log::Level::kError);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines as they come
    const std::string suffix = std::to_string(::getpid());
    const std::string role = options.reuse.empty() ? "search_bench_" + suffix : options.reuse;
    std::vector<std::string> databases = {role + "_a", role + "_alone", role + "_crowd"};
    const bool load = options.reuse.empty();
    if (load) {
        AdminSql(options.dsn, "CREATE ROLE " + role + " LOGIN");
        for (const auto& name : databases) {
            AdminSql(options.dsn, "CREATE DATABASE " + name + " OWNER " + role);
        }
    }
    auto open = [&](const std::string& name) {
        Config config;
        config.secret = "search-bench-secret-0123456789abcdef";
        config.home = "/tmp";
        config.database_url = options.dsn;
        // Bulk loads of 10 000 contexts and the GIN builds of a migration at 1 000 000 rows
        // take minutes on a busy machine; the searches measured take milliseconds.
        config.statement_timeout = std::chrono::minutes(30);
        // The same server, another database and the plain role.
        auto& url = config.database_url;
        url += (url.find('?') == std::string::npos ? "?" : "&");
        url += "dbname=" + name + "&user=" + role;
        auto db = cli::OpenDatabase(config);
        if (!db.ok()) Fail(db.error().message());
        return std::move(*db);
    };

    std::printf(
        "mnemo_search_bench: store sizes %ld and %ld, %ld tenants x 100; %d calls per "
        "figure (p50 in ms)\n",
        options.small, options.large, options.tenants, options.calls);
    auto a = open(databases[0]);
    memory::Store& store = *a.store;
    for (const auto& [project, count] :
         {std::pair<std::string, long>{"small", options.small}, {"large", options.large}}) {
        if (!load) break;
        if (!store.CreateProject(project, "").ok()) Fail("create " + project);
        const auto began = Clock::now();
        auto lease = Admin(a);
        const std::string pid =
            "SELECT project_id FROM mnemo.projects WHERE name = '" + project + "'";
        for (long from = 1; from <= count; from += 10000) {
            Exec(lease, LoadSql(pid, from, std::min(count, from + 9999)));
        }
        Exec(lease, NeedleSql(count) + " AND project_id = (" + pid + ")");
        std::printf("  loaded %-6s %8ld contexts in %.1f s\n", project.c_str(), count,
                    Seconds(began));
    }
    if (load) {
        auto lease = Admin(a);
        Exec(lease, "VACUUM ANALYZE mnemo.contexts");
        Exec(lease, "VACUUM ANALYZE mnemo.topics");
    }

    auto alone = open(databases[1]);
    auto crowd = open(databases[2]);
    if (load) {
        if (!alone.store->CreateProject("alone", "").ok()) Fail("create alone");
        auto lease = Admin(alone);
        Exec(lease, LoadSql("SELECT project_id FROM mnemo.projects", 1, 100));
        Exec(lease, NeedleSql(100));
        Exec(lease, "VACUUM ANALYZE mnemo.contexts");
        Exec(lease, "VACUUM ANALYZE mnemo.topics");
    }
    if (load) {
        const auto began = Clock::now();
        for (long p = 0; p < options.tenants; ++p) {
            if (!crowd.store->CreateProject("crowd-" + std::to_string(p), "").ok()) {
                Fail("create tenant");
            }
        }
        auto lease = Admin(crowd);
        for (long first = 0; first < options.tenants; first += 100) {
            Exec(lease, LoadSql("SELECT project_id FROM mnemo.projects ORDER BY project_id "
                                "LIMIT 100 OFFSET " +
                                    std::to_string(first),
                                1, 100));
        }
        for (long first = 0; first < options.tenants; first += 100) {
            Exec(lease, NeedleSql(100) +
                            " AND project_id IN (SELECT project_id FROM mnemo.projects "
                            "ORDER BY project_id LIMIT 100 OFFSET " +
                            std::to_string(first) + ")");
        }
        Exec(lease, "VACUUM ANALYZE mnemo.contexts");
        Exec(lease, "VACUUM ANALYZE mnemo.topics");
        std::printf("  loaded %ld tenants x 100 contexts in %.1f s\n", options.tenants,
                    Seconds(began));
    }

    std::size_t hits_small = 0, hits_large = 0, hits_pct = 0, hits_alone = 0, hits_crowd = 0;
    const int calls = options.calls;
    const double ten_small = SearchP50(store, "small", "needleten", calls, &hits_small);
    const double ten_large = SearchP50(store, "large", "needleten", calls, &hits_large);
    const double pct_large = SearchP50(store, "large", "onepercent", calls, &hits_pct);
    const double pct_small = SearchP50(store, "small", "onepercent", calls, &hits_pct);
    const double recall_small = RecallP50(store, "small", options.small, calls);
    const double recall_large = RecallP50(store, "large", options.large, calls);
    const double one_alone = SearchP50(*alone.store, "alone", "needleten", calls, &hits_alone);
    const double one_crowd = SearchP50(*crowd.store, "crowd-0", "needleten", calls, &hits_crowd);

    std::printf("\n%-44s %10s %10s %8s %s\n", "figure", "base", "measured", "ratio", "goal");
    auto row = [](const char* what, double base, double measured, const char* goal) {
        std::printf("%-44s %10.2f %10.2f %7.2fx %s\n", what, base, measured, measured / base, goal);
    };
    std::printf("search 'needleten' (10 hits): %zu and %zu hits shown\n", hits_small, hits_large);
    row("search, word in 10 contexts: small -> large", ten_small, ten_large, "<= 2x");
    row("search, word in 1 %: small -> large", pct_small, pct_large, "large p50 <= 100 ms");
    row("recall_context: small -> large", recall_small, recall_large, "<= 1.5x");
    row("search in one project: alone -> among tenants", one_alone, one_crowd, "<= 1.5x");

    if (options.keep || !load) {
        std::printf("\nkept: role %s, databases %s %s %s\n", role.c_str(), databases[0].c_str(),
                    databases[1].c_str(), databases[2].c_str());
        return 0;
    }
    a.pool.reset();
    alone.pool.reset();
    crowd.pool.reset();
    for (const auto& name : databases) {
        AdminSql(options.dsn, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
    AdminSql(options.dsn, "DROP ROLE IF EXISTS " + role);
    return 0;
}

}  // namespace
}  // namespace mnemo

int main(int argc, char** argv) {
    mnemo::Options options;
    CLI::App app{"mnemo_search_bench: search and recall p50 against store size and tenants"};
    app.add_option("--dsn", options.dsn, "a superuser (or CREATEROLE+CREATEDB) connection")
        ->required();
    app.add_option("--small", options.small, "contexts in the small project (default 1000)");
    app.add_option("--large", options.large, "contexts in the large project (default 1000000)");
    app.add_option("--tenants", options.tenants, "projects of 100 contexts (default 10000)");
    app.add_option("--calls", options.calls, "calls per figure (default 30)");
    app.add_flag("--keep", options.keep, "keep the role and databases (for EXPLAIN)");
    app.add_option("--reuse", options.reuse,
                   "measure a kept run's databases again (its role, e.g. search_bench_1234)");
    CLI11_PARSE(app, argc, argv);
    return mnemo::Run(options);
}

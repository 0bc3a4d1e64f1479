// SPDX-License-Identifier: MIT
// Test support: a throwaway role and database for the server tests.
#include "server_pg_support.hpp"

#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "pg_test_support.hpp"

namespace mnemo::testing {
namespace {

/// host and port of the test cluster, as keyword conninfo.
std::string HostAndPort(const std::string& dsn) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
    if (options == nullptr) {
        std::fprintf(stderr, "bad MNEMO_TEST_DSN: %s\n", error ? error : "?");
        std::abort();
    }
    std::string result;
    for (auto* option = options; option->keyword != nullptr; ++option) {
        const std::string keyword = option->keyword;
        if ((keyword == "host" || keyword == "port" || keyword == "hostaddr") &&
            option->val != nullptr) {
            result += keyword + "=" + option->val + " ";
        }
    }
    PQconninfoFree(options);
    return result;
}

void RunAdmin(const std::string& dsn, const std::string& sql) {
    PGconn* conn = PQconnectdb(dsn.c_str());
    PGresult* result = PQexec(conn, sql.c_str());
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    if (!ok) std::fprintf(stderr, "test setup failed: %s: %s", sql.c_str(), PQerrorMessage(conn));
    PQclear(result);
    PQfinish(conn);
    if (!ok) std::abort();
}

}  // namespace

std::string WithDatabase(std::string dsn, const std::string& database) {
    const auto at = dsn.find("dbname=");
    const auto end = dsn.find(' ', at);
    dsn.replace(at, end == std::string::npos ? std::string::npos : end - at, "dbname=" + database);
    return dsn;
}

std::string UniqueProject(const std::string& prefix) {
    std::string name = pqpool::testing::UniqueName(prefix);
    for (char& c : name) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return name;
}

TestDatabase& TestDatabase::Shared() {
    static TestDatabase* shared = [] {
        auto* db = new TestDatabase();
        db->cluster_dsn_ = pqpool::testing::TestDsn();
        db->role_ = UniqueProject("mnemo_test");
        const std::string base = HostAndPort(db->cluster_dsn_);
        RunAdmin(db->cluster_dsn_,
                 "CREATE ROLE " + db->role_ + " LOGIN CREATEROLE PASSWORD 'test'");
        RunAdmin(db->cluster_dsn_, "CREATE DATABASE " + db->role_ + " OWNER " + db->role_);
        db->dsn_ = base + "dbname=" + db->role_ + " user=" + db->role_ + " password=test";
        db->admin_dsn_ = base + "dbname=" + db->role_ + " user=postgres";
        std::atexit([] { delete shared; });
        return db;
    }();
    return *shared;
}

TestDatabase::~TestDatabase() {
    RunAdmin(cluster_dsn_, "DROP DATABASE IF EXISTS " + role_ + " WITH (FORCE)");
    // The caller roles mnemo created (see memory/caller_pool.hpp), then the owner.
    std::string caller_roles;
    for (int i = 1; i <= 16; ++i) caller_roles += role_ + "_query_" + std::to_string(i) + ", ";
    RunAdmin(cluster_dsn_, "DROP ROLE IF EXISTS " + caller_roles + role_ + "_query");
    RunAdmin(cluster_dsn_, "DROP ROLE IF EXISTS " + role_);
}

Config TestDatabase::MakeConfig(std::size_t budget) const {
    Config config;
    config.database_url = dsn_;
    config.secret = "test-secret-0123456789abcdef0123456789abcdef";
    config.home = "/nonexistent";  // the secret is given: nothing is read from home
    config.pool_max_connections = budget;
    config.acquire_timeout = std::chrono::seconds(10);
    return config;
}

cli::Database TestDatabase::Open(std::size_t budget) const {
    auto db = cli::OpenDatabase(MakeConfig(budget));
    if (!db.ok()) {
        std::fprintf(stderr, "opening the test database failed: %s\n",
                     db.error().message().c_str());
        std::abort();
    }
    return std::move(db).value();
}

}  // namespace mnemo::testing

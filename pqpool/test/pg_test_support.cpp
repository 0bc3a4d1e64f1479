// SPDX-License-Identifier: MIT
// pg test support: DSN lookup, admin connection, private clusters.
#include "pg_test_support.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>

#ifndef MNEMO_SOURCE_DIR
#error "MNEMO_SOURCE_DIR must point at the repository (for scripts/pg-cluster)"
#endif

namespace pqpool::testing {

std::string TestDsn() {
    const char* dsn = std::getenv("MNEMO_TEST_DSN");
    if (dsn == nullptr || *dsn == '\0') {
        std::fprintf(stderr, "MNEMO_TEST_DSN is not set: skipping PostgreSQL tests\n");
        std::exit(77);
    }
    return dsn;
}

std::string UniqueName(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
}

AdminConnection::AdminConnection(const std::string& dsn) : conn_(PQconnectdb(dsn.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
        ADD_FAILURE() << "admin connection failed: " << PQerrorMessage(conn_);
    }
}

AdminConnection::~AdminConnection() { PQfinish(conn_); }

std::string AdminConnection::Scalar(const std::string& sql, const char* param) {
    const char* params[] = {param};
    PGresult* result = PQexecParams(conn_, sql.c_str(), param != nullptr ? 1 : 0, nullptr, params,
                                    nullptr, nullptr, 0);
    std::string value;
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        ADD_FAILURE() << sql << ": " << PQresultErrorMessage(result);
        value = "<error>";
    } else if (PQntuples(result) > 0 && PQnfields(result) > 0) {
        value = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
    return value;
}

int AdminConnection::Sessions(const std::string& application_name) {
    return std::stoi(Scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                            application_name.c_str()));
}

namespace {

// Runs a shell command, returns its stdout; sets *status to its exit status.
std::string Run(const std::string& command, int* status) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        *status = -1;
        return output;
    }
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
    *status = pclose(pipe);
    return output;
}

}  // namespace

std::unique_ptr<PrivateCluster> PrivateCluster::Start() {
    char dir_template[] = "/tmp/pqpool-cluster-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) {
        ADD_FAILURE() << "mkdtemp failed";
        return nullptr;
    }
    std::unique_ptr<PrivateCluster> cluster(new PrivateCluster());
    cluster->dir_ = dir_template;
    const std::string script = std::string(MNEMO_SOURCE_DIR) + "/scripts/pg-cluster";
    int status = 0;
    Run(script + " start " + cluster->dir_ + " >/dev/null", &status);
    if (status != 0) {
        ADD_FAILURE() << "scripts/pg-cluster start failed with status " << status;
        return nullptr;
    }
    const std::string values =
        Run("bash -c 'source " + cluster->dir_ +
                "/env && printf \"%s\\n%s\\n\" \"$MNEMO_TEST_DSN\" \"$MNEMO_TEST_PGCTL\"'",
            &status);
    std::istringstream lines(values);
    std::getline(lines, cluster->dsn_);
    std::getline(lines, cluster->pgctl_);
    if (status != 0 || cluster->dsn_.empty() || cluster->pgctl_.empty()) {
        ADD_FAILURE() << "could not read " << cluster->dir_ << "/env";
        return nullptr;
    }
    return cluster;
}

int PrivateCluster::PgCtl(const std::string& arguments) {
    int status = 0;
    Run(pgctl_ + " " + arguments + " >/dev/null 2>&1", &status);
    return status;
}

PrivateCluster::~PrivateCluster() {
    int status = 0;
    Run(std::string(MNEMO_SOURCE_DIR) + "/scripts/pg-cluster stop " + dir_ + " >/dev/null 2>&1",
        &status);
}

}  // namespace pqpool::testing

// SPDX-License-Identifier: MIT
// Support for tests against a real PostgreSQL: the shared test DSN, an admin connection,
// unique names, and throwaway private clusters for tests that stop or restart the server.
#pragma once

#include <memory>
#include <string>

#include <libpq-fe.h>

namespace pqpool::testing {

/// MNEMO_TEST_DSN, set by the test command after it started the private cluster. Without it
/// the test binary exits with 77 (reported as skipped by CTest).
std::string TestDsn();

/// A name unique to this process and call, e.g. "pq_fair_12345_3" (use as application_name
/// or schema name so parallel tests never see each other's sessions).
std::string UniqueName(const std::string& prefix);

/// A plain libpq connection for the test's own observations (not through the pool).
class AdminConnection {
public:
    explicit AdminConnection(const std::string& dsn);
    AdminConnection(const AdminConnection&) = delete;
    AdminConnection& operator=(const AdminConnection&) = delete;
    ~AdminConnection();

    /// Runs `sql` with one optional text parameter; returns the first value of the first row
    /// ("" if none). A failure is a test failure (ADD_FAILURE) and returns "<error>".
    std::string Scalar(const std::string& sql, const char* param = nullptr);
    /// Counts the server's sessions with this application_name.
    int Sessions(const std::string& application_name);

private:
    PGconn* conn_;
};

/// A private PostgreSQL cluster (scripts/pg-cluster) owned by one test.
class PrivateCluster {
public:
    /// Starts one; returns null (and records a test failure) when that fails.
    static std::unique_ptr<PrivateCluster> Start();
    PrivateCluster(const PrivateCluster&) = delete;
    PrivateCluster& operator=(const PrivateCluster&) = delete;
    ~PrivateCluster();  // Stops it and removes its directory.

    [[nodiscard]] const std::string& dsn() const { return dsn_; }
    /// Runs pg_ctl for this cluster, e.g. PgCtl("restart -m fast -w"); returns its exit code.
    int PgCtl(const std::string& arguments);

private:
    PrivateCluster() = default;
    std::string dir_;
    std::string dsn_;
    std::string pgctl_;
};

}  // namespace pqpool::testing

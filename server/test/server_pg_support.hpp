// SPDX-License-Identifier: MIT
// Test support for the server against the test cluster: a throwaway non-superuser role and
// database per test binary, and mnemo's store opened on it.
#pragma once

#include <memory>
#include <string>

#include "cli/database.hpp"
#include "config/config.hpp"

namespace mnemo::testing {

/// A role (LOGIN, not superuser) that owns a fresh database, created on the test cluster
/// (MNEMO_TEST_DSN; without it the binary exits 77 = skipped) and dropped at exit.
class TestDatabase {
public:
    /// The binary's shared instance, created on first use. Aborts the test binary when the
    /// cluster cannot create it.
    static TestDatabase& Shared();

    /// Connection string as the owning role.
    [[nodiscard]] const std::string& dsn() const { return dsn_; }
    /// The owning role's name (also the database's name).
    [[nodiscard]] const std::string& role() const { return role_; }
    /// Connection string as the cluster's superuser, to the same database.
    [[nodiscard]] const std::string& admin_dsn() const { return admin_dsn_; }

    /// A stdio configuration on this database with a fixed secret and `budget` connections.
    [[nodiscard]] Config MakeConfig(std::size_t budget = 4) const;

    /// cli::OpenDatabase on MakeConfig(budget): pool, migrations, secret check.
    [[nodiscard]] cli::Database Open(std::size_t budget = 4) const;

    ~TestDatabase();

private:
    TestDatabase() = default;
    std::string role_;
    std::string dsn_;
    std::string admin_dsn_;
    std::string cluster_dsn_;
};

/// `dsn` (keyword form) with its dbname replaced.
std::string WithDatabase(std::string dsn, const std::string& database);

/// A project name unique to this process and call.
std::string UniqueProject(const std::string& prefix);

}  // namespace mnemo::testing

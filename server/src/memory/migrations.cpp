// SPDX-License-Identifier: MIT
// Migrations: applied in one transaction under an advisory lock.
#include "memory/migrations.hpp"

#include <string>

#include "memory/pool_errors.hpp"
#include "util/log.hpp"

namespace mnemo::memory {
namespace {

// Any fixed number; every mnemo process uses the same one ("mnemo" in ASCII).
constexpr const char* kMigrationLockSql = "SELECT pg_advisory_xact_lock(478560333679)";

/// Runs `sql` (may hold several statements) with the simple query protocol; an error says
/// what was being done.
Status ExecScript(pqpool::Lease& lease, const std::string& sql, const std::string& what) {
    pqpool::Status status = lease.connection().ExecuteScript(sql);
    if (status.ok()) return {};
    const Error error = FromPool(status.error());
    return Error(error.code(), what + " failed: " + error.message(), error.sqlstate());
}

int LatestCompiled() {
    const auto& migrations = CompiledMigrations();
    return migrations.empty() ? 0 : migrations.back().version;
}

Result<int> AppliedVersion(pqpool::Lease& lease,
                           std::optional<pqpool::Deadline> deadline = std::nullopt) {
    auto run = [&](const char* sql) {
        return deadline ? lease.Execute(sql, {}, *deadline) : lease.Execute(sql);
    };
    // Two statements: where the table is missing, a query naming it would not even parse.
    auto exists = run("SELECT to_regclass('mnemo.schema_migrations') IS NOT NULL");
    if (!exists.ok()) return FromPool(exists.error());
    if (exists->Get(0, 0) != "t") return 0;
    auto result = run("SELECT coalesce(max(version), 0) FROM mnemo.schema_migrations");
    if (!result.ok()) return FromPool(result.error());
    return std::stoi(std::string(result->Get(0, 0)));
}

Result<int> ApplyPending(pqpool::Lease& lease) {
    const std::string prologue = std::string("BEGIN; ") + kMigrationLockSql +
                                 "; CREATE SCHEMA IF NOT EXISTS mnemo; "
                                 "CREATE TABLE IF NOT EXISTS mnemo.schema_migrations ("
                                 "version integer PRIMARY KEY, name text NOT NULL, "
                                 "applied_at timestamptz NOT NULL DEFAULT now())";
    if (auto s = ExecScript(lease, prologue, "locking for migrations"); !s.ok()) return s.error();
    auto applied = AppliedVersion(lease);
    int count = 0;
    Status status;
    if (!applied.ok()) {
        status = applied.error();
    } else if (*applied > LatestCompiled()) {
        status = Error(ErrorCode::kInvalidArgument,
                       "the database schema is at version " + std::to_string(*applied) +
                           ", newer than this mnemo (" + std::to_string(LatestCompiled()) +
                           "): upgrade mnemo");
    }
    for (const auto& migration : CompiledMigrations()) {
        if (!status.ok()) break;
        if (migration.version <= *applied) continue;
        status = ExecScript(lease, migration.sql, std::string("migration ") + migration.name);
        if (!status.ok()) break;
        status = ExecScript(lease,
                            "INSERT INTO mnemo.schema_migrations (version, name) VALUES (" +
                                std::to_string(migration.version) + ", '" + migration.name + "')",
                            std::string("recording migration ") + migration.name);
        ++count;
    }
    if (!status.ok()) {
        (void)ExecScript(lease, "ROLLBACK", "rollback");
        return status.error();
    }
    if (auto s = ExecScript(lease, "COMMIT", "committing migrations"); !s.ok()) return s.error();
    return count;
}

}  // namespace

Result<MigrationState> ReadMigrationState(pqpool::Pool& pool,
                                          std::optional<pqpool::Deadline> deadline) {
    const pqpool::AcquireLabel label("", "migrations");
    auto lease = deadline ? pool.Acquire(*deadline, label) : pool.Acquire(label);
    if (!lease.ok()) return FromPool(lease.error());
    auto applied = AppliedVersion(*lease, deadline);
    if (!applied.ok()) return std::move(applied).error();
    return MigrationState{*applied, LatestCompiled()};
}

Result<int> ApplyMigrations(pqpool::Pool& pool) {
    auto lease = pool.Acquire(pqpool::AcquireLabel("", "migrations"));
    if (!lease.ok()) return FromPool(lease.error());
    // Fast path: nothing to do needs no lock (every process starting up takes this path).
    auto applied = AppliedVersion(*lease);
    if (applied.ok() && *applied == LatestCompiled()) return 0;
    auto count = ApplyPending(*lease);
    if (count.ok() && *count > 0) {
        log::Info("migrations_applied", {{"count", *count}, {"version", LatestCompiled()}});
    }
    return count;
}

}  // namespace mnemo::memory

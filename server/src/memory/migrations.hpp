// SPDX-License-Identifier: MIT
// Migrations: the versioned schema (sql/NNN_*.sql, compiled in) and applying it safely.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pqpool/pool.hpp"
#include "util/error.hpp"

namespace mnemo::memory {

struct Migration {
    int version;
    const char* name;
    const char* sql;
};

/// sql/NNN_*.sql in version order (generated at build time).
[[nodiscard]] const std::vector<Migration>& CompiledMigrations();

struct MigrationState {
    int applied = 0;   // highest version recorded in the database (0: none)
    int expected = 0;  // highest compiled-in version
};

/// Reads what the database has applied, waiting for a connection and the answer until
/// `deadline` (default: the pool's acquire timeout, then no bound but the pool's statement
/// timeout). Errors: pool and SQL errors.
[[nodiscard]] Result<MigrationState> ReadMigrationState(
    pqpool::Pool& pool, std::optional<pqpool::Deadline> deadline = std::nullopt);

/// Applies pending migrations in one transaction under a transaction-scoped advisory lock, so
/// any number of processes may call it at once: one applies, the others then find nothing to
/// do. Idempotent. Returns how many were applied. Errors name the migration and the server's
/// message; a failed migration leaves nothing half-applied. A database newer than this binary
/// (applied > expected) is an error.
[[nodiscard]] Result<int> ApplyMigrations(pqpool::Pool& pool);

}  // namespace mnemo::memory

// SPDX-License-Identifier: MIT
// Opening mnemo's database: the connection string, the pool, migrations, the secret check.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "memory/store.hpp"

namespace mnemo::cli {

/// The pool and store a command works with.
struct Database {
    std::shared_ptr<pqpool::Pool> pool;
    std::unique_ptr<memory::Store> store;
    std::string conninfo_for_display;  // password removed
    bool embedded = false;
};

/// The libpq connection string: DATABASE_URL/--database-url, else the embedded cluster
/// (started if needed). Errors: the embedded cluster's (missing binaries, start failure).
[[nodiscard]] pqpool::Result<std::string> ResolveConninfo(const Config& config);

/// Pool options for `config` (budget, quota, timeouts; small and idle-free over stdio) and the
/// store's tenant context.
[[nodiscard]] pqpool::PoolOptions MakePoolOptions(const Config& config, std::string conninfo,
                                                  const memory::TenantKeys& keys);

/// Opens the database: pool, pending migrations applied, secret checked, a loud warning when
/// the role bypasses row-level security. Errors say which step failed and why.
[[nodiscard]] pqpool::Result<Database> OpenDatabase(const Config& config);

/// Opens the database for one short-lived hook process (`mnemo hook EVENT`), every wait ending
/// by `deadline`: the embedded cluster is started only when its socket does not answer, a pool
/// of at most two connections; no migration check (see SchemaBehind), no caller pool, no
/// secret registration. Errors: as OpenDatabase, and kTimeout when `deadline` passes.
[[nodiscard]] pqpool::Result<Database> OpenDatabaseForHook(const Config& config,
                                                           pqpool::Deadline deadline);

/// True when `error` says mnemo's schema is missing or older than this binary (an undefined
/// schema, table, column or function): the caller applies the migrations and retries.
[[nodiscard]] bool SchemaBehind(const pqpool::Error& error);

/// `conninfo` with any password replaced by "***".
[[nodiscard]] std::string RedactConninfo(const std::string& conninfo);

}  // namespace mnemo::cli

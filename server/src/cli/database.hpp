// SPDX-License-Identifier: MIT
// Opening mnemo's database: the connection string, the pool, migrations, the secret check.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "embedded/cluster.hpp"
#include "memory/secret_check.hpp"
#include "memory/store.hpp"

namespace mnemo::cli {

/// The pool and store a command works with.
struct Database {
    /// Null only for Access::kInspect when `embedded_not_running` says why.
    std::shared_ptr<pqpool::Pool> pool;
    /// Null for Access::kInspect.
    std::unique_ptr<memory::Store> store;
    std::string conninfo_for_display;  // password removed
    bool embedded = false;
    /// Access::kInspect of the embedded database: why there is no cluster to inspect.
    std::string embedded_not_running;
    /// The secret in use; nullopt for Access::kInspect when there is none yet.
    std::optional<memory::TenantKeys> keys;
    /// The secret compared with the one the database recorded, before anything was written.
    memory::SecretFit secret_fit = memory::SecretFit::kNotRecorded;
    /// True when this process created $MNEMO_HOME/secret.
    bool secret_created = false;
};

/// What opening the database may do.
enum class Access {
    /// Start (create) the embedded cluster, create the secret file, apply migrations, record
    /// the secret, create the caller roles: what serve, migrate and token commands need.
    kChange,
    /// Write nothing, to disk or database: connect (to a running embedded cluster only),
    /// read the secret if it exists and compare it with the database's (`mnemo doctor`).
    kInspect,
};

/// The libpq connection string: DATABASE_URL/--database-url, else the embedded cluster
/// (started if needed). Errors: the embedded cluster's (missing binaries, start failure).
[[nodiscard]] Result<std::string> ResolveConninfo(const Config& config);

/// Pool options for `config` (budget, quota, timeouts; small and idle-free over stdio) and the
/// store's tenant context.
[[nodiscard]] pqpool::PoolOptions MakePoolOptions(const Config& config, std::string conninfo,
                                                  const memory::TenantKeys& keys);

/// The caller pool's options: the owner's tenant context (tokens) and timeouts, its own small
/// budget; a project may hold the project quota but at most half of it, so one project's slow
/// queries leave room for others.
[[nodiscard]] pqpool::PoolOptions CallerPoolOptions(const Config& config,
                                                    const pqpool::PoolOptions& owner);

/// Opens the database. kChange: the secret is compared with the database's before anything is
/// written (a refused process leaves no secret file and no schema behind), then created if
/// new, pending migrations applied, the secret recorded, the caller roles set up, and a loud
/// warning logged when the role bypasses row-level security. kInspect: see Access. Errors say
/// which step failed and why; a secret other than the database's is one (SecretProblem).
[[nodiscard]] Result<Database> OpenDatabase(const Config& config, Access access = Access::kChange);

/// Opens the database for one short-lived hook process (`mnemo hook EVENT`), every wait ending
/// by `deadline`: the embedded cluster is started only when its socket does not answer, a pool
/// of at most two connections; no migration check (see SchemaBehind), no caller pool, no
/// secret registration. Errors: as OpenDatabase, and kPoolTimeout when `deadline` passes.
[[nodiscard]] Result<Database> OpenDatabaseForHook(const Config& config, pqpool::Deadline deadline);

/// True when `error` says mnemo's schema is missing or older than this binary (an undefined
/// schema, table, column or function): the caller applies the migrations and retries.
[[nodiscard]] bool SchemaBehind(const Error& error);

/// The embedded cluster under `home`, provisioned by memory::ProvisionCluster.
[[nodiscard]] embedded::EmbeddedCluster EmbeddedClusterAt(const std::filesystem::path& home);

/// `conninfo` with any password replaced by "***".
[[nodiscard]] std::string RedactConninfo(const std::string& conninfo);

}  // namespace mnemo::cli

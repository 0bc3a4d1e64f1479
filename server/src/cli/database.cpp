// SPDX-License-Identifier: MIT
// Opening mnemo's database.
#include "cli/database.hpp"

#include <algorithm>

#include "embedded/cluster.hpp"
#include "memory/access_store.hpp"
#include "memory/cluster_setup.hpp"
#include "memory/migrations.hpp"
#include "memory/pool_errors.hpp"
#include "memory/server_facts.hpp"
#include "util/log.hpp"

namespace mnemo::cli {
namespace {

Error Wrap(const Error& error, const std::string& step) {
    return Error(error.code(), step + ": " + error.message(), error.sqlstate());
}

void ForwardPoolLog(pqpool::LogLevel level, std::string_view message) {
    const log::Level mapped = level == pqpool::LogLevel::kDebug     ? log::Level::kDebug
                              : level == pqpool::LogLevel::kInfo    ? log::Level::kInfo
                              : level == pqpool::LogLevel::kWarning ? log::Level::kWarning
                                                                    : log::Level::kError;
    log::Write(mapped, "pool", {{"message", message}});
}

void WarnIfRoleBypassesSecurity(memory::Store& store) {
    const auto facts = memory::ReadServerFacts(store.pool(), "role_check");
    if (facts.ok() && facts->bypasses_rls) {
        log::Warning("role_bypasses_row_security",
                     {{"role", facts->role},
                      {"message",
                       "mnemo connects as a superuser or BYPASSRLS role: row-level security does "
                       "NOT isolate projects. Connect as an ordinary role that owns the mnemo "
                       "schema."}});
    }
}

}  // namespace

pqpool::PoolOptions CallerPoolOptions(const Config& config, const pqpool::PoolOptions& owner) {
    pqpool::PoolOptions options;
    options.name = "mnemo-query";
    options.conninfo = owner.conninfo;
    options.max_size = config.query_max_connections;
    options.tenant_max_leases = std::min(
        config.project_max_connections, std::max<std::size_t>(1, config.query_max_connections / 2));
    options.acquire_timeout = config.acquire_timeout;
    options.max_waiting = config.pool_max_waiting;  // 0: 4 × its budget
    options.statement_timeout = config.statement_timeout;
    options.leak_threshold = owner.leak_threshold;
    options.min_idle = 0;
    // Caller roles are shared by every mnemo process on the database: give them back soon.
    options.idle_timeout = std::chrono::minutes(1);
    options.logger = ForwardPoolLog;
    options.tenant_context_sql = owner.tenant_context_sql;
    options.tenant_context_value = owner.tenant_context_value;
    // The per-user quota holds here too: one user's slow queries over many projects leave at
    // least half of the caller pool to the others.
    options.tenant_group = owner.tenant_group;
    options.group_max_leases = std::min(config.user_max_connections,
                                        std::max<std::size_t>(1, config.query_max_connections / 2));
    options.group_max_waiting = std::max<std::size_t>(1, options.EffectiveMaxWaiting() / 2);
    return options;
}

std::string RedactConninfo(const std::string& conninfo) {
    std::string redacted = conninfo;
    // URL form: scheme://user:password@host...
    if (const auto scheme = redacted.find("://"); scheme != std::string::npos) {
        const auto at = redacted.find('@', scheme + 3);
        const auto colon = redacted.find(':', scheme + 3);
        if (at != std::string::npos && colon < at) {
            redacted.replace(colon + 1, at - colon - 1, "***");
        }
    }
    // Keyword form (password = value, quoted or not) and URL parameters (?password=value&...).
    constexpr std::string_view kKey = "password";
    for (auto pos = redacted.find(kKey); pos != std::string::npos;
         pos = redacted.find(kKey, pos + kKey.size())) {
        const auto equals = redacted.find_first_not_of(' ', pos + kKey.size());
        if (equals == std::string::npos || redacted[equals] != '=') continue;
        const auto start = redacted.find_first_not_of(' ', equals + 1);
        if (start == std::string::npos) break;
        auto end = redacted[start] == '\'' ? redacted.find('\'', start + 1)
                                           : redacted.find_first_of(" &", start);
        if (end == std::string::npos) {
            end = redacted.size();
        } else if (redacted[start] == '\'') {
            ++end;
        }
        redacted.replace(start, end - start, "***");
    }
    return redacted;
}

/// The embedded cluster's conninfo at once when its socket answers, else started by
/// `deadline` (EnsureRunning).
Result<std::string> ResolveHookConninfo(const Config& config, pqpool::Deadline deadline) {
    if (!config.database_url.empty()) return config.database_url;
    embedded::EmbeddedCluster cluster = EmbeddedClusterAt(config.home);
    if (auto status = cluster.Status(); status.ok() && status->running) return status->conninfo;
    return cluster.EnsureRunning(deadline);
}

Result<std::string> ResolveConninfo(const Config& config) {
    if (!config.database_url.empty()) return config.database_url;
    embedded::EmbeddedCluster cluster = EmbeddedClusterAt(config.home);
    return cluster.EnsureRunning(std::chrono::steady_clock::now() + std::chrono::seconds(60));
}

pqpool::PoolOptions MakePoolOptions(const Config& config, std::string conninfo,
                                    const memory::TenantKeys& keys) {
    pqpool::PoolOptions options;
    options.name = "mnemo";
    options.conninfo = std::move(conninfo);
    options.max_size = config.pool_max_connections;
    options.tenant_max_leases = config.project_max_connections;
    options.acquire_timeout = config.acquire_timeout;
    options.max_waiting = config.pool_max_waiting;
    options.statement_timeout = config.statement_timeout;
    // No tool holds a connection this long (query_database is bounded by its statement
    // timeout): a lease held past it is a leak, logged with its tool and counted in /metrics.
    options.leak_threshold =
        std::max<std::chrono::milliseconds>(std::chrono::seconds(60), 4 * config.query_timeout);
    options.min_idle = 0;
    if (config.transport == Transport::kStdio) {
        // Many stdio processes share one server: an idle one should hold no connections.
        options.idle_timeout = std::chrono::minutes(1);
    }
    options.logger = ForwardPoolLog;
    // Session and token lookups (one short statement per HTTP request, for every user) are
    // bounded by the budget only, not by a project's quota.
    options.tenant_quotas[memory::AccessStore::ServerTenant()] = config.pool_max_connections;
    // A token user's projects (and their project registry) form one group: a user holds at
    // most user_max_connections leases over all of them, however many projects they open.
    options.tenant_group = memory::TenantUser;
    options.group_max_leases = config.user_max_connections;
    // Nor can one user fill the shared queue: at most half of it may be theirs.
    options.group_max_waiting = std::max<std::size_t>(1, options.EffectiveMaxWaiting() / 2);
    // The server's statements are a fixed set of texts (memory/*_sql.hpp and the stores), so
    // each connection parses each once. Users' SQL runs on the caller pool, which keeps none.
    options.prepared_statements = config.prepared_statements;
    memory::Store::ConfigurePool(options, keys);
    return options;
}

namespace {

/// ResolveConninfo, but kInspect never starts or creates the embedded cluster: "" and
/// `not_running` says why when it is not running.
Result<std::string> ConninfoFor(const Config& config, Access access, std::string& not_running) {
    if (access == Access::kChange || !config.database_url.empty()) return ResolveConninfo(config);
    embedded::EmbeddedCluster cluster = EmbeddedClusterAt(config.home);
    auto status = cluster.Status();
    if (!status.ok()) return std::move(status).error();
    if (!status->initialized) {
        not_running =
            "the embedded cluster does not exist yet; the first `mnemo migrate` or "
            "`mnemo serve` creates it in " +
            status->data_directory.string();
    } else if (!status->running) {
        not_running = "the embedded cluster in " + status->data_directory.string() +
                      " is not running; `mnemo pg start` (or any `mnemo serve`) starts it";
    }
    return not_running.empty() ? status->conninfo : std::string();
}

}  // namespace

Result<Database> OpenDatabase(const Config& config, Access access) {
    auto found = memory::TenantKeys::Find(config.secret, config.home);
    if (!found.ok()) return Wrap(found.error(), "loading the secret");
    Database db;
    db.embedded = config.database_url.empty();
    auto conninfo = ConninfoFor(config, access, db.embedded_not_running);
    if (!conninfo.ok()) return Wrap(conninfo.error(), "starting the embedded database");
    if (conninfo->empty()) return db;  // kInspect, and no embedded cluster to inspect
    db.conninfo_for_display = RedactConninfo(*conninfo);
    // Reading the database's state needs no tenant, so a pool with throwaway keys serves
    // until the secret is known.
    const memory::TenantKeys pool_keys =
        found->has_value() ? **found : memory::TenantKeys::Ephemeral();
    auto options = MakePoolOptions(config, *conninfo, pool_keys);
    auto caller_options = CallerPoolOptions(config, options);
    auto pool = pqpool::Pool::Create(std::move(options));
    if (!pool.ok()) return Wrap(memory::FromPool(pool.error()), "creating the connection pool");
    db.pool = std::move(pool).value();
    // Read before anything is written: a process that is refused leaves neither a secret file
    // nor a schema behind.
    auto fit = memory::CheckSecret(*db.pool, *found);
    if (!fit.ok()) return Wrap(fit.error(), "reading " + db.conninfo_for_display);
    db.secret_fit = *fit;
    if (access == Access::kInspect) {
        db.keys = std::move(found).value();
        return db;
    }
    if (*fit == memory::SecretFit::kDiffers || *fit == memory::SecretFit::kMissing) {
        return Error(ErrorCode::kInvalidArgument, memory::SecretProblem(*fit));
    }
    if (!found->has_value()) {
        auto created = memory::TenantKeys::Load(config.secret, config.home);
        if (!created.ok()) return Wrap(created.error(), "creating the secret");
        db.secret_created = true;
        *found = std::move(created).value();
        // Only on a database's first start: the pool's tenant context gets the real keys.
        auto real = MakePoolOptions(config, *conninfo, **found);
        caller_options = CallerPoolOptions(config, real);
        auto rebuilt = pqpool::Pool::Create(std::move(real));
        if (!rebuilt.ok())
            return Wrap(memory::FromPool(rebuilt.error()), "creating the connection pool");
        db.pool = std::move(rebuilt).value();
    }
    db.keys = std::move(found).value();
    const memory::TenantKeys& keys = *db.keys;
    if (auto applied = memory::ApplyMigrations(*db.pool); !applied.ok()) {
        return Wrap(applied.error(), "applying migrations to " + db.conninfo_for_display);
    }
    db.store = std::make_unique<memory::Store>(db.pool, keys);
    if (auto registered = db.store->RegisterSecret(); !registered.ok()) {
        return Wrap(registered.error(), "checking the secret");
    }
    auto caller =
        memory::OpenCallerPool(*db.pool, keys, std::move(caller_options), config.query_roles);
    // Only query_database depends on the caller roles: without them it refuses (and says why);
    // every other tool works.
    memory::CallerSetup setup;
    if (caller.ok()) {
        setup = std::move(caller).value();
    } else {
        setup.refusal = "query_database is unavailable: setting up the roles it runs as failed: " +
                        caller.error().message() + " (see `mnemo doctor`)";
    }
    if (!setup.refusal.empty()) {
        log::Warning("query_database_unavailable", {{"message", setup.refusal}});
    }
    db.store->SetCaller(std::move(setup));
    WarnIfRoleBypassesSecurity(*db.store);
    return db;
}

Result<Database> OpenDatabaseForHook(const Config& config, pqpool::Deadline deadline) {
    auto keys = memory::TenantKeys::Load(config.secret, config.home);
    if (!keys.ok()) return Wrap(keys.error(), "loading the secret");
    auto conninfo = ResolveHookConninfo(config, deadline);
    if (!conninfo.ok()) return Wrap(conninfo.error(), "starting the embedded database");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
        return Error(ErrorCode::kPoolTimeout,
                     "the hook's time ran out while starting the database");
    }
    Database db;
    db.embedded = config.database_url.empty();
    db.conninfo_for_display = RedactConninfo(*conninfo);
    auto options = MakePoolOptions(config, *conninfo, *keys);
    options.max_size = 2;
    options.max_connecting = 2;
    options.acquire_timeout = left;
    options.connect_timeout = left;
    options.statement_timeout = left;
    auto pool = pqpool::Pool::Create(std::move(options));
    if (!pool.ok()) return Wrap(memory::FromPool(pool.error()), "creating the connection pool");
    db.pool = std::move(pool).value();
    // No migration check here: it would cost a round trip on every hook. A schema that is
    // behind shows as an undefined table, column or function (SchemaBehind), and then the hook
    // applies the migrations and tries again.
    db.store = std::make_unique<memory::Store>(db.pool, *keys);
    db.keys = std::move(keys).value();
    return db;
}

embedded::EmbeddedCluster EmbeddedClusterAt(const std::filesystem::path& home) {
    return embedded::EmbeddedCluster(
        home, [](const std::string& postgres, const std::string& mnemo, const std::string& where,
                 pqpool::Deadline connect_deadline, pqpool::Deadline deadline) {
            return memory::ProvisionCluster({postgres, mnemo, where}, connect_deadline, deadline);
        });
}

bool SchemaBehind(const Error& error) {
    const std::string& state = error.sqlstate();
    return state == "42P01" || state == "42703" || state == "42883" || state == "3F000";
}

}  // namespace mnemo::cli

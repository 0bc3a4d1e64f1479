// SPDX-License-Identifier: MIT
// The embedded cluster's role and database, created through pqpool as its bootstrap superuser.
#include "memory/cluster_setup.hpp"

#include <string>

#include "memory/pool_errors.hpp"
#include "pqpool/pool.hpp"
#include "util/log.hpp"

namespace mnemo::memory {
namespace {

// Both statements are idempotent; CREATE DATABASE cannot run inside DO (no transaction
// block), hence the separate existence check, safe because the caller holds the lock.
constexpr std::string_view kCreateRole =
    "DO $$ BEGIN "
    "IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'mnemo') THEN "
    "CREATE ROLE mnemo LOGIN NOSUPERUSER NOCREATEDB CREATEROLE NOREPLICATION NOBYPASSRLS; "
    "END IF; END $$";
// mnemo creates the roles caller SQL runs as (memory/caller_pool.hpp), as on a managed server;
// clusters made before that need the grant too.
constexpr std::string_view kAllowCreateRole =
    "DO $$ BEGIN "
    "IF NOT (SELECT rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = 'mnemo') THEN "
    "ALTER ROLE mnemo CREATEROLE; "
    "END IF; END $$";
// Whether CallerHardeningSql still has to run in the mnemo database.
constexpr std::string_view kNeedsHardening =
    "SELECT has_table_privilege('public', 'pg_catalog.pg_database', 'SELECT')";
constexpr std::string_view kDatabaseExists =
    "SELECT 1 FROM pg_catalog.pg_database WHERE datname = 'mnemo'";
constexpr std::string_view kCreateDatabase = "CREATE DATABASE mnemo OWNER mnemo";

// Only a failed connect is reported as kUnavailable, which tells the caller a retry may help;
// a statement's failure keeps its code (kSql with its SQLSTATE, kPoolTimeout), and a
// connection lost during one is kInternal.
Error Failed(std::string_view what, const pqpool::Error& error) {
    const Error converted = FromPool(error);
    const bool connect = error.code() == pqpool::ErrorCode::kDatabaseUnavailable;
    const ErrorCode code = converted.code() == ErrorCode::kUnavailable && !connect
                               ? ErrorCode::kInternal
                               : converted.code();
    return Error(code, "embedded cluster: " + std::string(what) + ": " + converted.message(),
                 converted.sqlstate());
}

// A one-connection pool: pqpool's connector bounds the connect by the deadline and retries
// while the server answers "starting up" (57P03).
pqpool::PoolOptions SuperuserPoolOptions(const std::string& conninfo) {
    pqpool::PoolOptions options;
    options.conninfo = conninfo;
    options.name = "mnemo-embedded-setup";
    options.max_size = 1;
    options.tenant_max_leases = 1;
    options.max_connecting = 1;
    options.connect_timeout = std::chrono::milliseconds(2'000);
    options.backoff_initial = std::chrono::milliseconds(20);
    options.backoff_max = std::chrono::milliseconds(250);
    options.logger = [](pqpool::LogLevel, std::string_view message) {
        log::Debug("embedded_cluster_setup_pool", {{"message", message}});
    };
    return options;
}

Status CreateRoleAndDatabase(pqpool::Lease& lease, pqpool::Deadline deadline) {
    auto role = lease.Execute(kCreateRole, {}, deadline);
    if (!role) return Failed("creating role mnemo", role.error());
    auto create_role = lease.Execute(kAllowCreateRole, {}, deadline);
    if (!create_role) return Failed("letting role mnemo create roles", create_role.error());
    auto exists = lease.Execute(kDatabaseExists, {}, deadline);
    if (!exists) return Failed("looking for database mnemo", exists.error());
    if (exists->rows() == 0) {
        auto created = lease.Execute(kCreateDatabase, {}, deadline);
        if (!created) return Failed("creating database mnemo", created.error());
        log::Info("embedded_cluster_database_created", {{"database", "mnemo"}, {"owner", "mnemo"}});
    }
    return {};
}

// Superuser-only hardening of what caller SQL can see (CallerHardeningSql), in the mnemo
// database, once.
Status HardenMnemoDatabase(const SuperuserConninfo& conninfo, pqpool::Deadline deadline) {
    auto pool = pqpool::Pool::Create(SuperuserPoolOptions(conninfo.mnemo));
    if (!pool) return Failed("setting up the connection", pool.error());
    Status status;
    {
        auto lease = (*pool)->Acquire(deadline);
        if (!lease) return Failed("connecting to database mnemo", lease.error());
        auto needed = lease->Execute(kNeedsHardening, {}, deadline);
        if (!needed) {
            status = Failed("reading catalog privileges", needed.error());
        } else if (needed->Get(0, 0) == "t") {
            auto hardened = lease->Execute(CallerHardeningSql("mnemo"), {}, deadline);
            if (!hardened)
                status = Failed("hiding other sessions from caller SQL", hardened.error());
        }
    }
    (void)(*pool)->Close(pqpool::Clock::now() + std::chrono::seconds(1));
    return status;
}

}  // namespace

Status ProvisionCluster(const SuperuserConninfo& conninfo, pqpool::Deadline connect_deadline,
                        pqpool::Deadline deadline) {
    auto pool = pqpool::Pool::Create(SuperuserPoolOptions(conninfo.postgres));
    if (!pool) return Failed("setting up the connection", pool.error());
    Status status;
    {
        auto lease = (*pool)->Acquire(connect_deadline);
        if (!lease) {
            status =
                Error(ErrorCode::kUnavailable, "embedded cluster: no connection on " +
                                                   conninfo.where + ": " + lease.error().message());
        } else {
            status = CreateRoleAndDatabase(*lease, deadline);
        }
    }
    if (status) status = HardenMnemoDatabase(conninfo, deadline);
    // The lease is back; closing only disconnects.
    (void)(*pool)->Close(pqpool::Clock::now() + std::chrono::seconds(1));
    return status;
}

std::string CallerHardeningSql(std::string_view owner) {
    std::string literal = "'";  // inside the DO block's body
    for (char c : owner) literal += c == '\'' ? std::string("''") : std::string(1, c);
    literal += "'";
    return "DO $$\n"
           "DECLARE\n"
           "    object text;\n"
           "BEGIN\n"
           "    REVOKE SELECT ON pg_catalog.pg_database FROM PUBLIC;\n"
           "    EXECUTE format('GRANT SELECT ON pg_catalog.pg_database TO %I', " +
           literal +
           ");\n"
           "    FOR object IN SELECT c.oid::regclass::text FROM pg_class c\n"
           "                  WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = "
           "'v'\n"
           "                    AND (c.relname LIKE 'pg\\_stat%' OR c.relname LIKE "
           "'pg\\_statio%')\n"
           "    LOOP\n"
           "        EXECUTE format('REVOKE SELECT ON %s FROM PUBLIC', object);\n"
           "        EXECUTE format('GRANT SELECT ON %s TO %I', object, " +
           literal +
           ");\n"
           "    END LOOP;\n"
           "    FOR object IN SELECT p.oid::regprocedure::text FROM pg_proc p\n"
           "                  WHERE p.pronamespace = 'pg_catalog'::regnamespace\n"
           "                    AND (p.proname LIKE 'pg\\_stat\\_get\\_%'\n"
           "                         OR p.proname IN ('pg_terminate_backend', "
           "'pg_cancel_backend'))\n"
           "    LOOP\n"
           "        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', object);\n"
           "        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', object, " +
           literal +
           ");\n"
           "    END LOOP;\n"
           "END\n"
           "$$;\n";
}

}  // namespace mnemo::memory

// SPDX-License-Identifier: MIT
// CallerPool: caller SQL's own pool, one login role per connection.
#include "memory/caller_pool.hpp"

#include <array>
#include <atomic>
#include <span>
#include <string_view>
#include <utility>

#include "memory/pool_errors.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Param;

/// Tries the login roles in turn, starting after the last one that worked. PostgreSQL refuses
/// a second connection of a role (CONNECTION LIMIT 1, "too many connections for role"): that
/// role is in use by another connection (of this process or another), so the next is tried.
/// Its connect check is approximate only in the safe direction: two simultaneous connects of
/// one role may both be refused, never both admitted.
class RoleRotatingConnector final : public pqpool::Connector {
public:
    RoleRotatingConnector(std::vector<std::unique_ptr<pqpool::Connector>> connectors,
                          std::vector<std::string> roles)
        : connectors_(std::move(connectors)), roles_(std::move(roles)) {}

    pqpool::Result<std::unique_ptr<pqpool::Connection>> Connect(
        pqpool::Deadline deadline, const std::atomic<bool>& cancel) override {
        const std::size_t count = connectors_.size();
        const std::size_t start = next_.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t index = (start + i) % count;
            auto connected = connectors_[index]->Connect(deadline, cancel);
            if (connected.ok()) {
                next_.store(index + 1, std::memory_order_relaxed);
                return connected;
            }
            if (connected.error().message().find("too many connections for role") ==
                std::string::npos) {
                return connected;
            }
        }
        // 53300: the pool treats it as backpressure (lowers its budget, probes back up).
        return pqpool::Error(pqpool::ErrorCode::kDatabaseUnavailable,
                             "every caller role (" + roles_.front() + " … " + roles_.back() +
                                 ") has a connection already; raise MNEMO_QUERY_ROLES",
                             "53300");
    }

private:
    std::vector<std::unique_ptr<pqpool::Connector>> connectors_;  // Constant after construction.
    std::vector<std::string> roles_;                              // Constant after construction.
    std::atomic<std::size_t> next_{0};
};

std::string Refusal(const std::string& owner, const std::string& missing) {
    return "query_database is unavailable: the database lacks the roles caller SQL runs as (" +
           missing + "), and mnemo's role " + owner +
           " may not create them. An administrator runs once: ALTER ROLE " + owner +
           " CREATEROLE; then restart mnemo (docs/deploy.md, \"Caller roles\"; `mnemo doctor` "
           "checks them).";
}

// One row per privilege the caller roles must not have or lack; none when all is in place.
constexpr std::string_view kProblems = R"sql(
WITH roles AS (SELECT r.* FROM pg_roles r
               WHERE r.rolname = $1 OR r.rolname ~ ('^' || $1 || '_[0-9]+$'))
SELECT r.rolname || ': ' || concat_ws(', ',
           CASE WHEN r.rolsuper THEN 'is a superuser' END,
           CASE WHEN r.rolbypassrls THEN 'has BYPASSRLS' END,
           CASE WHEN r.rolcreaterole THEN 'has CREATEROLE' END,
           CASE WHEN pg_has_role(r.oid, current_user, 'USAGE') THEN 'may act as ' || current_user END,
           CASE WHEN pg_has_role(r.oid, 'pg_signal_backend', 'USAGE') THEN 'may signal any backend' END,
           CASE WHEN pg_has_role(r.oid, 'pg_read_all_stats', 'USAGE') THEN 'reads all statistics' END,
           CASE WHEN r.rolname <> $1 AND r.rolconnlimit <> 1 THEN 'CONNECTION LIMIT is not 1' END)
FROM roles r
WHERE r.rolsuper OR r.rolbypassrls OR r.rolcreaterole OR pg_has_role(r.oid, current_user, 'USAGE')
   OR pg_has_role(r.oid, 'pg_signal_backend', 'USAGE')
   OR pg_has_role(r.oid, 'pg_read_all_stats', 'USAGE')
   OR (r.rolname <> $1 AND r.rolconnlimit <> 1)
UNION ALL
SELECT $1 || ' may read mnemo.' || t FROM unnest(ARRAY['owner_keys', 'project_keys', 'settings',
    'users', 'api_tokens', 'http_sessions', 'schema_migrations']) t
WHERE has_table_privilege($1, 'mnemo.' || t, 'SELECT')
UNION ALL
SELECT $1 || ' may not read mnemo.' || t FROM unnest(ARRAY['projects', 'topics', 'contexts',
    'handovers', 'files', 'file_changes']) t
WHERE NOT has_table_privilege($1, 'mnemo.' || t, 'SELECT'))sql";

/// The problems kProblems finds, joined with "; " ("" = none).
Result<std::string> PrivilegeProblems(pqpool::Lease& lease, const std::string& group) {
    const std::array<Param, 1> params{Param(group)};
    auto problems = lease.Execute(kProblems, params);
    if (!problems.ok()) return FromPool(problems.error());
    std::string text;
    for (int r = 0; r < problems->rows(); ++r) {
        text += (r > 0 ? "; " : "") + std::string(problems->Get(r, 0));
    }
    return text;
}

// The caller roles that do not exist, comma-separated, without creating any; and whether the
// owner could create them.
constexpr std::string_view kMissingRoles = R"sql(
SELECT current_user, coalesce(string_agg(n, ', ' ORDER BY i), ''),
       (SELECT r.rolcreaterole FROM pg_roles r WHERE r.rolname = current_user)
FROM (SELECT 0 AS i, current_user || '_query' AS n
      UNION ALL SELECT i, current_user || '_query_' || i FROM generate_series(1, $1::int) i) roles
WHERE NOT EXISTS (SELECT FROM pg_roles r WHERE r.rolname = roles.n))sql";

}  // namespace

Result<CallerSetup> OpenCallerPool(pqpool::Pool& owner_pool, const TenantKeys& keys,
                                   pqpool::PoolOptions options, std::size_t role_count,
                                   CallerRoles roles) {
    const std::string password = keys.TokenFor(kCallerRolesTenant);
    const std::string count = std::to_string(role_count);
    const std::array<Param, 2> params{Param(count), Param(password)};
    auto lease = owner_pool.Acquire(pqpool::AcquireLabel("", "caller_roles"));
    if (!lease.ok()) return FromPool(lease.error());
    auto ensured =
        roles == CallerRoles::kEnsure
            ? lease->Execute("SELECT current_user, mnemo.ensure_caller_roles($1::int, $2)", params)
            : lease->Execute(kMissingRoles, std::span(params).first(1));
    if (!ensured.ok()) return FromPool(ensured.error());
    const std::string owner(ensured->Get(0, 0));
    const std::string missing(ensured->Get(0, 1));

    CallerSetup setup;
    setup.group_role = owner + "_query";
    for (std::size_t i = 1; i <= role_count; ++i) {
        setup.login_roles.push_back(setup.group_role + "_" + std::to_string(i));
    }
    if (!missing.empty()) {
        const bool would_create = roles == CallerRoles::kInspect && ensured->Get(0, 2) == "t";
        setup.refusal = would_create ? "the roles caller SQL runs as do not exist yet (" + missing +
                                           "); `mnemo migrate` or the first start "
                                           "creates them"
                                     : Refusal(owner, missing);
        return setup;
    }
    // Never silently weaker: roles that could reach other sessions or the token tables are
    // not used at all.
    auto problems = PrivilegeProblems(*lease, setup.group_role);
    if (!problems.ok()) return std::move(problems).error();
    if (!problems->empty()) {
        setup.refusal =
            "query_database is unavailable: the roles caller SQL runs as have privileges they "
            "must not have: " +
            *problems + ". Revoke them (docs/deploy.md, \"Caller roles\"; `mnemo doctor` checks).";
        return setup;
    }
    std::vector<std::unique_ptr<pqpool::Connector>> connectors;
    for (const auto& role : setup.login_roles) {
        pqpool::PoolOptions role_options = options;
        role_options.conninfo_overrides["user"] = role;
        role_options.conninfo_overrides["password"] = password;
        auto connector = pqpool::MakePgConnector(role_options);
        if (!connector.ok()) return FromPool(connector.error());
        connectors.push_back(std::move(connector).value());
    }
    auto pool = pqpool::Pool::Create(
        std::move(options),
        std::make_unique<RoleRotatingConnector>(std::move(connectors), setup.login_roles));
    if (!pool.ok()) return FromPool(pool.error());
    setup.pool = std::move(pool).value();
    return setup;
}

Result<std::vector<CallerFinding>> InspectCallerRoles(pqpool::Pool& owner_pool,
                                                      const CallerSetup& setup) {
    using Level = CallerFinding::Level;
    std::vector<CallerFinding> findings;
    if (!setup.refusal.empty()) {
        findings.push_back({Level::kFail, setup.refusal});
        return findings;
    }
    auto lease = owner_pool.Acquire(pqpool::AcquireLabel("", "doctor"));
    if (!lease.ok()) return FromPool(lease.error());
    auto problems = PrivilegeProblems(*lease, setup.group_role);
    if (!problems.ok()) return std::move(problems).error();
    if (!problems->empty()) {
        findings.push_back({Level::kFail, "caller SQL would run with too much privilege: " +
                                              *problems + " (docs/deploy.md, \"Caller roles\")"});
        return findings;
    }
    const std::array<Param, 1> group{Param(setup.group_role)};
    auto caller = setup.pool->Acquire(pqpool::AcquireLabel("", "doctor"));
    if (!caller.ok()) {
        findings.push_back({Level::kFail, "no caller connection: " + caller.error().message()});
        return findings;
    }
    auto who = caller->Execute("SELECT current_user");
    if (!who.ok()) return FromPool(who.error());
    findings.push_back({Level::kOk, "caller SQL runs as " + std::string(who->Get(0, 0)) +
                                        " (one of " + std::to_string(setup.login_roles.size()) +
                                        " login roles, members of " + setup.group_role + " only)"});
    auto exposed = lease->Execute(
        "SELECT concat_ws(', ', "
        "CASE WHEN has_table_privilege($1, 'pg_catalog.pg_database', 'SELECT') "
        "THEN 'other databases'' names (pg_database)' END, "
        "CASE WHEN has_table_privilege($1, 'pg_catalog.pg_stat_user_tables', 'SELECT') "
        "THEN 'table statistics such as write counts of all users (pg_stat_user_tables)' END, "
        "CASE WHEN has_table_privilege($1, 'pg_catalog.pg_stat_activity', 'SELECT') "
        "THEN 'that other sessions exist (pg_stat_activity, without their statements)' END)",
        group);
    if (!exposed.ok()) return FromPool(exposed.error());
    if (!exposed->Get(0, 0).empty()) {
        findings.push_back({Level::kWarn, "caller SQL can still see " +
                                              std::string(exposed->Get(0, 0)) +
                                              "; only a superuser can revoke that "
                                              "(docs/deploy.md, \"Caller roles\")"});
    }
    return findings;
}

}  // namespace mnemo::memory

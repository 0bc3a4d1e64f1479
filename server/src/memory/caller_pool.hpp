// SPDX-License-Identifier: MIT
// CallerPool: the small pool on which query_database runs caller SQL, one login role per
// connection (<owner>_query_N), never as mnemo's own role.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "memory/tenant_keys.hpp"
#include "pqpool/pool.hpp"
#include "util/error.hpp"

namespace mnemo::memory {

/// The pool tenant whose token derives the caller roles' password. Not a valid project name.
inline constexpr std::string_view kCallerRolesTenant = "(caller-roles)";

/// How caller SQL is run: a pool, or why query_database must refuse.
struct CallerSetup {
    /// Null when `refusal` is set.
    std::shared_ptr<pqpool::Pool> pool;
    /// Why query_database is unavailable and how an operator fixes it; empty when `pool` is set.
    std::string refusal;
    /// The group role holding the caller privileges, e.g. "mnemo_query".
    std::string group_role;
    /// The login roles, e.g. "mnemo_query_1" … "mnemo_query_16".
    std::vector<std::string> login_roles;
};

/// Whether OpenCallerPool may create roles and grants.
enum class CallerRoles {
    kEnsure,   // create what is missing (mnemo.ensure_caller_roles)
    kInspect,  // write nothing: missing roles become the refusal (`mnemo doctor`)
};

/// Makes sure (kEnsure) the caller roles exist and hold their grants (mnemo.ensure_caller_roles, as
/// the owner through `owner_pool`), then builds the caller pool from `options` (conninfo, budget,
/// tenant context): each connection logs in as the first of `role_count` login roles that has
/// no connection yet (CONNECTION LIMIT 1 makes PostgreSQL refuse a second one), so no two
/// connections — of this process or any other — share a role.
///
/// Errors: the pool's (FromPool), from the owner's statement. Missing roles that the owner may not
/// create (no CREATEROLE) are not an error: the result carries a refusal naming the fix.
[[nodiscard]] Result<CallerSetup> OpenCallerPool(pqpool::Pool& owner_pool, const TenantKeys& keys,
                                                 pqpool::PoolOptions options,
                                                 std::size_t role_count,
                                                 CallerRoles roles = CallerRoles::kEnsure);

/// One line of `mnemo doctor` about the caller roles.
struct CallerFinding {
    enum class Level { kOk, kWarn, kFail };
    Level level;
    std::string text;
};

/// What `mnemo doctor` says about caller SQL: the roles exist, none is a superuser, BYPASSRLS,
/// CREATEROLE, a member of the owner or of pg_signal_backend/pg_read_all_stats; each has
/// CONNECTION LIMIT 1; the group reads the project tables and none of the token tables; a
/// caller connection works. Warns about what caller SQL can still see that only a superuser
/// can hide (other databases' names, table statistics). Errors: the pool's (FromPool).
[[nodiscard]] Result<std::vector<CallerFinding>> InspectCallerRoles(pqpool::Pool& owner_pool,
                                                                    const CallerSetup& setup);

}  // namespace mnemo::memory

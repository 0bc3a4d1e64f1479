// SPDX-License-Identifier: MIT
// ProvisionCluster: mnemo's role and database in the embedded cluster, created as its
// bootstrap superuser (embedded/ starts the cluster; cli/ hands it this function).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mnemo::memory {

/// Where the embedded cluster's bootstrap superuser connects.
struct SuperuserConninfo {
    std::string postgres;  // to database postgres
    std::string mnemo;     // to database mnemo, once it exists
    std::string where;     // for messages, e.g. the socket directory
};

/// Connects as the bootstrap superuser (retrying until `connect_deadline` while the server
/// refuses or is still starting up) and makes sure the login role `mnemo` (NOSUPERUSER
/// NOCREATEDB CREATEROLE NOREPLICATION NOBYPASSRLS, so row-level security applies to it; it
/// creates the roles caller SQL runs as) and the database `mnemo` owned by it exist, and that
/// CallerHardeningSql was applied in it; statements end by `deadline`. Idempotent.
/// REQUIRES: the caller holds the cluster's lock (creation is check-then-act).
/// Errors: kUnavailable when no connection could be had by `connect_deadline` (worth
/// retrying while a postmaster runs); otherwise the failed statement's (kSql with its
/// SQLSTATE, kPoolTimeout, else kInternal).
[[nodiscard]] Status ProvisionCluster(const SuperuserConninfo& conninfo,
                                      std::chrono::steady_clock::time_point connect_deadline,
                                      std::chrono::steady_clock::time_point deadline);

/// SQL a superuser runs once in mnemo's database so that caller SQL cannot see other
/// databases' names, table statistics (other users' write counts) or other sessions at all,
/// and cannot even try to signal a backend; `owner` (mnemo's role) keeps those privileges.
/// The embedded cluster applies it itself; on a managed server it needs a superuser.
[[nodiscard]] std::string CallerHardeningSql(std::string_view owner);

}  // namespace mnemo::memory

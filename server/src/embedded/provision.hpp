// SPDX-License-Identifier: MIT
// Provision: waits for a started cluster to accept connections and creates mnemo's role and
// database in it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "embedded/layout.hpp"
#include "util/error.hpp"

namespace mnemo::embedded {

/// True when a server accepts connections on `socket_file` right now: a bare connect(2), no
/// startup packet, so the server logs nothing. False when the socket is missing or refuses.
[[nodiscard]] bool SocketAccepts(const std::filesystem::path& socket_file);

/// Connects as the bootstrap superuser (retrying until `connect_deadline` while the server
/// refuses or is still starting up) and makes sure the login role `mnemo` (NOSUPERUSER
/// NOCREATEDB CREATEROLE NOREPLICATION NOBYPASSRLS, so row-level security applies to it; it
/// creates the roles caller SQL runs as) and the database `mnemo` owned by it exist, and that
/// CallerHardeningSql was applied in it; statements end by `deadline`. Idempotent.
/// REQUIRES: the caller holds the cluster's lock (creation is check-then-act).
/// Errors: kUnavailable when no connection could be had by `connect_deadline` (worth
/// retrying while a postmaster runs); otherwise the failed statement's (kSql with its
/// SQLSTATE, else kInternal).
[[nodiscard]] Status Provision(const ClusterLayout& layout,
                               std::chrono::steady_clock::time_point connect_deadline,
                               std::chrono::steady_clock::time_point deadline);

/// SQL a superuser runs once in mnemo's database so that caller SQL cannot see other
/// databases' names, table statistics (other users' write counts) or other sessions at all,
/// and cannot even try to signal a backend; `owner` (mnemo's role) keeps those privileges.
/// The embedded cluster applies it itself; on a managed server it needs a superuser.
[[nodiscard]] std::string CallerHardeningSql(std::string_view owner);

}  // namespace mnemo::embedded

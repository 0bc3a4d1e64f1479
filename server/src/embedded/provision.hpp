// SPDX-License-Identifier: MIT
// Provision: waits for a started cluster to accept connections and creates mnemo's role and
// database in it.
#pragma once

#include <chrono>
#include <filesystem>

#include "embedded/layout.hpp"
#include "pqpool/error.hpp"

namespace mnemo::embedded {

/// True when a server accepts connections on `socket_file` right now: a bare connect(2), no
/// startup packet, so the server logs nothing. False when the socket is missing or refuses.
[[nodiscard]] bool SocketAccepts(const std::filesystem::path& socket_file);

/// Connects as the bootstrap superuser (retrying until `connect_deadline` while the server
/// refuses or is still starting up) and makes sure the login role `mnemo` (NOSUPERUSER
/// NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS, so row-level security applies to it) and
/// the database `mnemo` owned by it exist; statements end by `deadline`. Idempotent: existing
/// objects are left as they are.
/// REQUIRES: the caller holds the cluster's lock (creation is check-then-act).
/// Errors: kDatabaseUnavailable when no connection could be had by `connect_deadline` (worth
/// retrying while a postmaster runs); otherwise the failed statement's (kSql with its
/// SQLSTATE, kConnectionLost, kTimeout).
[[nodiscard]] pqpool::Status Provision(const ClusterLayout& layout,
                                       std::chrono::steady_clock::time_point connect_deadline,
                                       std::chrono::steady_clock::time_point deadline);

}  // namespace mnemo::embedded

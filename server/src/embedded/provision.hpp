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

/// Connects as the bootstrap superuser (waiting until `deadline` while the server is still
/// starting up or recovering) and makes sure the login role `mnemo` (NOSUPERUSER NOCREATEDB
/// NOCREATEROLE NOREPLICATION NOBYPASSRLS, so row-level security applies to it) and the database
/// `mnemo` owned by it exist. Idempotent; existing objects are left as they are.
/// REQUIRES: the caller holds the cluster's lock (creation is check-then-act).
/// Errors: kDatabaseUnavailable (no connection by the deadline, or a statement failed).
[[nodiscard]] pqpool::Status Provision(const ClusterLayout& layout,
                                       std::chrono::steady_clock::time_point deadline);

}  // namespace mnemo::embedded

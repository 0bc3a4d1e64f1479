// SPDX-License-Identifier: MIT
// Cluster control: the file-system and pg_ctl/initdb steps EmbeddedCluster composes.
#pragma once

#include <chrono>

#include "embedded/layout.hpp"
#include "embedded/os_user.hpp"
#include "embedded/pg_binaries.hpp"
#include "util/error.hpp"

namespace mnemo::embedded {

using Deadline = std::chrono::steady_clock::time_point;

/// Creates `home` (missing components mode 0700: it holds private data) and home/pg (0700).
/// Errors: kUnavailable naming the directory that could not be made.
[[nodiscard]] Status PrepareDirectories(const ClusterLayout& layout);

/// The binaries for this cluster: those matching an existing data directory's major version
/// first (see FindPgBinaries), honouring MNEMO_PG_BINDIR and PATH.
[[nodiscard]] Result<PgBinaries> BinariesFor(const ClusterLayout& layout);

/// Runs initdb as `user` into home/pg/data.initdb and renames it to home/pg/data when it
/// succeeded, so an interrupted initdb never leaves a half-made data directory behind (a stale
/// data.initdb is removed first). Superuser `postgres`, local trust authentication (the socket
/// directory is private), TCP rejected, UTF8 with C collation and C.UTF-8 character classes
/// where available; postgresql.conf includes mnemo.conf. REQUIRES: the lock is held.
/// Errors: kUnavailable with initdb's output.
[[nodiscard]] Status InitializeDataDirectory(const ClusterLayout& layout, const OsUser& user,
                                             const PgBinaries& binaries, Deadline deadline);

/// Asks `pg_ctl status` whether a postmaster runs in the data directory (it may not accept
/// connections yet). Errors: kUnavailable when pg_ctl cannot tell.
[[nodiscard]] Result<bool> PostmasterRunning(const ClusterLayout& layout, const OsUser& user,
                                             const PgBinaries& binaries, Deadline deadline);

/// Writes data/mnemo.conf, prepares the socket directory and the log file (rotating a log
/// past 10 MiB to postgresql.log.1) and runs `pg_ctl start -w` with a timeout derived from
/// `deadline`. The postmaster detaches (its own session) and outlives this process.
/// REQUIRES: the lock is held and no postmaster runs. Errors: kUnavailable with
/// pg_ctl's output and the last lines of the server log.
[[nodiscard]] Status StartServer(const ClusterLayout& layout, const OsUser& user,
                                 const PgBinaries& binaries, Deadline deadline);

/// Runs `pg_ctl stop -m fast -w` (active sessions are disconnected).
/// Errors: kUnavailable with pg_ctl's output.
[[nodiscard]] Status StopServer(const ClusterLayout& layout, const OsUser& user,
                                const PgBinaries& binaries, Deadline deadline);

}  // namespace mnemo::embedded

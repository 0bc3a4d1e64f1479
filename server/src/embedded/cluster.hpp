// SPDX-License-Identifier: MIT
// EmbeddedCluster: the private PostgreSQL cluster under $MNEMO_HOME that mnemo uses when no
// DATABASE_URL is given.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "embedded/provision.hpp"
#include "util/error.hpp"

namespace mnemo::embedded {

/// What `mnemo pg status` reports.
struct ClusterStatus {
    bool initialized = false;  // initdb has run
    bool running = false;      // the postmaster answers on its socket
    std::filesystem::path data_directory;
    std::filesystem::path socket_directory;
    std::filesystem::path log_file;
    std::string conninfo;  // for the mnemo role; empty when not initialized
};

/// A private cluster rooted at `home`: Unix socket only (no TCP port), created with initdb on
/// first use, with a non-superuser login role and database both named `mnemo`.
///
/// Layout: `home`/pg/data (PGDATA), `home`/pg/run (socket directory, mode 0700),
/// `home`/pg/postgresql.log (server log), `home`/pg/lock. The socket path
/// `home`/pg/run/.s.PGSQL.5432 must fit the 107 bytes of a Unix socket address; a longer
/// `home` is rejected with kInvalidArgument (no silent fallback to a shared directory such as
/// /tmp, where another user could squat the name).
///
/// Sharing: every mnemo process using the same home shares one postmaster. Initialisation,
/// start, provisioning and stop run under an flock(2) on `home`/pg/lock (the kernel drops a
/// crashed holder's lock). Under it, a cluster that accepts connections is used as it is; a
/// postmaster that runs without accepting yet (starting, recovering, dying after a kill) is
/// waited for; only when `pg_ctl status` sees none is one started. So concurrent starts
/// neither double-start nor clash, and a crashed cluster is restarted. initdb works in
/// `home`/pg/data.initdb and renames it into place when done, so an interrupted initdb is
/// redone rather than half-used. The role and database are checked (created if missing) on
/// every EnsureRunning, over one short superuser connection.
///
/// Root: PostgreSQL refuses to run as root, so initdb, pg_ctl and the postmaster run as the
/// owner of an existing data directory, else the OS user `postgres` (Debian's PostgreSQL
/// packages create it), else `nobody`, switched to with setgroups/setgid/setuid in the forked
/// child. That account must be able to traverse every ancestor of `home`/pg; root's default
/// home (/root/.local/share/mnemo, under /root with mode 0700) is not traversable, so the
/// blocking directories get a POSIX ACL entry granting search (x) permission to that one
/// account (`chmod o+x` only where the file system has no ACLs), each change logged once as
/// `embedded_cluster_granted_search`. Nothing becomes readable or listable by anyone else.
/// Clients connect with local trust authentication: only the cluster's account (and root) can
/// enter the socket directory.
///
/// Thread safety: the functions may be called from any thread and from several processes at
/// once (objects for the same home serialise on the lock file).
class EmbeddedCluster {
public:
    /// `provision` creates mnemo's role and database once the cluster accepts connections
    /// (cli/ passes memory::ProvisionCluster).
    EmbeddedCluster(std::filesystem::path home, Provisioner provision);

    /// Initialises the cluster if needed, starts it if it is not running, makes sure the role
    /// and database exist, and returns the libpq conninfo for the `mnemo` role, e.g.
    /// `host=/home/u/.local/share/mnemo/pg/run port=5432 dbname=mnemo user=mnemo`. Leaves the
    /// cluster running after the process exits (other mnemo processes share it; `Stop` ends
    /// it). Every wait (lock, initdb, pg_ctl start -w -t, first connection) ends by `deadline`.
    /// Binaries: $MNEMO_PG_BINDIR if set (only there), else
    /// /usr/lib/postgresql/<version of the data directory, else highest>/bin, else PATH.
    /// Errors: kInvalidArgument (unusable `home`: socket path too long, characters PostgreSQL's
    /// tools cannot take); kUnavailable: PostgreSQL server binaries missing (the
    /// message names the package to install), initdb or start failures (with the last lines
    /// of the server log), no answer by `deadline`.
    Result<std::string> EnsureRunning(std::chrono::steady_clock::time_point deadline);

    /// Stops the cluster (fast shutdown: sessions of other mnemo processes are disconnected) if
    /// it runs, waiting up to 60 s. OK when it was not running or never initialised.
    /// Errors: kInvalidArgument (unusable `home`), kUnavailable (pg_ctl failed).
    mnemo::Status Stop();

    /// Reports the cluster's state without starting or creating anything. `running` means a
    /// server accepts connections on the socket. Errors: kInvalidArgument (unusable `home`).
    [[nodiscard]] Result<ClusterStatus> Status();

private:
    std::filesystem::path home_;
    Provisioner provision_;
};

}  // namespace mnemo::embedded

// SPDX-License-Identifier: MIT
// FindPgBinaries: where the PostgreSQL server programs (initdb, pg_ctl, postgres) live.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "util/error.hpp"

namespace mnemo::embedded {

/// The server programs, all from one directory (pg_ctl starts the `postgres` beside it).
struct PgBinaries {
    std::filesystem::path directory;
    std::filesystem::path initdb;
    std::filesystem::path pg_ctl;
};

/// Where to look. Plain data so that tests can point the search at empty directories.
struct PgBinarySearch {
    /// $MNEMO_PG_BINDIR. When set it is the only place searched: a user who names a directory
    /// means it, and silently taking another version instead would be surprising.
    std::optional<std::filesystem::path> bindir_override;
    /// Debian's layout: `<versions_root>/<major>/bin`, highest major first.
    std::filesystem::path versions_root = "/usr/lib/postgresql";
    /// The major version of an existing data directory (its PG_VERSION): tried first, since
    /// another major version cannot start that cluster.
    std::optional<int> preferred_major;
    /// $PATH, searched last.
    std::string path;

    /// The search this process's environment asks for (MNEMO_PG_BINDIR, PATH).
    [[nodiscard]] static PgBinarySearch FromEnvironment();
};

/// Finds a directory holding executable initdb, pg_ctl and postgres: the override, else
/// `<versions_root>/<preferred_major>/bin`, else the highest `<versions_root>/<major>/bin`,
/// else the first PATH entry. Errors: kUnavailable whose message says what was searched
/// and names the package to install (`apt-get install postgresql`) or MNEMO_PG_BINDIR.
[[nodiscard]] Result<PgBinaries> FindPgBinaries(const PgBinarySearch& search);

}  // namespace mnemo::embedded

// SPDX-License-Identifier: MIT
// ClusterLayout: the files of an embedded cluster under its home, and its connection strings.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mnemo::embedded {

/// The Unix-socket "port": part of the socket's file name only (no TCP listener), so every
/// cluster can use PostgreSQL's default without clashing with another.
inline constexpr int kPort = 5432;
/// The bootstrap superuser initdb creates; used only to create the role and database below.
inline constexpr std::string_view kSuperuser = "postgres";
/// The non-superuser login role mnemo connects as, and the database it owns.
inline constexpr std::string_view kRole = "mnemo";
inline constexpr std::string_view kDatabase = "mnemo";

/// Paths of one cluster. Plain data.
struct ClusterLayout {
    std::filesystem::path home;               ///< absolute, symlinks resolved
    std::filesystem::path pg_directory;       ///< home/pg
    std::filesystem::path data_directory;     ///< home/pg/data (PGDATA)
    std::filesystem::path staging_directory;  ///< home/pg/data.initdb: initdb's work area
    std::filesystem::path socket_directory;   ///< home/pg/run (mode 0700)
    std::filesystem::path socket_file;        ///< home/pg/run/.s.PGSQL.5432
    std::filesystem::path log_file;           ///< home/pg/postgresql.log
    std::filesystem::path lock_file;          ///< home/pg/lock

    /// The layout under `home` (made absolute; need not exist yet).
    /// Errors (kInvalidArgument): the socket path would exceed the 107 bytes a Unix socket
    /// address holds, or the path holds a character PostgreSQL's tools cannot take (quotes,
    /// backslash, `$`, backquote, comma, control characters: pg_ctl passes paths through a
    /// shell, unix_socket_directories is a comma-separated list).
    [[nodiscard]] static Result<ClusterLayout> For(const std::filesystem::path& home);

    /// libpq key=value conninfo reaching `database` as `user` over the socket.
    [[nodiscard]] std::string Conninfo(std::string_view user, std::string_view database) const;

    /// The contents of data/mnemo.conf, the settings mnemo owns (included from
    /// postgresql.conf): socket only, small memory footprint, logs on stderr (pg_ctl -l).
    [[nodiscard]] std::string ServerSettings() const;
};

/// The major version recorded in data/PG_VERSION, or 0 when there is none (not initialised).
[[nodiscard]] int DataDirectoryVersion(const ClusterLayout& layout);

/// The last `max_lines` lines written to `file` at or after byte `from_offset` (or, if nothing
/// was, the last lines before it); empty if the file cannot be read.
[[nodiscard]] std::string LogTail(const std::filesystem::path& file, std::uintmax_t from_offset,
                                  std::size_t max_lines = 20);

/// The size of `file`, 0 if it does not exist.
[[nodiscard]] std::uintmax_t FileSize(const std::filesystem::path& file);

}  // namespace mnemo::embedded

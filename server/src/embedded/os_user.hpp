// SPDX-License-Identifier: MIT
// OsUser: the operating-system account the embedded cluster's processes run as.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace mnemo::embedded {

/// An OS account, resolved once in the parent so that a forked child can switch to it without
/// touching the user database (getpwnam and initgroups are not async-signal-safe).
struct OsUser {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary groups, as initgroups(3) would set them
    std::filesystem::path home_directory;
    /// True when child processes must switch to this account (we run as root and it is not
    /// root); false when it is simply the current user.
    bool switch_to = false;
};

/// The account the cluster runs as. Not root: the current user. Root: the owner of an existing
/// data directory `data_directory` unless root owns it, else `postgres` (created by Debian's
/// PostgreSQL packages), else `nobody` — never root, which PostgreSQL refuses anyway.
/// Errors: kUnavailable when no such account exists.
[[nodiscard]] Result<OsUser> ClusterUser(const std::filesystem::path& data_directory);

/// Switches the calling process to `user` (setgroups, setgid, setuid, in that order). Only
/// async-signal-safe calls: meant for a child between fork and exec. Returns false on failure
/// (errno tells why). No-op returning true unless user.switch_to.
[[nodiscard]] bool BecomeUser(const OsUser& user) noexcept;

/// Gives `user` search (x) permission on every directory from `/` down to `directory` that
/// it cannot traverse yet, so that a cluster under root's home (mode 0700) is reachable by
/// the unprivileged account. Each grant is a POSIX ACL entry for that user alone
/// (`user:postgres:--x`), or `chmod o+x` where the file system has no ACLs; each change is
/// logged once, as a warning. Does nothing unless user.switch_to.
/// Errors: kUnavailable naming the directory that stays unreachable.
[[nodiscard]] Status EnsureTraversable(const std::filesystem::path& directory, const OsUser& user);

}  // namespace mnemo::embedded

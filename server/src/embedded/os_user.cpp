// SPDX-License-Identifier: MIT
// OsUser: account lookup, dropping privileges in a child, and search permission on ancestors.
#include "embedded/os_user.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>

#include "embedded/errors.hpp"
#include "util/log.hpp"

namespace mnemo::embedded {
namespace {

// Fills an OsUser from a passwd entry, with the supplementary groups initgroups would set.
OsUser FromPasswd(const passwd& entry) {
    OsUser user;
    user.name = entry.pw_name;
    user.uid = entry.pw_uid;
    user.gid = entry.pw_gid;
    user.home_directory = entry.pw_dir != nullptr ? entry.pw_dir : "/";
    int count = 16;
    for (int attempt = 0; attempt < 8; ++attempt) {
        user.groups.resize(static_cast<std::size_t>(count));
        const int wanted = count;
        if (getgrouplist(entry.pw_name, entry.pw_gid, user.groups.data(), &count) >= 0) {
            user.groups.resize(static_cast<std::size_t>(count));
            return user;
        }
        count = std::max(count, wanted * 2);
    }
    user.groups.assign(1, entry.pw_gid);
    return user;
}

// Looks up by name (when `name` is set) or by uid.
std::optional<OsUser> LookUp(const std::string* name, uid_t uid) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    const int rc = name != nullptr
                       ? getpwnam_r(name->c_str(), &entry, buffer.data(), buffer.size(), &found)
                       : getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
    if (rc != 0 || found == nullptr) return std::nullopt;
    return FromPasswd(entry);
}

}  // namespace

Result<OsUser> ClusterUser(const std::filesystem::path& data_directory) {
    if (geteuid() != 0) {
        auto self = LookUp(nullptr, geteuid());
        if (self) return std::move(*self);
        OsUser anonymous;  // An account missing from /etc/passwd (containers): use its ids.
        anonymous.name = std::to_string(geteuid());
        anonymous.uid = geteuid();
        anonymous.gid = getegid();
        return anonymous;
    }
    // An existing cluster keeps its owner (e.g. one made before by a user now running sudo).
    struct stat info {};
    if (stat(data_directory.c_str(), &info) == 0 && info.st_uid != 0) {
        if (auto owner = LookUp(nullptr, info.st_uid)) {
            owner->switch_to = true;
            return std::move(*owner);
        }
    }
    for (const std::string name : {"postgres", "nobody"}) {
        if (auto user = LookUp(&name, 0); user && user->uid != 0) {
            user->switch_to = true;
            return std::move(*user);
        }
    }
    return Unavailable(
        "running as root, but neither the OS user 'postgres' nor 'nobody' exists to run "
        "PostgreSQL (it refuses to run as root): install PostgreSQL with `apt-get install "
        "postgresql`, which creates 'postgres'");
}

bool BecomeUser(const OsUser& user) noexcept {
    if (!user.switch_to) return true;
    return setgroups(user.groups.size(), user.groups.data()) == 0 && setgid(user.gid) == 0 &&
           setuid(user.uid) == 0;
}

namespace {

// POSIX ACLs as Linux stores them in the system.posix_acl_access attribute
// (<linux/posix_acl_xattr.h>): a version word, then (tag, perm, id) little-endian entries.
constexpr const char* kAclAttribute = "system.posix_acl_access";
constexpr std::uint32_t kAclVersion = 2;
constexpr std::uint16_t kUserObj = 0x01, kUser = 0x02, kGroupObj = 0x04, kGroup = 0x08,
                        kMask = 0x10, kOther = 0x20;
constexpr std::uint32_t kNoId = 0xffffffff;
constexpr std::uint16_t kExecute = 1;

struct AclEntry {
    std::uint16_t tag;
    std::uint16_t perm;
    std::uint32_t id;
};

std::uint32_t ReadLe(const unsigned char* bytes, int width) {
    std::uint32_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = (value << 8) | bytes[i];
    return value;
}

void WriteLe(std::vector<unsigned char>& out, std::uint32_t value, int width) {
    for (int i = 0; i < width; ++i) out.push_back(static_cast<unsigned char>(value >> (8 * i)));
}

// The directory's ACL: the stored one, or the three entries its mode bits stand for.
std::vector<AclEntry> ReadAcl(const std::filesystem::path& dir, mode_t mode) {
    std::array<unsigned char, 4 + 8 * 64> bytes{};
    const unsigned char* buffer = bytes.data();
    const ssize_t size = getxattr(dir.c_str(), kAclAttribute, bytes.data(), bytes.size());
    std::vector<AclEntry> entries;
    if (size >= 4 && (size - 4) % 8 == 0 && ReadLe(buffer, 4) == kAclVersion) {
        for (const unsigned char* at = buffer + 4; at < buffer + size; at += 8) {
            entries.push_back({static_cast<std::uint16_t>(ReadLe(at, 2)),
                               static_cast<std::uint16_t>(ReadLe(at + 2, 2)), ReadLe(at + 4, 4)});
        }
        return entries;
    }
    return {{kUserObj, static_cast<std::uint16_t>((mode >> 6) & 7), kNoId},
            {kGroupObj, static_cast<std::uint16_t>((mode >> 3) & 7), kNoId},
            {kOther, static_cast<std::uint16_t>(mode & 7), kNoId}};
}

// Adds execute for `uid` (a named user entry) and to the mask that bounds named entries.
std::vector<unsigned char> WithUserExecute(std::vector<AclEntry> entries, uid_t uid) {
    bool has_user = false;
    bool has_mask = false;
    std::uint16_t group_class = 0;  // What the mask must allow when we create it.
    for (AclEntry& entry : entries) {
        if (entry.tag == kUser && entry.id == uid) {
            entry.perm |= kExecute;
            has_user = true;
        }
        if (entry.tag == kMask) {
            entry.perm |= kExecute;
            has_mask = true;
        }
        if (entry.tag == kUser || entry.tag == kGroupObj || entry.tag == kGroup) {
            group_class |= entry.perm;
        }
    }
    if (!has_user) entries.push_back({kUser, kExecute, uid});
    if (!has_mask)
        entries.push_back({kMask, static_cast<std::uint16_t>(group_class | kExecute), kNoId});
    // The kernel wants entries ordered by tag, named ones by id.
    std::sort(entries.begin(), entries.end(), [](const AclEntry& a, const AclEntry& b) {
        return a.tag != b.tag ? a.tag < b.tag : a.id < b.id;
    });
    std::vector<unsigned char> out;
    WriteLe(out, kAclVersion, 4);
    for (const AclEntry& entry : entries) {
        WriteLe(out, entry.tag, 2);
        WriteLe(out, entry.perm, 2);
        WriteLe(out, entry.id, 4);
    }
    return out;
}

Status GrantSearch(const std::filesystem::path& dir, const OsUser& user) {
    struct stat info {};
    if (stat(dir.c_str(), &info) != 0) {
        return Unavailable("cannot stat " + dir.string() + ": " + ErrnoText(errno));
    }
    const auto acl = WithUserExecute(ReadAcl(dir, info.st_mode), user.uid);
    std::string method = "acl user:" + user.name + ":--x";
    if (setxattr(dir.c_str(), kAclAttribute, acl.data(), acl.size(), 0) != 0) {
        if (errno != ENOTSUP && errno != EOPNOTSUPP) {
            return Unavailable("cannot grant user " + user.name + " search permission on " +
                               dir.string() + ": " + ErrnoText(errno));
        }
        // No ACLs on this file system: open the directory to traversal by everyone.
        if (chmod(dir.c_str(), (info.st_mode & 07777) | S_IXOTH) != 0) {
            return Unavailable("cannot chmod o+x " + dir.string() + ": " + ErrnoText(errno));
        }
        method = "chmod o+x";
    }
    log::Warning("embedded_cluster_granted_search",
                 {{"path", dir.string()}, {"user", user.name}, {"method", method}});
    return {};
}

// Index of the first directory in `chain` that `user` cannot search, asked of the kernel by a
// child that has become `user` (so ACLs, groups and capabilities all count); -1 when none.
Result<int> FirstUntraversable(const std::vector<std::string>& chain, const OsUser& user) {
    std::vector<const char*> paths;
    paths.reserve(chain.size());
    for (const std::string& dir : chain) paths.push_back(dir.c_str());
    const pid_t pid = fork();
    if (pid < 0) return Unavailable("fork failed: " + ErrnoText(errno));
    if (pid == 0) {
        if (!BecomeUser(user)) _exit(255);
        for (std::size_t i = 0; i < paths.size(); ++i) {
            if (access(paths[i], X_OK) != 0) _exit(static_cast<int>(i) + 1);
        }
        _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return Unavailable("waitpid failed: " + ErrnoText(errno));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 255) {
        return Unavailable("could not switch to OS user " + user.name + " to check access");
    }
    return WEXITSTATUS(status) - 1;
}

}  // namespace

Status EnsureTraversable(const std::filesystem::path& directory, const OsUser& user) {
    if (!user.switch_to) return {};
    std::vector<std::string> chain;
    for (auto dir = directory; !dir.empty(); dir = dir.parent_path()) {
        chain.push_back(dir.string());
        if (dir == dir.root_path()) break;
    }
    std::reverse(chain.begin(), chain.end());  // From / down: fix outer directories first.
    if (chain.size() > 250) return Unavailable(directory.string() + " is nested too deeply");
    int last_fixed = -1;
    for (;;) {
        auto blocked = FirstUntraversable(chain, user);
        if (!blocked) return std::move(blocked).error();
        if (*blocked < 0) return {};
        if (*blocked <= last_fixed) {
            return Unavailable("OS user " + user.name + " still cannot reach " +
                               chain[static_cast<std::size_t>(*blocked)] +
                               " after granting it search permission");
        }
        auto granted = GrantSearch(chain[static_cast<std::size_t>(*blocked)], user);
        if (!granted) return granted.error();
        last_fixed = *blocked;
    }
}

}  // namespace mnemo::embedded

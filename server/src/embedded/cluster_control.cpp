// SPDX-License-Identifier: MIT
// Cluster control: directories, initdb, server settings, pg_ctl start/status/stop.
#include "embedded/cluster_control.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstdlib>
#include <system_error>

#include "embedded/errors.hpp"
#include "embedded/subprocess.hpp"
#include "util/log.hpp"

namespace mnemo::embedded {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uintmax_t kMaxLogBytes = std::uintmax_t{10} << 20;

Error SystemError(std::string_view what, const std::filesystem::path& path, int error) {
    return Unavailable(std::string(what) + " " + path.string() + ": " + ErrnoText(error));
}

long long MillisSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// A small, fixed environment: nothing of ours (PGPORT, PGDATA, LANG, …) leaks into the server.
std::vector<std::string> ChildEnvironment(const OsUser& user) {
    std::vector<std::string> environment = {
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "HOME=" + user.home_directory.string(),
        "USER=" + user.name,
        "LOGNAME=" + user.name,
        "LC_ALL=C",  // English messages from initdb, pg_ctl and the server.
    };
    // NOLINTNEXTLINE(concurrency-mt-unsafe): mnemo never modifies its environment.
    if (const char* tz = std::getenv("TZ"); tz != nullptr)
        environment.push_back("TZ=" + std::string(tz));
    return environment;
}

Status GiveTo(const std::filesystem::path& path, const OsUser& user) {
    if (user.switch_to && chown(path.c_str(), user.uid, user.gid) != 0) {
        return SystemError("cannot chown", path, errno);
    }
    return {};
}

Status MakeDirectory(const std::filesystem::path& dir, mode_t mode) {
    if (mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
        return SystemError("cannot create directory", dir, errno);
    }
    return {};
}

// Runs a pg_ctl/initdb command; a non-zero exit becomes an error with its output.
Status RunTool(const std::vector<std::string>& argv, const OsUser& user, Deadline deadline,
               std::string_view doing) {
    auto ran = RunProcess(argv, ChildEnvironment(user), user, deadline);
    if (!ran) return Unavailable(std::string(doing) + ": " + ran.error().message());
    if (ran->exit_code != 0) {
        return Unavailable(std::string(doing) + ": " + argv[0] + " exited with status " +
                           std::to_string(ran->exit_code) + ": " + LastLines(ran->output, 20));
    }
    return {};
}

// pg_ctl's -t: whole seconds left, at least 1.
std::string TimeoutSeconds(Deadline deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now());
    return std::to_string(std::max<long long>(1, left.count()));
}

// Replaces `file` atomically (write, fsync, rename), owned by `user`.
Status WriteFile(const std::filesystem::path& file, std::string_view text, const OsUser& user) {
    const auto temporary = std::filesystem::path(file.string() + ".tmp");
    const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return SystemError("cannot write", temporary, errno);
    int error = 0;
    if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        (user.switch_to && fchown(fd, user.uid, user.gid) != 0) || fsync(fd) != 0) {
        error = errno;
    }
    close(fd);
    if (error == 0 && rename(temporary.c_str(), file.c_str()) != 0) error = errno;
    if (error != 0) {
        unlink(temporary.c_str());
        return SystemError("cannot write", file, error);
    }
    return {};
}

// Appends `text` to `file` and syncs it: initdb synced the new cluster, and a postgresql.conf
// that lost its include in a crash would start a server with default settings.
Status AppendSynced(const std::filesystem::path& file, std::string_view text) {
    const int fd = open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return SystemError("cannot append to", file, errno);
    int error = 0;
    if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        fsync(fd) != 0) {
        error = errno;
    }
    close(fd);
    if (error != 0) return SystemError("cannot append to", file, error);
    return {};
}

Status SyncDirectory(const std::filesystem::path& dir) {
    const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const int error = fd < 0 || fsync(fd) != 0 ? errno : 0;
    if (fd >= 0) close(fd);
    if (error != 0) return SystemError("cannot sync", dir, error);
    return {};
}

// The socket directory (private to the cluster's user) and the log file pg_ctl appends to.
Status PrepareRuntimeFiles(const ClusterLayout& layout, const OsUser& user) {
    if (auto made = MakeDirectory(layout.socket_directory, 0700); !made) return made;
    if (auto owned = GiveTo(layout.socket_directory, user); !owned) return owned;
    if (chmod(layout.socket_directory.c_str(), 0700) != 0) {
        return SystemError("cannot chmod", layout.socket_directory, errno);
    }
    if (FileSize(layout.log_file) > kMaxLogBytes) {
        std::error_code ignored;
        std::filesystem::rename(layout.log_file, layout.log_file.string() + ".1", ignored);
    }
    const int fd = open(layout.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return SystemError("cannot create", layout.log_file, errno);
    const bool owned = !user.switch_to || fchown(fd, user.uid, user.gid) == 0;
    const int error = errno;
    close(fd);
    if (!owned) return SystemError("cannot chown", layout.log_file, error);
    return {};
}

// An empty leftover `data` (never made by us: we rename a finished one into place) may go;
// anything else there is somebody's data.
Status ClearWayForInitdb(const ClusterLayout& layout) {
    std::error_code error;
    if (std::filesystem::exists(layout.data_directory, error)) {
        if (!std::filesystem::is_empty(layout.data_directory, error)) {
            return Unavailable(layout.data_directory.string() +
                               " exists but is not a PostgreSQL data directory (no PG_VERSION); "
                               "move it away to let mnemo create its cluster there");
        }
        std::filesystem::remove(layout.data_directory, error);
    }
    if (std::filesystem::remove_all(layout.staging_directory, error) > 0) {
        log::Warning("embedded_cluster_stale_initdb_removed",
                     {{"path", layout.staging_directory.string()}});
    }
    if (error) return Unavailable("cannot remove " + layout.staging_directory.string());
    return {};
}

std::vector<std::string> InitdbArguments(const ClusterLayout& layout, const PgBinaries& binaries) {
    std::vector<std::string> argv = {binaries.initdb.string(),
                                     "-D",
                                     layout.staging_directory.string(),
                                     "--username=postgres",
                                     "--auth-local=trust",
                                     "--auth-host=reject",
                                     "--encoding=UTF8",
                                     "--locale=C",
                                     "--no-instructions"};
    // C.UTF-8 classifies non-ASCII letters (pg_trgm needs that for non-English text); C
    // collation keeps index order independent of glibc's collation versions.
    if (locale_t probe = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr); probe != nullptr) {
        freelocale(probe);
        argv.emplace_back("--lc-ctype=C.UTF-8");
    }
    return argv;
}

}  // namespace

Status PrepareDirectories(const ClusterLayout& layout) {
    std::filesystem::path partial;
    for (const auto& component : layout.pg_directory) {
        partial /= component;
        if (auto made = MakeDirectory(partial, 0700); !made) return made;
    }
    return {};
}

Result<PgBinaries> BinariesFor(const ClusterLayout& layout) {
    PgBinarySearch search = PgBinarySearch::FromEnvironment();
    if (const int major = DataDirectoryVersion(layout); major > 0) search.preferred_major = major;
    return FindPgBinaries(search);
}

Status InitializeDataDirectory(const ClusterLayout& layout, const OsUser& user,
                               const PgBinaries& binaries, Deadline deadline) {
    const auto started = Clock::now();
    if (auto cleared = ClearWayForInitdb(layout); !cleared) return cleared;
    if (auto made = MakeDirectory(layout.staging_directory, 0700); !made) return made;
    if (auto owned = GiveTo(layout.staging_directory, user); !owned) return owned;
    auto ran =
        RunTool(InitdbArguments(layout, binaries), user, deadline,
                "initdb failed for the embedded cluster in " + layout.data_directory.string());
    if (ran) {
        // `include` (not include_if_exists): without mnemo.conf the server must not start
        // with the default settings, which would listen on TCP.
        ran =
            AppendSynced(layout.staging_directory / "postgresql.conf",
                         "\n# mnemo's settings, rewritten at every start.\ninclude 'mnemo.conf'\n");
    }
    if (ran && rename(layout.staging_directory.c_str(), layout.data_directory.c_str()) != 0) {
        ran = SystemError("cannot rename the new cluster to", layout.data_directory, errno);
    }
    if (ran) ran = SyncDirectory(layout.pg_directory);  // Makes the rename durable.
    if (!ran) {
        std::error_code ignored;
        std::filesystem::remove_all(layout.staging_directory, ignored);
        return ran;
    }
    log::Info("embedded_cluster_initialized", {{"data_directory", layout.data_directory.string()},
                                               {"os_user", user.name},
                                               {"binaries", binaries.directory.string()},
                                               {"took_ms", MillisSince(started)}});
    return {};
}

Result<bool> PostmasterRunning(const ClusterLayout& layout, const OsUser& user,
                               const PgBinaries& binaries, Deadline deadline) {
    const std::vector<std::string> argv = {binaries.pg_ctl.string(), "status", "-D",
                                           layout.data_directory.string()};
    auto ran = RunProcess(argv, ChildEnvironment(user), user, deadline);
    if (!ran) return std::move(ran).error();
    if (ran->exit_code == 0) return true;
    if (ran->exit_code == 3) return false;  // "no server running"
    return Unavailable("pg_ctl status failed for " + layout.data_directory.string() + ": " +
                       LastLines(ran->output, 20));
}

Status StartServer(const ClusterLayout& layout, const OsUser& user, const PgBinaries& binaries,
                   Deadline deadline) {
    const auto started = Clock::now();
    if (auto written =
            WriteFile(layout.data_directory / "mnemo.conf", layout.ServerSettings(), user);
        !written) {
        return written;
    }
    if (auto prepared = PrepareRuntimeFiles(layout, user); !prepared) return prepared;
    const std::uintmax_t log_offset = FileSize(layout.log_file);
    const std::vector<std::string> argv = {
        binaries.pg_ctl.string(), "start", "-D", layout.data_directory.string(), "-l",
        layout.log_file.string(), "-w",    "-t", TimeoutSeconds(deadline)};
    // A little grace past the deadline lets pg_ctl report its own timeout instead of dying.
    auto ran = RunTool(
        argv, user, deadline + std::chrono::seconds(2),
        "PostgreSQL did not start (embedded cluster in " + layout.data_directory.string() + ")");
    if (!ran) {
        return Unavailable(ran.error().message() + "\nlast lines of the server log " +
                           layout.log_file.string() + ":\n" + LogTail(layout.log_file, log_offset));
    }
    log::Info("embedded_cluster_started", {{"data_directory", layout.data_directory.string()},
                                           {"socket_directory", layout.socket_directory.string()},
                                           {"log_file", layout.log_file.string()},
                                           {"os_user", user.name},
                                           {"took_ms", MillisSince(started)}});
    return {};
}

Status StopServer(const ClusterLayout& layout, const OsUser& user, const PgBinaries& binaries,
                  Deadline deadline) {
    const std::vector<std::string> argv = {binaries.pg_ctl.string(),
                                           "stop",
                                           "-D",
                                           layout.data_directory.string(),
                                           "-m",
                                           "fast",
                                           "-w",
                                           "-t",
                                           TimeoutSeconds(deadline)};
    auto ran = RunTool(argv, user, deadline + std::chrono::seconds(2),
                       "could not stop the embedded cluster in " + layout.data_directory.string());
    if (!ran) return ran;
    log::Info("embedded_cluster_stopped", {{"data_directory", layout.data_directory.string()}});
    return {};
}

}  // namespace mnemo::embedded

// SPDX-License-Identifier: MIT
// EmbeddedCluster: ensure-running, stop and status, serialised by the lock file under home.
#include "embedded/cluster.hpp"

#include <system_error>

#include "embedded/cluster_control.hpp"
#include "embedded/errors.hpp"
#include "embedded/file_lock.hpp"
#include "embedded/layout.hpp"
#include "embedded/os_user.hpp"
#include "embedded/provision.hpp"
#include "util/log.hpp"

namespace mnemo::embedded {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kStopTimeout = std::chrono::seconds(60);

// Under the lock, with nothing accepting on the socket: initdb if there is no cluster yet,
// then start one unless a postmaster already runs. One that runs without accepting was
// started by a call whose pg_ctl timed out, or is recovering from a crash; Provision waits
// for it.
pqpool::Status StartLocked(const ClusterLayout& layout, const OsUser& user, Deadline deadline) {
    auto binaries = BinariesFor(layout);
    if (!binaries) return binaries.error();
    if (DataDirectoryVersion(layout) == 0) {
        auto made = InitializeDataDirectory(layout, user, *binaries, deadline);
        if (!made) return made;
    }
    auto running = PostmasterRunning(layout, user, *binaries, deadline);
    if (!running) return running.error();
    if (*running) {
        log::Info("embedded_cluster_waiting_for_postmaster",
                  {{"data_directory", layout.data_directory.string()}});
        return {};
    }
    return StartServer(layout, user, *binaries, deadline);
}

// The lock serialises initdb, start, provisioning and stop across processes. The account is
// chosen under it because an existing data directory's owner decides.
struct LockedCluster {
    FileLock lock;
    OsUser user;
};

pqpool::Result<LockedCluster> Lock(const ClusterLayout& layout, Deadline deadline) {
    auto lock = FileLock::Acquire(layout.lock_file, deadline);
    if (!lock) return std::move(lock).error();
    auto user = ClusterUser(layout.data_directory);
    if (!user) return std::move(user).error();
    if (auto reachable = EnsureTraversable(layout.pg_directory, *user); !reachable) {
        return reachable.error();
    }
    return LockedCluster{std::move(lock).value(), std::move(user).value()};
}

}  // namespace

EmbeddedCluster::EmbeddedCluster(std::filesystem::path home) : home_(std::move(home)) {}

pqpool::Result<std::string> EmbeddedCluster::EnsureRunning(Deadline deadline) {
    auto layout = ClusterLayout::For(home_);
    if (!layout) return layout.error();
    if (auto made = PrepareDirectories(*layout); !made) return made.error();
    auto locked = Lock(*layout, deadline);
    if (!locked) return locked.error();
    if (!SocketAccepts(layout->socket_file)) {
        if (auto started = StartLocked(*layout, locked->user, deadline); !started) {
            return started.error();
        }
    }
    if (auto provisioned = Provision(*layout, deadline); !provisioned) {
        return Unavailable(provisioned.error().message() + "\nlast lines of the server log " +
                           layout->log_file.string() + ":\n" + LogTail(layout->log_file, 0));
    }
    return layout->Conninfo(kRole, kDatabase);
}

pqpool::Status EmbeddedCluster::Stop() {
    const Deadline deadline = Clock::now() + kStopTimeout;
    auto layout = ClusterLayout::For(home_);
    if (!layout) return layout.error();
    if (DataDirectoryVersion(*layout) == 0) return {};  // Never initialised: nothing runs.
    auto locked = Lock(*layout, deadline);
    if (!locked) return locked.error();
    auto binaries = BinariesFor(*layout);
    if (!binaries) {
        // Without pg_ctl nothing can have been started here, unless the package went away
        // under a running server: then say what is missing.
        std::error_code error;
        if (!std::filesystem::exists(layout->data_directory / "postmaster.pid", error)) return {};
        return binaries.error();
    }
    auto running = PostmasterRunning(*layout, locked->user, *binaries, deadline);
    if (!running) return running.error();
    if (!*running) return {};
    return StopServer(*layout, locked->user, *binaries, deadline);
}

pqpool::Result<ClusterStatus> EmbeddedCluster::Status() {
    auto layout = ClusterLayout::For(home_);
    if (!layout) return layout.error();
    ClusterStatus status;
    status.data_directory = layout->data_directory;
    status.socket_directory = layout->socket_directory;
    status.log_file = layout->log_file;
    status.initialized = DataDirectoryVersion(*layout) > 0;
    status.running = status.initialized && SocketAccepts(layout->socket_file);
    if (status.initialized) status.conninfo = layout->Conninfo(kRole, kDatabase);
    return status;
}

}  // namespace mnemo::embedded

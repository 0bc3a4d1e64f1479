// SPDX-License-Identifier: MIT
// EmbeddedCluster: ensure-running, stop and status, serialised by the lock file under home.
#include "embedded/cluster.hpp"

#include <algorithm>
#include <optional>
#include <system_error>
#include <thread>

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

// How long one provisioning attempt may spend connecting before the loop below looks at the
// postmaster again: long enough for a loaded machine, short enough to notice one that died.
constexpr auto kConnectAttempt = std::chrono::seconds(3);

// Under the lock, until the deadline: initdb if there is no cluster; provision once something
// accepts on the socket; start a postmaster when none runs; otherwise wait for the one that
// runs without accepting yet, which is starting (an earlier pg_ctl gave up at its deadline),
// recovering from a crash, or dying (killed, its socket still queueing connects). pg_ctl
// status is the only signal there is, hence the polling.
Status BringUpLocked(const ClusterLayout& layout, const OsUser& user, const Provisioner& provision,
                     Deadline deadline) {
    std::optional<PgBinaries> binaries;  // Looked up when needed: a running cluster needs none.
    std::string last_error = "nothing accepts connections on the socket";
    for (bool logged = false;; logged = true) {
        if (SocketAccepts(layout.socket_file)) {
            auto done =
                provision(layout.Conninfo(kSuperuser, "postgres"),
                          layout.Conninfo(kSuperuser, kDatabase), layout.socket_directory.string(),
                          std::min(deadline, Clock::now() + kConnectAttempt), deadline);
            if (done || done.error().code() != ErrorCode::kUnavailable) return done;
            last_error = done.error().message();
        }
        if (!binaries) {
            auto found = BinariesFor(layout);
            if (!found) return found.error();
            binaries = std::move(found).value();
        }
        if (DataDirectoryVersion(layout) == 0) {
            auto made = InitializeDataDirectory(layout, user, *binaries, deadline);
            if (!made) return made;
        }
        auto running = PostmasterRunning(layout, user, *binaries, deadline);
        if (!running) return running.error();
        if (!*running) {
            if (auto started = StartServer(layout, user, *binaries, deadline); !started) {
                return started;
            }
            continue;
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            return Unavailable("a postmaster runs in " + layout.data_directory.string() +
                               " but did not accept connections by the deadline: " + last_error +
                               "\nlast lines of the server log " + layout.log_file.string() +
                               ":\n" + LogTail(layout.log_file, 0));
        }
        if (!logged) {
            log::Info("embedded_cluster_waiting_for_postmaster",
                      {{"data_directory", layout.data_directory.string()}});
        }
        std::this_thread::sleep_for(
            std::min<Clock::duration>(std::chrono::milliseconds(100), deadline - now));
    }
}

// The lock serialises initdb, start, provisioning and stop across processes. The account is
// chosen under it because an existing data directory's owner decides.
struct LockedCluster {
    FileLock lock;
    OsUser user;
};

Result<LockedCluster> Lock(const ClusterLayout& layout, Deadline deadline) {
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

EmbeddedCluster::EmbeddedCluster(std::filesystem::path home, Provisioner provision)
    : home_(std::move(home)), provision_(std::move(provision)) {}

Result<std::string> EmbeddedCluster::EnsureRunning(Deadline deadline) {
    auto layout = ClusterLayout::For(home_);
    if (!layout) return layout.error();
    if (auto made = PrepareDirectories(*layout); !made) return made.error();
    auto locked = Lock(*layout, deadline);
    if (!locked) return locked.error();
    if (auto up = BringUpLocked(*layout, locked->user, provision_, deadline); !up) {
        // One code for every failure to come up, as promised; the message says which.
        return Unavailable(up.error().message());
    }
    return layout->Conninfo(kRole, kDatabase);
}

Status EmbeddedCluster::Stop() {
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

Result<ClusterStatus> EmbeddedCluster::Status() {
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

// SPDX-License-Identifier: MIT
// FileLock: flock(2) with a deadline.
#include "embedded/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <thread>

#include "embedded/errors.hpp"
#include "util/log.hpp"

namespace mnemo::embedded {

Result<FileLock> FileLock::Acquire(const std::filesystem::path& file,
                                   std::chrono::steady_clock::time_point deadline) {
    using std::chrono::milliseconds;
    const int fd = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return Error(ErrorCode::kUnavailable,
                     "cannot open lock file " + file.string() + ": " + ErrnoText(errno));
    }
    FileLock lock(fd);
    const auto started = std::chrono::steady_clock::now();
    // flock(2) has no timeout: poll with a growing pause. Holders keep the lock for an initdb
    // or a start at most (seconds), so 100 ms granularity costs nothing noticeable.
    milliseconds pause(2);
    bool logged = false;
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) return lock;
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) {
            return Unavailable("cannot lock " + file.string() + ": " + ErrnoText(errno));
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            const auto waited = std::chrono::duration_cast<milliseconds>(now - started).count();
            return Unavailable("timed out after " + std::to_string(waited) +
                               " ms waiting for the lock " + file.string() +
                               " (another mnemo process is initialising, starting or "
                               "stopping the embedded cluster)");
        }
        if (!logged) {
            log::Debug("embedded_cluster_lock_wait", {{"lock_file", file.string()}});
            logged = true;
        }
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
        pause = std::min(pause * 2, milliseconds(100));
    }
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

FileLock::~FileLock() {
    if (fd_ >= 0) close(fd_);  // Closing the last descriptor releases the flock.
}

}  // namespace mnemo::embedded

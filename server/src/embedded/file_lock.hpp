// SPDX-License-Identifier: MIT
// FileLock: an exclusive flock(2) on a lock file, held until destroyed, taken by a deadline.
#pragma once

#include <chrono>
#include <filesystem>

#include "util/error.hpp"

namespace mnemo::embedded {

/// Exclusive lock on a file, between processes and between objects of one process (flock
/// locks belong to the open file description). The kernel releases it when the holder exits,
/// so a crashed holder never leaves it stuck. The descriptor is close-on-exec: programs we
/// start (pg_ctl, and the postmaster it leaves running) do not inherit it.
///
/// Thread safety: a move-only owner; one thread at a time.
class FileLock {
public:
    /// Creates `file` (mode 0600) if needed and waits until `deadline` for the lock.
    /// Errors: kUnavailable when the file cannot be opened or another holder keeps the
    /// lock past the deadline.
    [[nodiscard]] static Result<FileLock> Acquire(const std::filesystem::path& file,
                                                  std::chrono::steady_clock::time_point deadline);

    FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    /// Releases the lock.
    ~FileLock();

private:
    explicit FileLock(int fd) noexcept : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace mnemo::embedded

// SPDX-License-Identifier: MIT
// RunProcess: runs a program to completion under a deadline, optionally as another OS user.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "embedded/os_user.hpp"
#include "util/error.hpp"

namespace mnemo::embedded {

/// How a finished child ended and what it printed.
struct ProcessResult {
    int exit_code = 0;   ///< The exit status, or 128 + the signal that killed it.
    std::string output;  ///< stdout and stderr interleaved (at most the last 64 KiB).
};

/// Runs `argv` (argv[0] an absolute path; no shell, no PATH search) as `user` with exactly the
/// environment `environment` ("NAME=value" entries) and the working directory `/`, stdin from
/// /dev/null, stdout and stderr captured. The child inherits no other file descriptors (so a
/// daemon it starts cannot hold our pipes or sockets), starts with default signal dispositions
/// and an empty signal mask, and stays in our process group (Ctrl-C in a terminal reaches it);
/// a parent-death signal kills it if this process dies first. Waits until `deadline`; past it
/// the child is killed (SIGKILL; grandchildren that detached, such as a postmaster started by
/// pg_ctl, survive).
/// Errors: kUnavailable when the child cannot be started or the deadline passes (the
/// message names the program and carries its output so far). A non-zero exit is not an error.
/// REQUIRES: !argv.empty().
[[nodiscard]] Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                               const std::vector<std::string>& environment,
                                               const OsUser& user,
                                               std::chrono::steady_clock::time_point deadline);

/// The last `max_lines` lines of `text`, without a trailing newline.
[[nodiscard]] std::string LastLines(std::string_view text, std::size_t max_lines);

}  // namespace mnemo::embedded

// SPDX-License-Identifier: MIT
// ChildProcess: a program started with pipes on stdin/stdout, spoken to one line at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_util.hpp"

namespace mnemo::bench {

using pqpool::bench::BenchClock;

/// What ends a mnemo_stdio_bench run early (a failed call, a dead child, Ctrl-C). Thrown, not
/// returned: the run is over, and unwinding lets the RAII guards stop the children and the
/// cluster and remove the temporary home. main() catches it once.
class BenchFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Throws BenchFailure(what).
[[noreturn]] void Fail(const std::string& what);

/// Set by SIGINT/SIGTERM (see InstallInterruptHandlers); the loops check it between calls.
[[nodiscard]] bool Interrupted() noexcept;

/// Installs SIGINT/SIGTERM handlers that only set the Interrupted() flag (no SA_RESTART, so a
/// blocking wait returns EINTR), and ignores SIGPIPE (a dead child shows up as EPIPE / EOF).
void InstallInterruptHandlers();

/// How to start a child.
struct ChildOptions {
    std::string path;               ///< Executable (not searched in PATH).
    std::vector<std::string> args;  ///< argv[1..].
    std::vector<std::string> env;   ///< The whole environment, "NAME=value".
    std::string stderr_path;        ///< The child's stderr goes to this file (truncated).
};

/// A child process with a pipe to its stdin and one from its stdout, in its own process group
/// (a Ctrl-C at the terminal reaches only this process, which then stops the child in order).
///
/// Thread safety: one thread at a time.
class ChildProcess {
public:
    /// Starts the child. Fails (BenchFailure) when it cannot be started.
    [[nodiscard]] static std::unique_ptr<ChildProcess> Spawn(const ChildOptions& options);

    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    /// Stop(): closes stdin, waits, kills if need be.
    ~ChildProcess();

    /// Writes `line`, which must end with '\n'. Fails when the child is gone.
    void Write(std::string_view line);

    /// Returns the next line from the child's stdout, without the '\n'; valid until the next
    /// call. Fails on EOF (with the tail of the child's stderr), by `deadline`, or on Ctrl-C.
    [[nodiscard]] std::string_view ReadLine(BenchClock::time_point deadline);

    /// Closes the child's stdin (mnemo exits on EOF) and waits up to `grace`; then SIGKILL.
    /// Returns the exit status as waitpid(2) reports it, or -1 when it had to be killed.
    /// Safe to call twice (later calls return the first result).
    int Stop(std::chrono::milliseconds grace) noexcept;

    /// The last `bytes` of the child's stderr file.
    [[nodiscard]] std::string StderrTail(std::size_t bytes) const;

    /// User and system CPU seconds the child (all its threads) has used so far, from
    /// /proc/PID/stat (clock-tick resolution); {-1, -1} when unreadable.
    [[nodiscard]] std::pair<double, double> CpuSeconds() const;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }

    /// A JSON-RPC request id not used before on this child (1, 2, ...).
    [[nodiscard]] std::int64_t NextRequestId() noexcept { return ++last_request_id_; }

private:
    ChildProcess(pid_t pid, int to_child, int from_child, std::string stderr_path)
        : pid_(pid),
          to_child_(to_child),
          from_child_(from_child),
          stderr_path_(std::move(stderr_path)) {}

    pid_t pid_;
    int to_child_;    // -1 once closed.
    int from_child_;  // -1 once closed.
    std::string stderr_path_;
    std::vector<char> chunk_ = std::vector<char>(std::size_t{64} * 1024);  // read(2) target.
    std::string buffer_;        // Bytes read but not yet returned.
    std::size_t consumed_ = 0;  // Prefix of buffer_ already returned.
    std::int64_t last_request_id_ = 0;
    bool stopped_ = false;
    int exit_status_ = -1;
};

}  // namespace mnemo::bench

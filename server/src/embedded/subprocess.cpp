// SPDX-License-Identifier: MIT
// RunProcess: fork/exec with captured output, a deadline and an optional change of user.
#include "embedded/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "embedded/errors.hpp"

namespace mnemo::embedded {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxOutput = std::size_t{64} << 10;

/// Closes a file descriptor on scope exit.
class FdGuard {
public:
    explicit FdGuard(int fd = -1) noexcept : fd_(fd) {}
    FdGuard(const FdGuard&) = delete;
    FdGuard& operator=(const FdGuard&) = delete;
    ~FdGuard() { Reset(); }
    [[nodiscard]] int get() const noexcept { return fd_; }
    void Reset() noexcept {
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

// Async-signal-safe: "mnemo: <what> <argv0>: errno <n>\n" on stderr, then exit 127.
[[noreturn]] void ChildFail(const char* what, const char* program) noexcept {
    const int error = errno;
    std::array<char, 12> digits{};
    std::size_t at = digits.size();
    int value = error;
    do {
        digits[--at] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value > 0 && at > 0);
    for (const char* part : {"mnemo: ", what, " ", program, ": errno "}) {
        (void)!write(2, part, std::strlen(part));
    }
    (void)!write(2, digits.data() + at, digits.size() - at);
    (void)!write(2, "\n", 1);
    _exit(127);
}

// Between fork and exec: only async-signal-safe calls (the parent may have other threads).
[[noreturn]] void ExecChild(char* const* argv, char* const* envp, int devnull, int out, long max_fd,
                            pid_t parent, const OsUser& user) noexcept {
    if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) {
        ChildFail("cannot redirect output for", argv[0]);
    }
    if (close_range(3, ~0U, 0) != 0) {
        for (long fd = 3; fd < max_fd; ++fd) close(static_cast<int>(fd));
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // NOLINT(concurrency-mt-unsafe): one thread here.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &default_action, nullptr);
    if (chdir("/") != 0) ChildFail("cannot chdir to / for", argv[0]);
    if (!BecomeUser(user)) ChildFail("cannot switch user for", argv[0]);
    // If mnemo dies (even by SIGKILL), so does initdb or pg_ctl, rather than finishing into a
    // directory the next mnemo process is about to clean up. Set after the user switch, which
    // clears it; a postmaster forked by pg_ctl does not inherit it.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    execve(argv[0], argv, envp);
    ChildFail("cannot execute", argv[0]);
}

void Append(std::string& output, const char* data, std::size_t size) {
    output.append(data, size);
    if (output.size() > 2 * kMaxOutput) output.erase(0, output.size() - kMaxOutput);
}

// Reads what is available now; returns false at end of file (or on a read error).
bool ReadAvailable(int fd, std::string& output) {
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t got = read(fd, buffer.data(), buffer.size());
        if (got > 0) {
            Append(output, buffer.data(), static_cast<std::size_t>(got));
            continue;
        }
        if (got < 0 && errno == EINTR) continue;
        return got < 0 && errno == EAGAIN;
    }
}

// Collects output until the child exits (true, with its wait status) or the deadline passes
// (false). Waits on a pidfd when the kernel has them, else re-checks every 10 ms.
Result<bool> AwaitChild(pid_t pid, int out_fd, Clock::time_point deadline, std::string& output,
                        int& status) {
    // glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++: use the system call directly.
    const FdGuard pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    bool pipe_open = true;
    for (;;) {
        const pid_t waited = waitpid(pid, &status, WNOHANG);
        if (waited == pid) {
            if (pipe_open) ReadAvailable(out_fd, output);  // What it wrote before exiting.
            return true;
        }
        if (waited < 0 && errno != EINTR) {
            return Unavailable("waitpid failed: " + ErrnoText(errno));
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        std::array<pollfd, 2> fds{};
        nfds_t count = 0;
        if (pipe_open) fds[count++] = {out_fd, POLLIN, 0};
        if (pidfd.get() >= 0) fds[count++] = {pidfd.get(), POLLIN, 0};
        int timeout = static_cast<int>(std::min<long long>(left.count(), 60'000));
        if (pidfd.get() < 0) timeout = std::min(timeout, 10);  // Nothing signals the exit.
        if (poll(fds.data(), count, timeout) < 0 && errno != EINTR) {
            return Unavailable("poll failed: " + ErrnoText(errno));
        }
        if (pipe_open && fds[0].revents != 0) pipe_open = ReadAvailable(out_fd, output);
    }
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (const std::string& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

}  // namespace

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& environment, const OsUser& user,
                                 Clock::time_point deadline) {
    MNEMO_CHECK(!argv.empty());
    // Everything the child needs is prepared here: it may not allocate.
    const std::vector<char*> child_argv = CStrings(argv);
    const std::vector<char*> child_env = CStrings(environment);
    const long max_fd = std::min(sysconf(_SC_OPEN_MAX) > 0 ? sysconf(_SC_OPEN_MAX) : 1024L, 65536L);
    std::array<int, 2> pipe_fds{};
    if (pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
        return Unavailable("pipe failed: " + ErrnoText(errno));
    }
    const FdGuard read_end(pipe_fds[0]);
    FdGuard write_end(pipe_fds[1]);
    const FdGuard devnull(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (devnull.get() < 0) return Unavailable("cannot open /dev/null");

    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) return Unavailable("fork failed: " + ErrnoText(errno));
    if (pid == 0) {
        ExecChild(child_argv.data(), child_env.data(), devnull.get(), write_end.get(), max_fd,
                  parent, user);
    }
    write_end.Reset();
    (void)fcntl(read_end.get(), F_SETFL, O_NONBLOCK);

    ProcessResult result;
    int status = 0;
    auto exited = AwaitChild(pid, read_end.get(), deadline, result.output, status);
    if (!exited || !*exited) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (!exited) return std::move(exited).error();
        std::string message = argv[0] + " timed out (still running at the deadline; killed)";
        if (!result.output.empty()) message += "; its output:\n" + LastLines(result.output, 20);
        return Unavailable(std::move(message));
    }
    if (result.output.size() > kMaxOutput) {
        result.output.erase(0, result.output.size() - kMaxOutput);
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

std::string LastLines(std::string_view text, std::size_t max_lines) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    std::size_t start = text.size();
    for (std::size_t lines = 0; start > 0; --start) {
        if (text[start - 1] == '\n' && ++lines == max_lines) break;
    }
    return std::string(text.substr(start));
}

}  // namespace mnemo::embedded

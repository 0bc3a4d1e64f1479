// SPDX-License-Identifier: MIT
// ChildProcess: posix_spawn with pipes, line reads with a deadline, orderly stop.
#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

namespace mnemo::bench {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void OnInterrupt(int /*signal*/) { g_interrupted.store(true); }

// strerror(3) is not thread-safe; the error_code message is.
std::string ErrorText(int error) {
    return std::error_code(error, std::generic_category()).message();
}

std::string Errno(const std::string& what) { return what + ": " + ErrorText(errno); }

// Milliseconds left until `deadline` for poll(2), rounded up, at least 0.
int PollTimeout(BenchClock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - BenchClock::now());
    return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, INT_MAX));
}

// posix_spawn's C structures, destroyed on every path.
struct SpawnSetup {
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;

    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attributes{};
};

void CloseIfOpen(int& fd) noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

void Fail(const std::string& what) { throw BenchFailure(what); }

bool Interrupted() noexcept { return g_interrupted.load(std::memory_order_relaxed); }

void InstallInterruptHandlers() {
    struct sigaction action {};
    action.sa_handler = OnInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // No SA_RESTART: a blocked poll/read returns EINTR.
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, nullptr);
}

std::unique_ptr<ChildProcess> ChildProcess::Spawn(const ChildOptions& options) {
    if (::access(options.path.c_str(), X_OK) != 0) {
        Fail(Errno("cannot run " + options.path));
    }
    std::array<int, 2> to_child{-1, -1};
    std::array<int, 2> from_child{-1, -1};
    if (::pipe2(to_child.data(), O_CLOEXEC) != 0) Fail(Errno("pipe2"));
    if (::pipe2(from_child.data(), O_CLOEXEC) != 0) {
        CloseIfOpen(to_child[0]);
        CloseIfOpen(to_child[1]);
        Fail(Errno("pipe2"));
    }
    // dup2 onto 0 and 1 clears close-on-exec there; every other descriptor of ours stays
    // closed in the child (the pipes of an earlier child included).
    SpawnSetup setup;
    posix_spawn_file_actions_adddup2(&setup.actions, to_child[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&setup.actions, from_child[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&setup.actions, STDERR_FILENO, options.stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);  // We ignore it; the child starts with the default.
    sigset_t no_mask;
    sigemptyset(&no_mask);
    posix_spawnattr_setsigdefault(&setup.attributes, &defaults);
    posix_spawnattr_setsigmask(&setup.attributes, &no_mask);
    posix_spawnattr_setpgroup(&setup.attributes, 0);
    posix_spawnattr_setflags(
        &setup.attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(options.path.c_str()));
    for (const std::string& arg : options.args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const std::string& entry : options.env) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);

    pid_t pid = -1;
    const int spawned = posix_spawn(&pid, options.path.c_str(), &setup.actions, &setup.attributes,
                                    argv.data(), envp.data());
    CloseIfOpen(to_child[0]);
    CloseIfOpen(from_child[1]);
    if (spawned != 0) {
        CloseIfOpen(to_child[1]);
        CloseIfOpen(from_child[0]);
        Fail("cannot start " + options.path + ": " + ErrorText(spawned));
    }
    return std::unique_ptr<ChildProcess>(
        new ChildProcess(pid, to_child[1], from_child[0], options.stderr_path));
}

ChildProcess::~ChildProcess() { (void)Stop(std::chrono::seconds(10)); }

void ChildProcess::Write(std::string_view line) {
    while (!line.empty()) {
        const ssize_t n = ::write(to_child_, line.data(), line.size());
        if (n < 0 && errno == EINTR) {
            if (Interrupted()) Fail("interrupted");
            continue;
        }
        if (n <= 0) {
            Fail(Errno("writing to mnemo") + "; its stderr ends with:\n" + StderrTail(2000));
        }
        line.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string_view ChildProcess::ReadLine(BenchClock::time_point deadline) {
    // Drop what the previous call returned; keep the buffer's capacity.
    if (consumed_ > 0) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
    std::size_t scanned = 0;
    for (;;) {
        const std::size_t newline = buffer_.find('\n', scanned);
        if (newline != std::string::npos) {
            consumed_ = newline + 1;
            return std::string_view(buffer_).substr(0, newline);
        }
        scanned = buffer_.size();
        pollfd pfd{from_child_, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, PollTimeout(deadline));
        if (ready < 0 && errno == EINTR) {
            if (Interrupted()) Fail("interrupted");
            continue;
        }
        if (ready < 0) Fail(Errno("poll"));
        if (ready == 0) Fail("mnemo did not answer in time (pid " + std::to_string(pid_) + ")");
        const ssize_t n = ::read(from_child_, chunk_.data(), chunk_.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) Fail(Errno("reading from mnemo"));
        if (n == 0) Fail("mnemo closed its stdout; its stderr ends with:\n" + StderrTail(2000));
        buffer_.append(chunk_.data(), static_cast<std::size_t>(n));
    }
}

int ChildProcess::Stop(std::chrono::milliseconds grace) noexcept {
    if (stopped_) return exit_status_;
    stopped_ = true;
    CloseIfOpen(to_child_);
    const auto give_up = BenchClock::now() + grace;
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            exit_status_ = status;
            break;
        }
        if (done < 0 && errno != EINTR) break;  // Not our child any more (cannot happen).
        if (BenchClock::now() >= give_up) {
            ::kill(pid_, SIGKILL);
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
            exit_status_ = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CloseIfOpen(from_child_);
    return exit_status_;
}

std::pair<double, double> ChildProcess::CpuSeconds() const {
    std::ifstream file("/proc/" + std::to_string(pid_) + "/stat");
    std::string stat;
    if (!std::getline(file, stat)) return {-1.0, -1.0};
    // Fields after the command name (which may contain spaces) end with ')': state is field 3,
    // utime field 14, stime field 15.
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) return {-1.0, -1.0};
    std::istringstream fields(stat.substr(close + 2));
    std::string skip;
    for (int field = 3; field < 14; ++field) fields >> skip;
    double user_ticks = -1;
    double system_ticks = -1;
    fields >> user_ticks >> system_ticks;
    if (!fields) return {-1.0, -1.0};
    const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return {user_ticks / ticks, system_ticks / ticks};
}

std::string ChildProcess::StderrTail(std::size_t bytes) const {
    std::ifstream file(stderr_path_, std::ios::binary | std::ios::ate);
    if (!file) return "(no stderr file " + stderr_path_ + ")";
    const auto size = static_cast<std::size_t>(std::max<std::streamoff>(file.tellg(), 0));
    const std::size_t start = size > bytes ? size - bytes : 0;
    file.seekg(static_cast<std::streamoff>(start));
    std::string tail(size - start, '\0');
    file.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    return tail;
}

}  // namespace mnemo::bench

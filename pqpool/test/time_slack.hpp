// SPDX-License-Identifier: MIT
// Room for the scheduler in tests that bound wall-clock time.
#pragma once

#include <chrono>
#include <cstdlib>

namespace pqpool::testing {

/// How much slower than a quiet machine with a plain build this test run may be: 1, times 5 in
/// a sanitizer build (ASan and TSan run 2–10× slower), times `MNEMO_TEST_TIME_SCALE` when set
/// (a positive number, e.g. on a machine known to be overloaded).
inline double TimeScale() {
    double scale = 1.0;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    scale *= 5.0;
#endif
    if (const char* env = std::getenv("MNEMO_TEST_TIME_SCALE")) {
        const double factor = std::atof(env);
        if (factor > 0.0) scale *= factor;
    }
    return scale;
}

/// The lateness a wall-clock bound allows for waking a thread on a busy 2-core machine while
/// other tests and builds run: 50 ms, scaled by TimeScale(). Tests of a deadline promise assert
/// "not before the deadline" exactly and "not after it + Slack()"; what is a speed figure, not a
/// promise, belongs in bench/.
inline std::chrono::milliseconds Slack(
    std::chrono::milliseconds base = std::chrono::milliseconds(50)) {
    return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(
        static_cast<double>(base.count()) * TimeScale()));
}

/// Slack() in milliseconds, for tests that keep durations as doubles.
inline double SlackMs(std::chrono::milliseconds base = std::chrono::milliseconds(50)) {
    return static_cast<double>(Slack(base).count());
}

}  // namespace pqpool::testing

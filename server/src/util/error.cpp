// SPDX-License-Identifier: MIT
// mnemo::Error's names and the invariant check.
#include "util/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace mnemo {

std::string_view ToString(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::kInvalidArgument: return "invalid_argument";
        case ErrorCode::kNotFound: return "not_found";
        case ErrorCode::kProjectMissing: return "project_missing";
        case ErrorCode::kNoProject: return "no_project";
        case ErrorCode::kRefused: return "refused";
        case ErrorCode::kUnavailable: return "unavailable";
        case ErrorCode::kPoolTimeout: return "pool_timeout";
        case ErrorCode::kOverloaded: return "overloaded";
        case ErrorCode::kSql: return "sql";
        case ErrorCode::kCancelled: return "cancelled";
        case ErrorCode::kInternal: return "internal";
    }
    return "internal";
}

void Panic(const char* what, const char* file, int line) noexcept {
    std::fprintf(stderr, "mnemo: broken invariant %s at %s:%d\n", what, file, line);
    std::abort();
}

}  // namespace mnemo

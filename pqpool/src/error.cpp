// SPDX-License-Identifier: MIT
// Error names and the abort path for broken invariants.
#include "pqpool/error.hpp"

#include <cstdio>

namespace pqpool {

std::string_view ToString(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::kTimeout: return "timeout";
        case ErrorCode::kPoolOverloaded: return "pool_overloaded";
        case ErrorCode::kPoolExhausted: return "pool_exhausted";
        case ErrorCode::kDatabaseUnavailable: return "database_unavailable";
        case ErrorCode::kConnectionLost: return "connection_lost";
        case ErrorCode::kSql: return "sql";
        case ErrorCode::kCancelled: return "cancelled";
        case ErrorCode::kClosed: return "closed";
        case ErrorCode::kInvalidArgument: return "invalid_argument";
    }
    return "unknown";
}

void Panic(const char* what, const char* file, int line) noexcept {
    std::fprintf(stderr, "pqpool: check failed: %s at %s:%d\n", what, file, line);
    std::abort();
}

}  // namespace pqpool

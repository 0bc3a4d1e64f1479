// SPDX-License-Identifier: MIT
// FromPool: pqpool's error codes onto mnemo's.
#include "memory/pool_errors.hpp"

namespace mnemo::memory {
namespace {

ErrorCode CodeOf(pqpool::ErrorCode code) {
    switch (code) {
        case pqpool::ErrorCode::kTimeout: return ErrorCode::kPoolTimeout;
        case pqpool::ErrorCode::kPoolOverloaded:
        case pqpool::ErrorCode::kPoolExhausted: return ErrorCode::kOverloaded;
        case pqpool::ErrorCode::kDatabaseUnavailable:
        case pqpool::ErrorCode::kConnectionLost:
        case pqpool::ErrorCode::kClosed: return ErrorCode::kUnavailable;
        case pqpool::ErrorCode::kSql: return ErrorCode::kSql;
        case pqpool::ErrorCode::kCancelled: return ErrorCode::kCancelled;
        case pqpool::ErrorCode::kInvalidArgument: return ErrorCode::kInvalidArgument;
    }
    return ErrorCode::kInternal;
}

}  // namespace

Error FromPool(const pqpool::Error& error) {
    return Error(CodeOf(error.code()), error.message(), error.sqlstate());
}

}  // namespace mnemo::memory

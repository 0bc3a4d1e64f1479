// SPDX-License-Identifier: MIT
// FromPool: where pqpool's errors become mnemo::Error — the one place, for all of memory/.
#pragma once

#include "pqpool/error.hpp"
#include "util/error.hpp"

namespace mnemo::memory {

/// pqpool's error as the server's, message and SQLSTATE kept: kTimeout → kPoolTimeout
/// ("Connection pool timeout: …"), kPoolOverloaded and kPoolExhausted → kOverloaded,
/// kDatabaseUnavailable, kConnectionLost and kClosed → kUnavailable, kSql → kSql,
/// kCancelled → kCancelled, kInvalidArgument → kInvalidArgument. Every pqpool error that
/// leaves memory/ passes here.
[[nodiscard]] Error FromPool(const pqpool::Error& error);

}  // namespace mnemo::memory

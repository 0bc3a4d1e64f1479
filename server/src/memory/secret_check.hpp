// SPDX-License-Identifier: MIT
// SecretCheck: whether this process's secret is the one a database was set up with, read
// before anything is written.
#pragma once

#include <optional>
#include <string>

#include "memory/tenant_keys.hpp"
#include "pqpool/pool.hpp"
#include "util/error.hpp"

namespace mnemo::memory {

/// How a process's secret relates to the one the database recorded.
enum class SecretFit {
    kNotRecorded,  // the database records none yet: the first migrate or serve records it
    kMatches,      // the process has the recorded secret
    kDiffers,      // the process has another secret: every token it derives is refused
    kMissing,      // the database records one, the process has none (nor a file to read)
};

/// Reads (never writes) the secret's hash the database recorded, and compares it with `keys`'s
/// (nullopt: this process has no secret yet). Errors: pool and SQL errors.
[[nodiscard]] Result<SecretFit> CheckSecret(pqpool::Pool& pool,
                                            const std::optional<TenantKeys>& keys);

/// One sentence for kDiffers or kMissing: what is wrong and how an operator recovers
/// (docs/deploy.md, "The secret").
[[nodiscard]] std::string SecretProblem(SecretFit fit);

}  // namespace mnemo::memory

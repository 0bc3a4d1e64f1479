// SPDX-License-Identifier: MIT
// ServerFacts: what mnemo needs to know about the PostgreSQL server and its own role, read
// without mnemo's schema (doctor's budget check, the start-up role warning).
#pragma once

#include <string>

#include "pqpool/error.hpp"
#include "pqpool/pool.hpp"
#include "util/error.hpp"

namespace mnemo::memory {

struct ServerFacts {
    int max_connections = 0;
    int reserved = 0;  // superuser_reserved_connections (+ reserved_connections on PG 16+)
    int in_use = 0;    // client backends connected now, this one included
    std::string version;
    std::string role;
    bool bypasses_rls = false;  // a superuser or BYPASSRLS role: row-level security is off
};

/// Reads the facts in one statement on an untenanted lease labelled `label`. Errors: the
/// pool's acquire errors, kSql.
[[nodiscard]] Result<ServerFacts> ReadServerFacts(pqpool::Pool& pool, const char* label);

}  // namespace mnemo::memory

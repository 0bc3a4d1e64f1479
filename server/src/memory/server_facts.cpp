// SPDX-License-Identifier: MIT
// ServerFacts.
#include "memory/server_facts.hpp"

#include "memory/pool_errors.hpp"

namespace mnemo::memory {

Result<ServerFacts> ReadServerFacts(pqpool::Pool& pool, const char* label) {
    auto lease = pool.Acquire(pqpool::AcquireLabel("", label));
    if (!lease.ok()) return FromPool(lease.error());
    auto row = lease->Execute(
        "SELECT current_setting('max_connections')::int, "
        "current_setting('superuser_reserved_connections')::int + "
        "coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0), "
        "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), "
        "current_setting('server_version'), current_user, "
        "(SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user)");
    if (!row.ok()) return FromPool(row.error());
    ServerFacts facts;
    facts.max_connections = std::stoi(std::string(row->Get(0, 0)));
    facts.reserved = std::stoi(std::string(row->Get(0, 1)));
    facts.in_use = std::stoi(std::string(row->Get(0, 2)));
    facts.version = row->Get(0, 3);
    facts.role = row->Get(0, 4);
    facts.bypasses_rls = row->Get(0, 5) == "t";
    return facts;
}

}  // namespace mnemo::memory

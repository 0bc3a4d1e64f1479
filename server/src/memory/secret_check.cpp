// SPDX-License-Identifier: MIT
// SecretCheck: the recorded secret hash, compared before any write.
#include "memory/secret_check.hpp"

#include "memory/pool_errors.hpp"

namespace mnemo::memory {

Result<SecretFit> CheckSecret(pqpool::Pool& pool, const std::optional<TenantKeys>& keys) {
    auto lease = pool.Acquire(pqpool::AcquireLabel("", "secret_check"));
    if (!lease.ok()) return FromPool(lease.error());
    // A database without mnemo's schema has recorded nothing (and a query naming the table
    // would not even parse there).
    auto schema = lease->Execute("SELECT to_regclass('mnemo.settings') IS NOT NULL");
    if (!schema.ok()) return FromPool(schema.error());
    if (schema->Get(0, 0) != "t") return SecretFit::kNotRecorded;
    auto recorded =
        lease->Execute("SELECT value FROM mnemo.settings WHERE key = 'registry_key_hash'");
    if (!recorded.ok()) return FromPool(recorded.error());
    if (recorded->rows() == 0) return SecretFit::kNotRecorded;
    if (!keys) return SecretFit::kMissing;
    const std::string ours = keys->TokenHashFor(TenantKeys::kRegistryTenant);
    return ConstantTimeEquals(ours, recorded->Get(0, 0)) ? SecretFit::kMatches
                                                         : SecretFit::kDiffers;
}

std::string SecretProblem(SecretFit fit) {
    const std::string recovery =
        "every mnemo process on one database needs the secret it was set up with: set "
        "MNEMO_SECRET to it, or copy $MNEMO_HOME/secret from the machine that first ran `mnemo "
        "migrate` or `mnemo serve` on this database (docs/deploy.md, \"The secret\")";
    switch (fit) {
        case SecretFit::kDiffers:
            return "this database was set up with a different mnemo secret: " + recovery;
        case SecretFit::kMissing:
            return "this database was set up with a mnemo secret, and this process has none "
                   "(no MNEMO_SECRET, no $MNEMO_HOME/secret): " +
                   recovery;
        case SecretFit::kNotRecorded:
        case SecretFit::kMatches: break;
    }
    return "";
}

}  // namespace mnemo::memory

// SPDX-License-Identifier: MIT
// Store: leases, JSON results, the secret check and the project registry.
#include "memory/store.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "memory/pool_errors.hpp"
#include "memory/secret_check.hpp"
#include "util/json_read.hpp"

namespace mnemo::memory {
namespace {

using pqpool::Param;

const std::string kRegistry(TenantKeys::kRegistryTenant);

struct LentLease {
    std::string tenant;
    std::optional<pqpool::Result<pqpool::Lease>> acquired;
    bool caller;  // from the caller pool: only caller SQL may take it
};
thread_local LentLease* tls_lent_lease = nullptr;

}  // namespace

std::string OwnerRegistryTenant(std::string_view owner) {
    return "(projects:" + std::string(owner) + ")";
}

std::string TenantUser(std::string_view tenant) {
    constexpr std::string_view kRegistryPrefix = "(projects:";
    if (tenant.substr(0, kRegistryPrefix.size()) == kRegistryPrefix && tenant.back() == ')') {
        return std::string(
            tenant.substr(kRegistryPrefix.size(), tenant.size() - kRegistryPrefix.size() - 1));
    }
    const auto slash = tenant.find('/');
    return slash == std::string_view::npos ? std::string() : std::string(tenant.substr(0, slash));
}

LentLeaseScope::LentLeaseScope(std::string tenant, pqpool::Result<pqpool::Lease> acquired,
                               bool caller) {
    if (tls_lent_lease != nullptr) {
        std::fprintf(stderr, "mnemo: bug: nested LentLeaseScope\n");
        std::abort();
    }
    tls_lent_lease = new LentLease{std::move(tenant), std::move(acquired), caller};
}

LentLeaseScope::~LentLeaseScope() {
    delete tls_lent_lease;
    tls_lent_lease = nullptr;
}

pqpool::Lease* LentLeaseScope::untaken() const {
    if (tls_lent_lease == nullptr || !tls_lent_lease->acquired || !tls_lent_lease->acquired->ok()) {
        return nullptr;
    }
    return &tls_lent_lease->acquired->value();
}

std::optional<pqpool::Result<pqpool::Lease>> LentLeaseScope::TakeBack() {
    if (tls_lent_lease == nullptr) return std::nullopt;
    return std::exchange(tls_lent_lease->acquired, std::nullopt);
}

std::string TextArrayLiteral(const std::vector<std::string>& items) {
    std::string literal = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) literal.push_back(',');
        literal.push_back('"');
        for (char c : items[i]) {
            if (c == '"' || c == '\\') literal.push_back('\\');
            literal.push_back(c);
        }
        literal.push_back('"');
    }
    literal.push_back('}');
    return literal;
}

void Store::ConfigurePool(pqpool::PoolOptions& options, const TenantKeys& keys) {
    // The similarity threshold of search's typo tier (pg_trgm's default, 0.3, lets too many
    // unrelated words through) is set in the same statement, for the transaction only.
    options.tenant_context_sql =
        "SELECT set_config('mnemo.tenant', $1, true), "
        "set_config('pg_trgm.similarity_threshold', '0.4', true)";
    options.tenant_context_value = [keys](std::string_view tenant) {
        return keys.TokenFor(tenant);
    };
}

pqpool::Result<pqpool::Lease> Store::Lease(const std::string& tenant, const char* label,
                                           bool caller) {
    if (tls_lent_lease != nullptr && tls_lent_lease->acquired && tls_lent_lease->tenant == tenant &&
        tls_lent_lease->caller == caller) {
        pqpool::Result<pqpool::Lease> lent = std::move(*tls_lent_lease->acquired);
        tls_lent_lease->acquired.reset();
        return lent;
    }
    // A request's check rides on its lent lease; nothing runs on another lease before it
    // passed.
    if (tls_lent_lease != nullptr && tls_lent_lease->acquired && tls_lent_lease->acquired->ok()) {
        if (auto checked = (*tls_lent_lease->acquired)->RunGuard(); !checked.ok()) {
            return std::move(checked).error();
        }
    }
    // Caller SQL never runs on the store's pool (mnemo's own role).
    return (caller ? *caller_.pool : *pool_).Acquire(pqpool::AcquireLabel(tenant, label));
}

Result<Json> Store::QueryJson(const std::string& tenant, const char* label, std::string_view sql,
                              std::span<const Param> params) {
    auto lease = Lease(tenant, label);
    if (!lease.ok()) return FromPool(lease.error());
    auto result = lease->Execute(sql, params);
    if (!result.ok()) return FromPool(result.error());
    if (result->rows() == 0 || result->IsNull(0, 0)) return Json();
    return util::ParseJson(result->Get(0, 0));
}

Result<Json> Store::ProjectJson(const ProjectRef& project, const char* label, std::string_view sql,
                                std::span<const Param> params) {
    auto result = QueryJson(project.Tenant(), label, sql, params);
    if (result.ok() && result->is_null()) {
        return Error(ErrorCode::kProjectMissing, "project '" + project.name + "' does not exist");
    }
    return result;
}

Status Store::RegisterSecret() {
    const std::string hash = keys_.TokenHashFor(kRegistry);
    const std::array<Param, 1> params{Param(hash)};
    constexpr std::string_view kSql =
        "WITH ins AS (INSERT INTO mnemo.settings (key, value) VALUES ('registry_key_hash', $1) "
        "             ON CONFLICT (key) DO NOTHING RETURNING value) "
        "SELECT to_json(coalesce((SELECT value FROM ins), "
        "                        (SELECT value FROM mnemo.settings "
        "                         WHERE key = 'registry_key_hash')) = $1)";
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto same = QueryJson("", "register_secret", kSql, params);
        if (!same.ok()) return std::move(same).error();
        if (same->is_boolean() && same->get<bool>()) return RegisterOwner("");
        // null: a concurrent first start inserted after our snapshot; read again.
        if (same->is_boolean()) {
            return Error(ErrorCode::kInvalidArgument, SecretProblem(SecretFit::kDiffers));
        }
    }
    return Error(ErrorCode::kInvalidArgument, "could not record the mnemo secret's hash");
}

Status Store::RegisterOwner(const std::string& owner) {
    const std::string hash = keys_.TokenHashFor(OwnerRegistryTenant(owner));
    const std::array<Param, 2> params{Param(owner), Param(hash)};
    auto lease = Lease("", "register_owner");
    if (!lease.ok()) return FromPool(lease.error());
    // No arbiter: processes starting together insert the same (owner, hash) pair, and with
    // `ON CONFLICT (owner)` the loser could still fail on the key_hash index.
    auto inserted = lease->Execute(
        "INSERT INTO mnemo.owner_keys (owner, key_hash) VALUES ($1, decode($2, 'hex')) "
        "ON CONFLICT DO NOTHING",
        params);
    if (!inserted.ok()) return FromPool(inserted.error());
    return {};
}

Result<Json> Store::ListProjects(const std::string& owner) {
    constexpr std::string_view kSql = R"sql(
SELECT coalesce(json_agg(json_build_object(
    'name', p.name,
    'description', p.description,
    'created_at', p.created_at,
    'contexts', (SELECT count(*) FROM mnemo.contexts c
                 WHERE c.project_id = p.project_id AND c.archived_at IS NULL),
    'topics', (SELECT count(*) FROM mnemo.topics t WHERE t.project_id = p.project_id),
    'handovers', (SELECT count(*) FROM mnemo.handovers h WHERE h.project_id = p.project_id),
    'last_activity', greatest(p.created_at,
        (SELECT max(c.created_at) FROM mnemo.contexts c WHERE c.project_id = p.project_id),
        (SELECT max(h.created_at) FROM mnemo.handovers h WHERE h.project_id = p.project_id)))
    ORDER BY p.name), '[]')
FROM (SELECT * FROM mnemo.projects WHERE owner = $1 ORDER BY name LIMIT 201) p)sql";
    const std::array<Param, 1> params{Param(owner)};
    return QueryJson(OwnerRegistryTenant(owner), "list_projects", kSql, params);
}

Result<Json> Store::CreateProject(const ProjectRef& project, const std::string& description) {
    if (!project.owner.empty()) {
        if (auto registered = RegisterOwner(project.owner); !registered.ok())
            return registered.error();
    }
    const std::string hash = keys_.TokenHashFor(project.Tenant());
    const std::array<Param, 4> params{Param(project.name), Param(description), Param(hash),
                                      Param(project.owner)};
    constexpr std::string_view kSql = R"sql(
WITH p AS (INSERT INTO mnemo.projects (name, description, owner) VALUES ($1, $2, $4)
           ON CONFLICT (owner, name) DO NOTHING RETURNING project_id),
k AS (INSERT INTO mnemo.project_keys (project_id, key_hash)
      SELECT project_id, decode($3, 'hex') FROM p RETURNING project_id)
SELECT json_build_object('project', $1::text, 'created', EXISTS (SELECT 1 FROM k)))sql";
    return QueryJson(OwnerRegistryTenant(project.owner), "create_project", kSql, params);
}

Result<Json> Store::DeleteProject(const ProjectRef& project, bool confirm) {
    auto lease = Lease(OwnerRegistryTenant(project.owner), "delete_project");
    if (!lease.ok()) return FromPool(lease.error());
    const std::array<Param, 2> params{Param(project.name), Param(project.owner)};
    auto counts = lease->Execute(R"sql(
SELECT json_build_object(
    'project', p.name,
    'contexts', (SELECT count(*) FROM mnemo.contexts c WHERE c.project_id = p.project_id),
    'topics', (SELECT count(*) FROM mnemo.topics t WHERE t.project_id = p.project_id),
    'handovers', (SELECT count(*) FROM mnemo.handovers h WHERE h.project_id = p.project_id))
FROM mnemo.projects p WHERE p.name = $1 AND p.owner = $2)sql",
                                 params);
    if (!counts.ok()) return FromPool(counts.error());
    if (counts->rows() == 0) {
        return Error(ErrorCode::kProjectMissing, "project '" + project.name + "' does not exist");
    }
    Json result = {{"would_delete", Json::parse(counts->Get(0, 0))}, {"deleted", false}};
    if (!confirm) return result;
    auto deleted =
        lease->Execute("DELETE FROM mnemo.projects WHERE name = $1 AND owner = $2", params);
    if (!deleted.ok()) return FromPool(deleted.error());
    result["deleted"] = deleted->AffectedRows() == 1;
    return result;
}

}  // namespace mnemo::memory

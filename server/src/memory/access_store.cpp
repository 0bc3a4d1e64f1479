// SPDX-License-Identifier: MIT
// AccessStore: the SQL for users, tokens and sessions.
#include "memory/access_store.hpp"

#include <array>

#include "memory/access_sql.hpp"
#include "memory/pool_errors.hpp"
#include "memory/tenant_keys.hpp"
#include "util/json_read.hpp"

namespace mnemo::memory {
namespace {

using Json = nlohmann::json;
using pqpool::Param;

/// Runs a statement whose single cell is JSON; null cell → Json().
Result<Json> QueryJson(pqpool::Lease& lease, std::string_view sql, std::span<const Param> params) {
    auto result = lease.Execute(sql, params);
    if (!result.ok()) return FromPool(result.error());
    if (result->rows() == 0 || result->IsNull(0, 0)) return Json();
    return util::ParseJson(result->Get(0, 0));
}

}  // namespace

std::string AccessStore::ServerTenant() { return std::string(TenantKeys::kRegistryTenant); }

std::string AccessStore::NewSessionId() { return RandomHex(32); }

Result<Json> AccessStore::CreateToken(pqpool::Lease& lease, const std::string& user,
                                      const std::string& scope, const std::string& label) const {
    const std::string token = "mnemo_" + RandomHex(32);
    const std::string hash = Sha256Hex(token);
    const std::string prefix = token.substr(0, 14);
    // Params are views: every value lives in a named local until the statement ran.
    const std::array<Param, 5> params{Param(user), Param(hash), Param(prefix), Param(scope),
                                      Param(label)};
    constexpr std::string_view kSql = R"sql(
WITH u AS (INSERT INTO mnemo.users (name) VALUES ($1) ON CONFLICT (name) DO NOTHING),
t AS (INSERT INTO mnemo.api_tokens (user_name, token_hash, token_prefix, scope, label)
      VALUES ($1, decode($2, 'hex'), $3, $4, $5) RETURNING token_id)
SELECT json_build_object('id', token_id, 'user', $1::text, 'scope', $4::text) FROM t)sql";
    auto created = QueryJson(lease, kSql, params);
    if (!created.ok()) return created;
    (*created)["token"] = token;
    return created;
}

Result<Json> AccessStore::ListTokens(pqpool::Lease& lease) const {
    constexpr std::string_view kSql = R"sql(
SELECT coalesce(json_agg(json_build_object(
    'id', token_id, 'user', user_name, 'scope', scope, 'label', label,
    'prefix', token_prefix, 'created_at', created_at, 'last_used_at', last_used_at,
    'revoked_at', revoked_at) ORDER BY token_id), '[]')
FROM mnemo.api_tokens)sql";
    return QueryJson(lease, kSql, {});
}

Result<Json> AccessStore::RevokeToken(pqpool::Lease& lease, std::int64_t id) const {
    const std::string id_text = std::to_string(id);
    const std::array<Param, 1> params{Param(id_text)};
    constexpr std::string_view kSql = R"sql(
WITH r AS (UPDATE mnemo.api_tokens SET revoked_at = now()
           WHERE token_id = $1::bigint AND revoked_at IS NULL RETURNING token_id)
SELECT json_build_object('id', $1::bigint,
                         'found', EXISTS (SELECT 1 FROM mnemo.api_tokens WHERE token_id = $1::bigint),
                         'revoked', EXISTS (SELECT 1 FROM r)))sql";
    return QueryJson(lease, kSql, params);
}

Result<RequestAccess> AccessStore::Resolve(pqpool::Lease& lease,
                                           const std::optional<std::string>& bearer,
                                           const std::string& session_id) const {
    const std::string token_hash = bearer ? Sha256Hex(*bearer) : "";
    const std::string id_hash = session_id.empty() ? "" : Sha256Hex(session_id);
    const std::string ttl = std::to_string(limits_.ttl.count());
    const std::array<Param, 4> params{Param(token_hash), Param(id_hash), Param(ttl),
                                      Param(bearer ? "t" : "f")};
    auto row = QueryJson(lease, sql::kResolveAccess, params);
    if (!row.ok()) return std::move(row).error();
    RequestAccess access;
    const Json& token = (*row)["token"];
    if (!bearer) {
        access.principal = Principal{"", true};
    } else if (token.is_object() &&
               ConstantTimeEquals(token["hash"].get<std::string>(), token_hash)) {
        access.principal =
            Principal{token["user_name"].get<std::string>(), token["scope"] == "write"};
    }
    const Json& session = (*row)["session"];
    // A session belongs to its user: anyone else is told it does not exist.
    if (access.principal && session.is_object() &&
        session["user_name"].get<std::string>() == access.principal->user) {
        access.session = StoredSession{session["user_name"].get<std::string>(),
                                       session["protocol_version"].get<std::string>(),
                                       session["client_info"],
                                       session["selected_project"].get<std::string>(),
                                       session["client_capabilities"],
                                       session["log_level"].get<std::string>()};
    }
    // Last use and expiry are written at most once a minute (or per 1 % of the lifetime).
    if (access.principal && bearer && token.value("stale", false)) {
        const std::array<Param, 1> token_params{Param(token_hash)};
        auto used = lease.Execute(
            "UPDATE mnemo.api_tokens SET last_used_at = now() WHERE token_hash = decode($1, 'hex')",
            token_params);
        if (!used.ok()) return FromPool(used.error());
    }
    if (access.session && session.value("stale", false)) {
        const std::array<Param, 2> session_params{Param(id_hash), Param(ttl)};
        auto touched = lease.Execute(
            "UPDATE mnemo.http_sessions "
            "SET last_seen = now(), expires_at = now() + make_interval(secs => $2::bigint) "
            "WHERE id_hash = decode($1, 'hex') AND expires_at > now()",
            session_params);
        if (!touched.ok()) return FromPool(touched.error());
    }
    return access;
}

Status AccessStore::CreateSession(pqpool::Lease& lease, const std::string& session_id,
                                  const std::string& user, const std::string& protocol_version,
                                  const Json& client_info, const Json& client_capabilities) const {
    const std::string id_hash = Sha256Hex(session_id);
    const std::string client = client_info.dump(-1, ' ', false, Json::error_handler_t::replace);
    const std::string capabilities =
        client_capabilities.is_object()
            ? client_capabilities.dump(-1, ' ', false, Json::error_handler_t::replace)
            : "{}";
    const std::string ttl = std::to_string(limits_.ttl.count());
    const std::string cap = std::to_string(limits_.max_per_user);
    const std::array<Param, 7> params{Param(id_hash),     Param(user), Param(protocol_version),
                                      Param(client),      Param(ttl),  Param(cap),
                                      Param(capabilities)};
    // Expired rows are purged here, a bounded batch per new session, instead of by a job.
    constexpr std::string_view kSql = R"sql(
WITH purge AS (DELETE FROM mnemo.http_sessions WHERE id_hash IN (
                   SELECT id_hash FROM mnemo.http_sessions WHERE expires_at < now() LIMIT 100)),
evict AS (DELETE FROM mnemo.http_sessions WHERE id_hash IN (
              SELECT id_hash FROM mnemo.http_sessions
              WHERE user_name = $2 AND expires_at >= now()
              ORDER BY last_seen DESC OFFSET $6::integer - 1))
INSERT INTO mnemo.http_sessions (id_hash, user_name, protocol_version, client_info,
                                 client_capabilities, expires_at)
VALUES (decode($1, 'hex'), $2, $3, $4::jsonb, $7::jsonb,
        now() + make_interval(secs => $5::bigint)))sql";
    auto inserted = lease.Execute(kSql, params);
    if (!inserted.ok()) return FromPool(inserted.error());
    return {};
}

Result<bool> AccessStore::DeleteSession(pqpool::Lease& lease, const std::string& session_id,
                                        const std::string& user) const {
    const std::string id_hash = Sha256Hex(session_id);
    const std::array<Param, 2> params{Param(id_hash), Param(user)};
    auto deleted = lease.Execute(
        "DELETE FROM mnemo.http_sessions WHERE id_hash = decode($1, 'hex') AND user_name = $2 "
        "AND expires_at > now()",
        params);
    if (!deleted.ok()) return FromPool(deleted.error());
    return deleted->AffectedRows() == 1;
}

void AccessStore::ArmCheck(pqpool::Lease& lease, const std::string& token_hash,
                           const std::string& session_hash, const std::string& user,
                           const std::string& project, const std::string& log_level,
                           pqpool::Lease::GuardDecided decided) const {
    lease.SetGuard("SELECT mnemo.check_request($1, $2, $3, $4::bigint, $5::boolean, $6, $7, $8)",
                   {server_token_, token_hash, session_hash, std::to_string(limits_.ttl.count()),
                    token_hash.empty() ? "f" : "t", user, project, log_level},
                   std::move(decided));
}

AccessStore::CheckFailure AccessStore::ClassifyCheckFailure(const pqpool::Error& error) {
    if (error.sqlstate() == "MN401") return CheckFailure::kBadToken;
    if (error.sqlstate() == "MN404") return CheckFailure::kNoSession;
    if (error.sqlstate() == "MN409") return CheckFailure::kChanged;
    return CheckFailure::kOther;
}

Status AccessStore::SaveSessionState(pqpool::Lease& lease, const std::string& session_id,
                                     const std::string& user, const std::string& project,
                                     const std::string& log_level) const {
    const std::string id_hash = Sha256Hex(session_id);
    const std::array<Param, 5> params{Param(server_token_), Param(id_hash), Param(user),
                                      Param(project), Param(log_level)};
    auto updated = lease.Execute("SELECT mnemo.save_session_state($1, $2, $3, $4, $5)", params);
    if (!updated.ok()) return FromPool(updated.error());
    return {};
}

Result<std::int64_t> AccessStore::CountLiveSessions(pqpool::Lease& lease) const {
    auto counted =
        lease.Execute("SELECT count(*) FROM mnemo.http_sessions WHERE expires_at > now()");
    if (!counted.ok()) return FromPool(counted.error());
    return std::stoll(std::string(counted->Get(0, 0)));
}

}  // namespace mnemo::memory

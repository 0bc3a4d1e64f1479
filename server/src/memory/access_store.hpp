// SPDX-License-Identifier: MIT
// AccessStore: users, bearer tokens and MCP sessions kept in PostgreSQL (hosted mnemo).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "pqpool/lease.hpp"
#include "util/error.hpp"

namespace mnemo::memory {

/// Who a request acts for. `user` "" is the local owner (authentication off).
struct Principal {
    std::string user;
    bool can_write = true;
};

/// An MCP session as stored: it belongs to `user`.
struct StoredSession {
    std::string user;
    std::string protocol_version;
    nlohmann::json client_info;
    std::string selected_project;
    nlohmann::json client_capabilities = nlohmann::json::object();
    std::string log_level;  // "" = none (logging/setLevel not called)
};

/// What one request's credentials resolve to.
struct RequestAccess {
    std::optional<Principal> principal;    // empty: the token is unknown or revoked
    std::optional<StoredSession> session;  // empty: no id given, or unknown/expired/another user's
};

struct SessionLimits {
    std::chrono::seconds ttl{24 * 3600};  // sliding expiry
    std::size_t max_per_user = 100;       // beyond it, the least recently used is ended
};

/// Every call runs on a lease for ServerTenant(), whose token alone can see these tables
/// (row-level security): caller SQL in query_database cannot. Only hashes of tokens and
/// session ids are stored. Errors: the pool's, through FromPool (kPoolTimeout, kUnavailable, kSql).
///
/// Thread safety: stateless besides its limits; calls may run concurrently on their leases.
class AccessStore {
public:
    /// `server_token`: the server tenant's token (TenantKeys::TokenFor(ServerTenant())), which
    /// ArmCheck and SaveSessionState bind for their own statements; "" only where neither is
    /// called (token commands).
    explicit AccessStore(SessionLimits limits, std::string server_token = {})
        : limits_(limits), server_token_(std::move(server_token)) {}

    /// The pool tenant for these calls (the server's own token).
    [[nodiscard]] static std::string ServerTenant();

    /// A fresh session id: 256 bits from the CSPRNG, hex (visible ASCII).
    [[nodiscard]] static std::string NewSessionId();

    // Tokens (mnemo token create|list|revoke).
    /// Creates the user if needed and a token of `scope` ("read" | "write"). Returns
    /// {token, id, user, scope}; the token is shown only here.
    Result<nlohmann::json> CreateToken(pqpool::Lease& lease, const std::string& user,
                                       const std::string& scope, const std::string& label) const;
    /// [{id, user, scope, label, prefix, created_at, last_used_at, revoked_at}] by id.
    Result<nlohmann::json> ListTokens(pqpool::Lease& lease) const;
    /// {id, found, revoked}: revoked=false when it was already revoked (or not found).
    Result<nlohmann::json> RevokeToken(pqpool::Lease& lease, std::int64_t id) const;

    // Per request.
    /// One round trip: checks `bearer` (nullopt = authentication off: the local owner) and
    /// loads session `session_id` (when non-empty) if it belongs to that principal and has not
    /// expired, sliding its expiry.
    Result<RequestAccess> Resolve(pqpool::Lease& lease, const std::optional<std::string>& bearer,
                                  const std::string& session_id) const;
    /// Stores a new session for `user`, purging some expired rows and ending the user's least
    /// recently used sessions beyond the per-user cap.
    Status CreateSession(pqpool::Lease& lease, const std::string& session_id,
                         const std::string& user, const std::string& protocol_version,
                         const nlohmann::json& client_info,
                         const nlohmann::json& client_capabilities = {}) const;
    /// Ends the session; false when it was not `user`'s live session.
    Result<bool> DeleteSession(pqpool::Lease& lease, const std::string& session_id,
                               const std::string& user) const;
    /// What ArmCheck's failure means (ClassifyCheckFailure).
    enum class CheckFailure {
        kBadToken,   ///< the token is unknown, revoked or another user's
        kNoSession,  ///< the session is missing, expired or another user's
        kChanged,    ///< the session's project or log level is not the expected one
        kOther,      ///< the check could not run (connection, timeout, ...)
    };
    /// Makes the per-request check the guard of `lease`'s next statement (pqpool's SetGuard,
    /// sql/012_request_check.sql): the bearer token whose SHA-256 is `token_hash` ("" =
    /// authentication off) is still valid and `user`'s, and the session whose id hashes to
    /// `session_hash` is still live, `user`'s, with `project` and `log_level` selected (hex
    /// digests: util::Sha256Hex, which the caller already keeps as its keys). It costs no round
    /// trip of its own; when it fails, that statement does not run and the lease refuses every
    /// statement (ClassifyCheckFailure says why). Slides the token's last use and the session's
    /// expiry as Resolve does. Any lease of the store's pool will do (the check binds the server's
    /// token for itself). `decided` hears the outcome (pqpool::Lease::SetGuard).
    void ArmCheck(pqpool::Lease& lease, const std::string& token_hash,
                  const std::string& session_hash, const std::string& user,
                  const std::string& project, const std::string& log_level,
                  pqpool::Lease::GuardDecided decided) const;
    [[nodiscard]] static CheckFailure ClassifyCheckFailure(const pqpool::Error& error);

    /// Stores what the session chose during a request: its project (select_project) and its
    /// log level (logging/setLevel, "" = none). Only `user`'s session is changed. Any lease of
    /// the store's pool will do (it binds the server's token for its own statement).
    Status SaveSessionState(pqpool::Lease& lease, const std::string& session_id,
                            const std::string& user, const std::string& project,
                            const std::string& log_level) const;
    /// Sessions not yet expired, across every process on this database.
    Result<std::int64_t> CountLiveSessions(pqpool::Lease& lease) const;

    [[nodiscard]] const SessionLimits& limits() const { return limits_; }

private:
    SessionLimits limits_;
    std::string server_token_;
};

}  // namespace mnemo::memory

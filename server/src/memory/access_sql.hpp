// SPDX-License-Identifier: MIT
// The per-request access check's SQL: shared by AccessStore and the HTTP benchmark.
#pragma once

#include <string_view>

namespace mnemo::memory::sql {

/// Looks up a bearer token and a session in one read-only statement (every HTTP request runs
/// it, so it writes nothing: the touches of last use and expiry are separate statements run at
/// most once a minute). Run under the server tenant's token. $1 hex SHA-256 of the bearer token
/// ('' without), $2 hex SHA-256 of the session id ('' for none), $3 session TTL in seconds,
/// $4 whether a token is checked. Returns {"token": {user_name, scope, hash, stale} | null,
/// "session": {user_name, protocol_version, client_info, selected_project,
/// client_capabilities, log_level, stale} | null}.
inline constexpr std::string_view kResolveAccess = R"sql(
SELECT json_build_object(
    'token', (SELECT json_build_object(
                  'user_name', t.user_name, 'scope', t.scope, 'hash', encode(t.token_hash, 'hex'),
                  'stale', t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
              FROM mnemo.api_tokens t
              WHERE $4::boolean AND t.token_hash = decode($1, 'hex') AND t.revoked_at IS NULL),
    'session', (SELECT json_build_object(
                    'user_name', s.user_name, 'protocol_version', s.protocol_version,
                    'client_info', s.client_info, 'selected_project', s.selected_project,
                    'client_capabilities', s.client_capabilities, 'log_level', s.log_level,
                    'stale', s.last_seen < now() - make_interval(secs => least($3::bigint / 100, 60)))
                FROM mnemo.http_sessions s
                WHERE $2 <> '' AND s.id_hash = decode($2, 'hex') AND s.expires_at > now())))sql";

}  // namespace mnemo::memory::sql

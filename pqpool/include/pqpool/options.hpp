// SPDX-License-Identifier: MIT
// PoolOptions: every knob of a pool, with its default and the reason for it.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "pqpool/error.hpp"

namespace pqpool {

using Clock = std::chrono::steady_clock;
/// An absolute point in time by which a call must return.
using Deadline = Clock::time_point;
using Millis = std::chrono::milliseconds;

enum class LogLevel { kDebug, kInfo, kWarning, kError };

/// Receives the pool's log lines (one event per call, no trailing newline). Called from any
/// pool or caller thread, never with the pool's lock held; must be thread-safe.
using Logger = std::function<void(LogLevel level, std::string_view message)>;

/// Writes "pqpool <level>: <message>" lines to stderr. The default Logger.
void LogToStderr(LogLevel level, std::string_view message);

/// Configuration of a Pool. Plain data; `Validate()` says what is wrong with a bad one.
/// Defaults are the `default` profile; `Serverless()` returns the profile for Neon-like servers.
struct PoolOptions {
    /// libpq connection string (URL or key=value). Keepalive settings
    /// (`keepalives_idle=30 keepalives_interval=10 keepalives_count=3 tcp_user_timeout=30000`)
    /// and `application_name=<name>` are added unless the string sets them, so half-open TCP
    /// connections are detected within ~30 s.
    std::string conninfo;

    /// Connection parameters that replace those of `conninfo` (or are added), by libpq keyword,
    /// e.g. {{"user", "app_reader"}, {"password", "..."}}: one conninfo, several login roles,
    /// whatever form (URL or key=value) the string has. Default: empty.
    std::map<std::string, std::string, std::less<>> conninfo_overrides;

    /// Names the pool in logs and errors; also the default `application_name`.
    std::string name = "pqpool";

    /// Global budget of physical connections, shared by all tenants. Default 20: mnemo's hosted
    /// budget; a thousand tenants still open at most this many.
    std::size_t max_size = 20;

    /// Most leases one tenant may hold at once (a bulkhead). Default 5, as the system we replace
    /// chose per project. The untenanted key "" is bounded by `max_size` only.
    std::size_t tenant_max_leases = 5;

    /// Per-tenant overrides of `tenant_max_leases`, by tenant key: a named tenant may hold this
    /// many leases instead. E.g. a server-internal tenant that must be bounded only by the
    /// budget gets `max_size`. Each quota must be at least 1; the untenanted key "" takes no
    /// quota (it is bounded by `max_size` only) and is rejected. Read once when a tenant becomes
    /// active, so a lookup here never sits on the acquire path. Default: empty (no overrides).
    std::map<std::string, std::size_t, std::less<>> tenant_quotas;

    /// Maps a tenant key to its parent group ("" = none), e.g. the account that owns several
    /// tenants. All tenants of one group together hold at most the group's quota, on top of
    /// each tenant's own quota and the budget; a waiter whose group is full keeps its place
    /// without blocking waiters of other groups behind it. Called under the pool's lock once
    /// when a tenant becomes active (and when a timeout error is written): must be fast,
    /// thread-safe and must not call the pool. Default: empty (no groups).
    std::function<std::string(std::string_view tenant)> tenant_group;

    /// Most leases the tenants of one group may hold together. 0 (the default) = no group
    /// quota (groups are still counted in `Stats().groups`).
    std::size_t group_max_leases = 0;

    /// Per-group overrides of `group_max_leases`, by group key; each at least 1, "" cannot be
    /// named. Resolved when a group becomes active. Default: empty.
    std::map<std::string, std::size_t, std::less<>> group_quotas;

    /// Callers of one group that may wait at once; beyond it that group's acquires fail fast
    /// with kPoolOverloaded while other groups still queue, so one group cannot fill the
    /// shared queue (`max_waiting`). 0 (the default) = only `max_waiting` bounds a group.
    std::size_t group_max_waiting = 0;

    /// Connections kept open even when idle. Default 0: many small processes share one server,
    /// and an idle process should hold nothing (and let a serverless compute sleep).
    std::size_t min_idle = 0;

    /// Callers that may wait at once before acquires fail fast with kPoolOverloaded.
    /// 0 means 4 × max_size (queueing more than that only converts overload into timeouts).
    std::size_t max_waiting = 0;

    /// Connects in flight at once (so a restart or cold start does not become a connect storm).
    std::size_t max_connecting = 2;

    /// Deadline for `Acquire()` calls that pass none. 10 s, as mnemo's MNEMO_ACQUIRE_TIMEOUT_MS.
    Millis acquire_timeout{10'000};

    /// Pool-enforced bound on one connect (libpq's own connect_timeout is ignored by
    /// PQconnectPoll). 5 s; covers TLS and a few hundred ms of cold start.
    Millis connect_timeout{5'000};

    /// Health checks at hand-out, in three tiers. (1) A connection returned less than
    /// `alive_bypass` ago is handed out unchecked — unless the pool has seen a dead connection
    /// since, which makes every connection suspect until checked once. (2) Otherwise it gets the
    /// zero-round-trip socket check (one poll(2), no traffic), which catches a backend killed by
    /// a restart, pg_terminate_backend or an idle suspend (57P01). (3) One idle longer than
    /// `ping_after` also gets a ping.
    /// Default 0 (always do the socket check): HikariCP's 500 ms bypass skips a round trip,
    /// ours would skip only a syscall (see docs/benchmarks.md), and a backend killed within the
    /// window would be handed out.
    Millis alive_bypass{0};

    /// A connection idle longer than this additionally gets a ping (one empty query) bounded by
    /// `check_timeout`: the only check that catches a silently half-open TCP connection. 30 s.
    Millis ping_after{30'000};

    /// Bound on one ping or one reset ROLLBACK. 1 s (a ping that can hang is pgx#2394).
    Millis check_timeout{1'000};

    /// Bound on one statement round trip through `Lease::Execute` when the caller passes no
    /// deadline; 0 (the default) = none. A statement that gets no answer in time (a network
    /// blackhole, a hung server) fails with kConnectionLost and its connection is dropped, so
    /// no caller waits on a silent database longer than this.
    Millis statement_timeout{0};

    /// Connections are replaced after this age (enforced at acquire, return and by the
    /// maintenance thread). 30 min; each connection subtracts up to `lifetime_jitter` of it so
    /// replacements spread out instead of reconnecting in waves.
    Millis max_lifetime{30 * 60 * 1000};
    double lifetime_jitter = 0.10;

    /// Idle connections above `min_idle` are closed after this long. 10 min.
    Millis idle_timeout{10 * 60 * 1000};

    /// A lease held longer than this is logged as a suspected leak (with its label and acquire
    /// site) and counted. 0 = off, and then costs nothing.
    Millis leak_threshold{0};

    /// Connect retry backoff after failures: full jitter, doubling from `backoff_initial` up to
    /// `backoff_max` (50 ms → 5 s).
    Millis backoff_initial{50};
    Millis backoff_max{5'000};

    /// After the server refused a connect with SQLSTATE 53300 (too many clients), the budget is
    /// lowered to the connections the pool holds; every `budget_probe_interval` without connect
    /// failures it is raised by one, until it is back at `max_size`. 5 s.
    Millis budget_probe_interval{5'000};

    /// How 53300 backpressure is logged: one warning when the budget is first lowered, then at
    /// most one line per this interval while it stays lowered (counting the refusals since the
    /// last line), and one line when it is back at `max_size`. 60 s.
    Millis backpressure_log_interval{60'000};

    /// Most distinct statements each connection keeps prepared: a statement's first run on a
    /// connection parses it under a name (in the same round trip), later runs of the same SQL
    /// text bind that name, so the server skips parsing and analysis (about 13 us of its CPU per
    /// statement for a function call, in pgbench -M prepared against -M extended). Beyond the
    /// limit statements run unnamed, as with 0 (the default). Only for an application's own,
    /// bounded set of SQL texts, never for SQL that users write. After the server's plan cache
    /// is invalidated by DDL, PostgreSQL re-plans by itself; a change of a statement's result
    /// columns fails that statement once (0A000) and its connection is discarded.
    std::size_t prepared_statements = 0;

    /// Optional SQL applied once per transaction of a tenant's lease, with the tenant key as $1,
    /// e.g. `SELECT set_config('app.tenant', $1, true)`. Sent in the same round trip as the
    /// statement it precedes (pipeline mode). Empty = no tenant context.
    std::string tenant_context_sql;

    /// Maps a tenant key to the value bound as $1 of `tenant_context_sql`; empty = the key
    /// itself. Lets an application bind an unguessable per-tenant token (e.g. an HMAC of the
    /// key) instead of the key that appears in logs and errors. Called on the lease holder's
    /// thread, from any thread: must be thread-safe.
    std::function<std::string(std::string_view tenant)> tenant_context_value;

    /// Where log lines go. Default: stderr.
    Logger logger = LogToStderr;

    /// The `serverless` profile (Neon and similar): a budget of 5, no idle minimum, idle
    /// connections closed after 4 min (before a 5-min suspend would kill them), a 10 s connect
    /// bound (cold start plus TLS). The pool sends nothing while the application is idle.
    static PoolOptions Serverless(std::string conninfo);

    /// Returns kInvalidArgument naming the first bad field, or OK.
    [[nodiscard]] Status Validate() const;

    /// Most leases `tenant` may hold at once: its `tenant_quotas` entry, else
    /// `tenant_max_leases`. One map lookup; meaningless for the untenanted key "".
    [[nodiscard]] std::size_t TenantQuota(std::string_view tenant) const;

    /// The parent group of `tenant` ("" = none): `tenant_group(tenant)`, or "" when unset.
    [[nodiscard]] std::string TenantGroup(std::string_view tenant) const;

    /// Most leases the tenants of `group` may hold together: its `group_quotas` entry, else
    /// `group_max_leases`; 0 = unbounded.
    [[nodiscard]] std::size_t GroupQuota(std::string_view group) const;

    /// max_waiting with 0 resolved.
    [[nodiscard]] std::size_t EffectiveMaxWaiting() const noexcept {
        return max_waiting == 0 ? 4 * max_size : max_waiting;
    }
};

}  // namespace pqpool

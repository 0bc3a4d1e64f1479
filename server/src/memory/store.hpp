// SPDX-License-Identifier: MIT
// Store: every read and write of mnemo's data; the only code that writes SQL (with migrations).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "files/file_record.hpp"
#include "memory/caller_pool.hpp"
#include "memory/tenant_keys.hpp"
#include "pqpool/pool.hpp"
#include "util/error.hpp"

namespace mnemo::memory {

using Json = nlohmann::json;

/// What a new version does with the topic's guard (see sql/007_hooks.sql).
enum class GuardMode {
    kKeep,   // the previous latest version's guard, if any
    kSet,    // guard_pattern / guard_decision
    kClear,  // none
};

struct LockRequest {
    std::string topic;
    std::string content;
    std::vector<std::string> tags;
    std::string priority;  // always_check | important | reference
    GuardMode guard_mode = GuardMode::kKeep;
    /// With kSet: an RE2 pattern the caller checked (1..1000 characters) and deny | ask.
    std::string guard_pattern{};
    std::string guard_decision{};
};

/// An automatic handover, built by a hook from a conversation's transcript.
struct AutomaticHandoverRequest {
    std::string summary;
    std::vector<std::string> completed;
    std::vector<std::string> pending;
    std::string notes;
    /// The client's conversation id (Claude Code's session_id): one automatic handover per
    /// conversation, updated by its later hooks.
    std::string client_session;
    /// When the conversation started (a timestamp PostgreSQL reads; "" = unknown): a handover
    /// written by sleep since then means the conversation wrote its own, and nothing is stored.
    std::string since;
};

struct SearchRequest {
    std::string query;
    std::optional<std::string> priority;
    std::vector<std::string> tags;  // all must be present
    int limit = 10;
    int offset = 0;
};

struct HandoverRequest {
    std::string summary;
    std::vector<std::string> completed;
    std::vector<std::string> pending;
    std::string notes;
    std::string session_id;
};

struct QueryRequest {
    std::string sql;
    std::vector<std::optional<std::string>> params;
    int limit = 100;
    std::chrono::milliseconds timeout{5000};
    /// When it turns true (the MCP call was cancelled), the running statement is cancelled.
    const std::atomic<bool>* cancelled = nullptr;
};

/// query_files: every filter optional. The cursor (after_score, after_path) is the last row
/// of the previous page.
struct FileQuery {
    std::optional<std::string> query;
    std::optional<std::string> type;  // language or kind
    std::optional<std::string> path_prefix;
    std::optional<std::string> changed_since;  // a timestamp PostgreSQL accepts
    int limit = 50;                            // rows to return
    std::optional<std::string> after_score;    // numeric text
    std::string after_path;
};

/// A project as the store addresses it: its owner ("" = the local owner: stdio, or HTTP
/// without authentication) and its name. Implicit from a name for the local owner.
struct ProjectRef {
    ProjectRef(std::string project_name)  // NOLINT(google-explicit-constructor)
        : name(std::move(project_name)) {}
    ProjectRef(const char* project_name)  // NOLINT(google-explicit-constructor)
        : name(project_name) {}
    ProjectRef(std::string project_owner, std::string project_name)
        : owner(std::move(project_owner)), name(std::move(project_name)) {}

    /// The pool tenant (and token) key: "name" for the local owner, else "owner/name".
    [[nodiscard]] std::string Tenant() const { return owner.empty() ? name : owner + "/" + name; }

    std::string owner;
    std::string name;
};

/// The pool tenant whose token manages `owner`'s projects (list, create, delete).
[[nodiscard]] std::string OwnerRegistryTenant(std::string_view owner);

/// The token user a pool tenant key belongs to: "alice" for "alice/notes" and for alice's
/// project registry; "" for the local owner's projects and the server's own tenant. mnemo
/// gives each user one pqpool group (MNEMO_USER_MAX_CONNECTIONS).
[[nodiscard]] std::string TenantUser(std::string_view tenant);

/// Lends the outcome of an acquire made ahead of time for `tenant` (e.g. asynchronously by
/// the HTTP transport) to the store calls this thread makes while the scope lives: the first
/// call for that tenant takes the lease, or fails with the acquire's error (a pool timeout is
/// not waited for twice). An unused lease returns to the pool when the scope ends. Scopes do
/// not nest. Thread safety: thread-local; one scope per thread at a time.
class LentLeaseScope {
public:
    /// `caller`: the lease comes from the caller pool (only Query takes it), else from the
    /// store's pool (every other call).
    LentLeaseScope(std::string tenant, pqpool::Result<pqpool::Lease> acquired, bool caller = false);
    ~LentLeaseScope();
    /// The lent lease while no store call took it (and the acquire succeeded), else null.
    [[nodiscard]] pqpool::Lease* untaken() const;
    /// Ends the lending early: the acquire's outcome when no store call took it.
    [[nodiscard]] std::optional<pqpool::Result<pqpool::Lease>> TakeBack();
    LentLeaseScope(const LentLeaseScope&) = delete;
    LentLeaseScope& operator=(const LentLeaseScope&) = delete;
};

/// Project-scoped calls take a ProjectRef; each runs on one pqpool lease whose tenant is that
/// project (ProjectRef::Tenant), so the pool's quota applies and the row-level-security token
/// is set in the statement's own transaction. Results are JSON documents (mostly built by
/// PostgreSQL).
///
/// Errors (mnemo::Error; the pool's pass through FromPool): kPoolTimeout (the message starts
/// "Connection pool timeout:"), kOverloaded, kUnavailable, kSql with its SQLSTATE;
/// kProjectMissing when the project does not exist, kNotFound, kRefused (see each call).
///
/// Thread safety: all calls may run concurrently from any threads.
class Store {
public:
    Store(std::shared_ptr<pqpool::Pool> pool, TenantKeys keys)
        : pool_(std::move(pool)), keys_(std::move(keys)) {}

    /// The pool options mnemo needs for this store: the tenant context that binds tokens.
    static void ConfigurePool(pqpool::PoolOptions& options, const TenantKeys& keys);

    /// Records the registry token's hash on first start; fails with a clear message when this
    /// process's secret differs from the one the database was set up with.
    mnemo::Status RegisterSecret();

    /// Records `owner`'s registry token hash (idempotent). RegisterSecret does it for the
    /// local owner; CreateProject for a user's first project.
    mnemo::Status RegisterOwner(const std::string& owner);

    // Projects (the owner's registry scope).
    /// The owner's first 201 projects by name (callers show 200 and say when there are more).
    Result<Json> ListProjects(const std::string& owner = {});
    /// {project, created}; created=false when the name existed (and nothing changed).
    Result<Json> CreateProject(const ProjectRef& project, const std::string& description);
    /// Counts what deleting would remove; deletes only when `confirm`. kProjectMissing.
    Result<Json> DeleteProject(const ProjectRef& project, bool confirm);

    // Contexts.
    /// Stores the next version of `topic`. Concurrent calls get distinct consecutive versions.
    Result<Json> LockContext(const ProjectRef& project, const LockRequest& request);
    /// Latest live version, or `version` (also archived ones). kNotFound.
    Result<Json> RecallContext(const ProjectRef& project, const std::string& topic,
                               std::optional<int> version, bool preview_only);
    /// Archives `version` or every live version. An always_check context needs `force`
    /// (else kRefused). kNotFound.
    Result<Json> UnlockContext(const ProjectRef& project, const std::string& topic,
                               std::optional<int> version, bool force);
    Result<Json> SearchContexts(const ProjectRef& project, const SearchRequest& request);
    /// Live topics under `prefix` (and after `after`, for paging) with their latest version,
    /// priority and version count, in topic order.
    Result<Json> ListTopics(const ProjectRef& project, const std::string& prefix, int limit,
                            const std::string& after = {});
    /// always_check and important contexts whose words occur in `text`, best first.
    Result<Json> CheckContexts(const ProjectRef& project, const std::string& text);

    // Handovers.
    Result<Json> Sleep(const ProjectRef& project, const HandoverRequest& request);
    /// {available, ...}.
    Result<Json> LastHandover(const ProjectRef& project);
    /// The session-start briefing, bounded in size.
    Result<Json> WakeUp(const ProjectRef& project);

    // Hooks (store_hooks.cpp).
    /// The guards in force: each live topic's latest version that carries one, as
    /// [{topic, version, priority, pattern, decision, content (first 1000 characters)}], at
    /// most 200, by topic. kProjectMissing.
    Result<Json> Guards(const ProjectRef& project);
    /// Stores (or updates: one per client_session) an automatic handover, unless a handover
    /// written by sleep exists for this conversation (same client session, or since
    /// request.since). {stored, updated, handover_id, skipped (why not stored)}.
    /// kProjectMissing.
    Result<Json> StoreAutomaticHandover(const ProjectRef& project,
                                        const AutomaticHandoverRequest& request);

    // The file index (store_files.cpp). Each call is one statement on one lease.
    /// The indexed files at or under `prefix` ("" = all). kProjectMissing.
    Result<std::unordered_map<std::string, files::KnownFile>> IndexedFiles(
        const ProjectRef& project, const std::string& prefix);
    /// Inserts or updates `records` (distinct paths), recording content changes in the
    /// history; rows already identical are left alone (idempotent). kProjectMissing.
    Result<files::IndexCounts> UpsertFiles(const ProjectRef& project,
                                           std::span<const files::FileRecord> records);
    /// Deletes paths (see FileDeletion), recording each in the history. kProjectMissing.
    Result<files::IndexCounts> DeleteFiles(const ProjectRef& project,
                                           std::span<const files::FileDeletion> paths);
    /// {files, total, deleted}: see sql::kQueryFiles. Rows: request.limit at most.
    /// kProjectMissing; kInvalidArgument for a changed_since PostgreSQL cannot read.
    Result<Json> QueryFiles(const ProjectRef& project, const FileQuery& request);

    // The memory browser (/ui; store_browse.cpp). Each call is one statement on one lease
    // (RestoreContext: one transaction). kProjectMissing when the project does not exist.
    /// A project's page: {project, description, created_at, counts {always_check, important,
    /// reference, handovers, files} (each counted up to 10 000), contexts [{topic,
    /// version, priority, tags, preview (200 characters), created_at}]}: the latest live
    /// version of at most `per_priority` topics of each priority, most recent first.
    Result<Json> ProjectOverview(const ProjectRef& project, int per_priority);
    /// Handovers newest first: at most `limit`, older than handover `before` (0 = from the
    /// newest). [{handover_id, created_at, session, summary, completed, pending, notes}]; the
    /// notes are cut to 4000 characters.
    Result<Json> Handovers(const ProjectRef& project, int limit, std::int64_t before);
    /// One level of the topic tree (topics split after '/' and '.') under `prefix`:
    /// {prefix, folders [{name, path, topics}], topics [{topic, name, version, priority}],
    /// more_folders, more_topics}, each list in byte order and at most `limit` long (the more_*
    /// flags are also set when the walk stopped early: more than 2 × limit entries at a level).
    Result<Json> TopicLevel(const ProjectRef& project, const std::string& prefix, int limit);
    /// Every version of `topic`, archived ones too, newest first (at most 500), without
    /// content: {topic, latest_version (null when none is live), versions [{version, priority,
    /// tags, created_at, archived_at, archive_reason, size_bytes, content_hash}]}. kNotFound.
    Result<Json> ContextVersions(const ProjectRef& project, const std::string& topic);
    /// Makes archived `version` of `topic` live again (the topic's latest live version when it
    /// is newer than the current one). {topic, version, restored: true}. kNotFound when the
    /// version does not exist; kRefused when it is not archived.
    Result<Json> RestoreContext(const ProjectRef& project, const std::string& topic, int version);
    /// The file index's latest changes: {files (indexed, up to 100 000), changes [{path,
    /// change, size_bytes, changed_at}]}, newest first, at most `limit`.
    Result<Json> RecentFileChanges(const ProjectRef& project, int limit);

    // Inspection.
    Result<Json> Status(const ProjectRef& project);
    /// Runs caller SQL read-only on the caller pool (its own login role per connection, see
    /// caller_pool.hpp): READ ONLY transaction, statement timeout, row limit, every value cut in
    /// the database (so no more than a bounded amount is ever read), rolled back; the project's
    /// row-level security applies. Writes are refused by PostgreSQL. Without a caller pool
    /// (SetCaller never called, or roles missing): kRefused, naming the
    /// fix — never run as mnemo's own role.
    Result<Json> Query(const ProjectRef& project, const QueryRequest& request);

    /// Installs how caller SQL runs (OpenCallerPool's result). REQUIRES: before any Query call.
    void SetCaller(CallerSetup caller) { caller_ = std::move(caller); }
    [[nodiscard]] const CallerSetup& caller() const { return caller_; }

    [[nodiscard]] pqpool::Pool& pool() { return *pool_; }
    /// The keys that bind tenants (export and import open projects with them).
    [[nodiscard]] const TenantKeys& keys() const { return keys_; }

private:
    /// Runs one statement for `tenant` and parses its single JSON cell (null → Json()).
    Result<Json> QueryJson(const std::string& tenant, const char* label, std::string_view sql,
                           std::span<const pqpool::Param> params);
    /// QueryJson for a project: a NULL result means the project does not exist.
    Result<Json> ProjectJson(const ProjectRef& project, const char* label, std::string_view sql,
                             std::span<const pqpool::Param> params);
    /// The lent lease (LentLeaseScope) when its tenant and pool match, else a new one of
    /// `pool` (the store's pool, or the caller pool when `caller`).
    pqpool::Result<pqpool::Lease> Lease(const std::string& tenant, const char* label,
                                        bool caller = false);

    std::shared_ptr<pqpool::Pool> pool_;
    TenantKeys keys_;
    CallerSetup caller_;  // Set once before use (SetCaller).
};

/// Formats a text[] literal for a parameter ({"a","b"} with quoting).
[[nodiscard]] std::string TextArrayLiteral(const std::vector<std::string>& items);

}  // namespace mnemo::memory

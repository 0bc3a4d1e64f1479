// SPDX-License-Identifier: MIT
// The statements of export and import (BackupStore). Each names its parameters.
#pragma once

#include <string_view>

namespace mnemo::memory::sql {

// Timestamps are written in UTC with microseconds, whatever the session's time zone, so that
// two exports of the same rows are byte for byte the same.
#define MNEMO_UTC(column) \
    "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/// $1 owner, $2 names (text[]; NULL = all). The owner's projects by name: id and record.
inline constexpr std::string_view kExportProjects =
    "SELECT p.project_id, json_build_object('type', 'project', 'project', p.name, "
    "'description', p.description, 'created_at', " MNEMO_UTC("p.created_at") ")::text "
    "FROM mnemo.projects p WHERE p.owner = $1 AND ($2::text[] IS NULL OR p.name = ANY ($2)) "
    "ORDER BY p.name";

/// Cursor bodies; %PID% is replaced by the project id (a bigint read from the database).
inline constexpr std::string_view kExportContexts =
    "SELECT json_build_object('type', 'context', 'project', $name$%NAME%$name$::text, "
    "'topic', c.topic, 'version', c.version, 'priority', c.priority, 'tags', c.tags, "
    "'content', c.content, 'content_hash', c.content_hash, "
    "'created_at', " MNEMO_UTC("c.created_at") ", "
    "'archived_at', " MNEMO_UTC("c.archived_at") ", 'archive_reason', c.archive_reason, "
    "'guard', CASE WHEN c.guard_pattern IS NOT NULL THEN json_build_object("
    "'pattern', c.guard_pattern, 'decision', c.guard_decision) END)::text "
    "FROM mnemo.contexts c WHERE c.project_id = %PID% ORDER BY c.topic, c.version";

inline constexpr std::string_view kExportHandovers =
    "SELECT json_build_object('type', 'handover', 'project', $name$%NAME%$name$::text, "
    "'created_at', " MNEMO_UTC("h.created_at") ", 'session_id', h.session_id, "
    "'summary', h.summary, 'completed', h.completed, 'pending', h.pending, "
    "'notes', h.notes, 'automatic', h.automatic, 'client_session', h.client_session)::text "
    "FROM mnemo.handovers h WHERE h.project_id = %PID% ORDER BY h.created_at, h.handover_id";

inline constexpr std::string_view kExportFiles =
    "SELECT json_build_object('type', 'file', 'project', $name$%NAME%$name$::text, "
    "'path', f.path, 'size_bytes', f.size_bytes, 'mtime_ns', f.mtime_ns, "
    "'content_hash', f.content_hash, 'kind', f.kind, 'language', f.language, "
    "'line_count', f.line_count, 'summary', f.summary, 'revision', f.revision, "
    "'indexed_at', " MNEMO_UTC("f.indexed_at") ", 'changed_at', " MNEMO_UTC("f.changed_at") ")::text "
    "FROM mnemo.files f WHERE f.project_id = %PID% ORDER BY f.path";

inline constexpr std::string_view kExportFileChanges =
    "SELECT json_build_object('type', 'file_change', 'project', $name$%NAME%$name$::text, "
    "'path', f.path, 'change', f.change, 'size_bytes', f.size_bytes, "
    "'content_hash', f.content_hash, 'changed_at', " MNEMO_UTC("f.changed_at") ")::text "
    "FROM mnemo.file_changes f WHERE f.project_id = %PID% ORDER BY f.change_id";

#undef MNEMO_UTC

/// $1 name, $2 description, $3 owner, $4 created_at (NULL = now), $5 the project token's
/// hash (hex). Creates the project when missing (as CreateProject does); one row: its id and
/// whether it was created (NULL id: created concurrently by another transaction).
inline constexpr std::string_view kImportProject = R"sql(
WITH p AS (INSERT INTO mnemo.projects (name, description, owner, created_at)
           VALUES ($1, $2, $3, coalesce($4::timestamptz, now()))
           ON CONFLICT (owner, name) DO NOTHING RETURNING project_id),
k AS (INSERT INTO mnemo.project_keys (project_id, key_hash)
      SELECT project_id, decode($5, 'hex') FROM p RETURNING project_id)
SELECT coalesce((SELECT project_id FROM k),
                (SELECT project_id FROM mnemo.projects WHERE owner = $3 AND name = $1)),
       EXISTS (SELECT 1 FROM k))sql";

/// $1 project id, $2 the batch (JSON array of context records with "line"). Adds the
/// versions whose slot is free, counts the ones already held, and returns the lines of the
/// ones whose version is taken by other content ("conflicts", added by kAppendContext).
/// Topic rows get their version counter and latest live version (the highest live version:
/// the old one or a new one, whichever is higher); the vocabulary its new words (as
/// kLockContext). The topics' existing versions are read once, through the primary key
/// (topic = ANY), never per record.
inline constexpr std::string_view kImportContexts = R"sql(
WITH input AS MATERIALIZED (
    SELECT r.*, encode(sha256(convert_to(r.content, 'UTF8')), 'hex') AS hash
    FROM jsonb_to_recordset($2::jsonb) AS r(line bigint, topic text, version int, priority text,
        tags text[], content text, created_at timestamptz, archived_at timestamptz,
        archive_reason text, guard_pattern text, guard_decision text)),
existing AS MATERIALIZED (
    SELECT c.topic, c.version, c.content_hash, c.created_at FROM mnemo.contexts c
    WHERE c.project_id = $1::bigint
      AND c.topic = ANY ((SELECT array_agg(DISTINCT topic) FROM input)::text[])),
classified AS MATERIALIZED (
    SELECT i.*,
           EXISTS (SELECT 1 FROM existing e
                   WHERE e.topic = i.topic AND e.content_hash = i.hash
                     AND (e.version = i.version OR e.created_at = i.created_at
                          OR i.created_at IS NULL)) AS same,
           EXISTS (SELECT 1 FROM existing e WHERE e.topic = i.topic AND e.version = i.version)
               AS taken
    FROM input i),
fresh AS (SELECT * FROM classified WHERE NOT same AND NOT taken),
fresh_latest AS (
    SELECT DISTINCT ON (topic) topic, version, priority, coalesce(created_at, now()) AS at
    FROM fresh WHERE archived_at IS NULL ORDER BY topic, version DESC),
t AS (
    INSERT INTO mnemo.topics AS t (project_id, topic, last_version, latest_version,
                                   latest_priority, latest_at)
    SELECT $1::bigint, f.topic, f.last_version, l.version, l.priority, l.at
    FROM (SELECT topic, max(version) AS last_version FROM fresh GROUP BY topic) f
    LEFT JOIN fresh_latest l ON l.topic = f.topic
    ON CONFLICT (project_id, topic) DO UPDATE
        SET last_version = greatest(t.last_version, excluded.last_version),
            latest_version = CASE WHEN excluded.latest_version > coalesce(t.latest_version, 0)
                                  THEN excluded.latest_version ELSE t.latest_version END,
            latest_priority = CASE WHEN excluded.latest_version > coalesce(t.latest_version, 0)
                                   THEN excluded.latest_priority ELSE t.latest_priority END,
            latest_at = CASE WHEN excluded.latest_version > coalesce(t.latest_version, 0)
                             THEN excluded.latest_at ELSE t.latest_at END),
c AS (
    INSERT INTO mnemo.contexts (project_id, topic, version, content, preview, priority, tags,
                                content_hash, size_bytes, created_at, archived_at, archive_reason,
                                guard_pattern, guard_decision)
    SELECT $1::bigint, topic, version, content, left(content, 500), priority,
           coalesce(tags, '{}'), hash, octet_length(content), coalesce(created_at, now()),
           archived_at, archive_reason, guard_pattern, guard_decision
    FROM fresh
    RETURNING project_id, search),
voc AS (
    INSERT INTO mnemo.vocabulary (project_id, word)
    SELECT DISTINCT c.project_id, w FROM c, unnest(tsvector_to_array(c.search)) w
    WHERE char_length(w) BETWEEN 5 AND 40
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING)
SELECT json_build_object(
    'added', (SELECT count(*) FROM c),
    'unchanged', (SELECT count(*) FROM classified WHERE same),
    'conflicts', (SELECT coalesce(json_agg(line ORDER BY line), '[]') FROM classified
                  WHERE taken AND NOT same)))sql";

/// $1 project id, $2 topic, $3 content, $4 priority, $5 tags (text[] literal), $6 created_at,
/// $7 archived_at, $8 archive_reason, $9 guard pattern, $10 guard decision. Adds the version as the
/// topic's next one (its own version number is taken by other content); being the highest, it is
/// the latest live version unless archived. One row: the version.
inline constexpr std::string_view kAppendContext = R"sql(
WITH v AS (
    UPDATE mnemo.topics t
    SET last_version = t.last_version + 1,
        latest_version = CASE WHEN $7::timestamptz IS NULL THEN t.last_version + 1
                              ELSE t.latest_version END,
        latest_priority = CASE WHEN $7::timestamptz IS NULL THEN $4 ELSE t.latest_priority END,
        latest_at = CASE WHEN $7::timestamptz IS NULL THEN coalesce($6::timestamptz, now())
                         ELSE t.latest_at END
    WHERE t.project_id = $1::bigint AND t.topic = $2
    RETURNING t.project_id, t.last_version),
c AS (
    INSERT INTO mnemo.contexts (project_id, topic, version, content, preview, priority, tags,
                                content_hash, size_bytes, created_at, archived_at, archive_reason,
                                guard_pattern, guard_decision)
    SELECT v.project_id, $2, v.last_version, $3, left($3, 500), $4, $5::text[],
           encode(sha256(convert_to($3, 'UTF8')), 'hex'), octet_length($3),
           coalesce($6::timestamptz, now()), $7::timestamptz, $8, $9, $10
    FROM v
    RETURNING project_id, version, search),
voc AS (
    INSERT INTO mnemo.vocabulary (project_id, word)
    SELECT DISTINCT c.project_id, w FROM c, unnest(tsvector_to_array(c.search)) w
    WHERE char_length(w) BETWEEN 5 AND 40
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING)
SELECT version FROM c)sql";

/// $1 project id, $2 the batch of handover records.
inline constexpr std::string_view kImportHandovers = R"sql(
WITH input AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(created_at timestamptz, session_id text,
        summary text, completed jsonb, pending jsonb, notes text, automatic boolean,
        client_session text)),
ins AS (
    INSERT INTO mnemo.handovers (project_id, created_at, session_id, summary, completed,
                                 pending, notes, automatic, client_session)
    SELECT $1::bigint, coalesce(i.created_at, now()), coalesce(i.session_id, ''), i.summary,
           coalesce(i.completed, '[]'), coalesce(i.pending, '[]'), coalesce(i.notes, ''),
           coalesce(i.automatic, false), coalesce(i.client_session, '')
    FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM mnemo.handovers h
                      WHERE h.project_id = $1::bigint AND h.created_at = i.created_at
                        AND h.summary = i.summary AND h.session_id = coalesce(i.session_id, ''))
    -- A conversation keeps one automatic handover (handovers_automatic_session): the one
    -- already there stays.
    ON CONFLICT (project_id, client_session) WHERE automatic AND client_session <> ''
        DO NOTHING
    RETURNING 1)
SELECT json_build_object('added', (SELECT count(*) FROM ins),
                         'unchanged', (SELECT count(*) FROM input) - (SELECT count(*) FROM ins)))sql";

/// $1 project id, $2 the batch of file records.
inline constexpr std::string_view kImportFiles = R"sql(
WITH input AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(path text, size_bytes bigint,
        mtime_ns bigint, content_hash text, kind text, language text, line_count int,
        summary text, revision int, indexed_at timestamptz, changed_at timestamptz)),
ins AS (
    INSERT INTO mnemo.files (project_id, path, size_bytes, mtime_ns, content_hash, kind,
                             language, line_count, summary, revision, indexed_at, changed_at)
    SELECT $1::bigint, path, size_bytes, mtime_ns, content_hash, kind, coalesce(language, ''),
           line_count, coalesce(summary, ''), coalesce(revision, 1), coalesce(indexed_at, now()),
           coalesce(changed_at, now())
    FROM input
    ON CONFLICT (project_id, path) DO NOTHING
    RETURNING 1)
SELECT json_build_object('added', (SELECT count(*) FROM ins),
                         'unchanged', (SELECT count(*) FROM input) - (SELECT count(*) FROM ins)))sql";

/// $1 project id, $2 the batch of file-change records.
inline constexpr std::string_view kImportFileChanges = R"sql(
WITH input AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(path text, change text, size_bytes bigint,
        content_hash text, changed_at timestamptz)),
ins AS (
    INSERT INTO mnemo.file_changes (project_id, path, change, size_bytes, content_hash,
                                    changed_at)
    SELECT $1::bigint, i.path, i.change, i.size_bytes, i.content_hash,
           coalesce(i.changed_at, now())
    FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM mnemo.file_changes f
                      WHERE f.project_id = $1::bigint AND f.path = i.path
                        AND f.change = i.change AND f.changed_at = i.changed_at)
    RETURNING 1)
SELECT json_build_object('added', (SELECT count(*) FROM ins),
                         'unchanged', (SELECT count(*) FROM input) - (SELECT count(*) FROM ins)))sql";

}  // namespace mnemo::memory::sql

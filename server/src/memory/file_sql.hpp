// SPDX-License-Identifier: MIT
// The statements behind the project file index (scan_project_files, index_files, query_files).
#pragma once

#include <string_view>

namespace mnemo::memory::sql {

/// $1 path prefix ("" = every file). Rows (path, size_bytes, mtime_ns) of the indexed files at
/// or under the prefix; one row of NULLs when there are none; no row when the tenant token
/// matches no project.
inline constexpr std::string_view kIndexedFiles = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id)
SELECT f.path, f.size_bytes, f.mtime_ns
FROM pid LEFT JOIN mnemo.files f
  ON f.project_id = pid.id
 AND ($1 = '' OR f.path = $1 OR starts_with(f.path, $1 || '/'))
WHERE pid.id IS NOT NULL)sql";

/// $1 a JSON array of {path, size_bytes, mtime_ns, content_hash, kind, language, line_count,
/// summary}, distinct paths. Inserts new paths, updates rows where anything differs (a
/// content change — another hash, or without hashes another size or mtime — bumps revision
/// and changed_at) and records each content change in file_changes. Identical rows are left
/// alone, so a concurrent scan writing the same files changes nothing twice. NULL when the
/// project does not exist, else JSON {added, modified, touched}.
inline constexpr std::string_view kUpsertFiles = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
input AS (
    SELECT i.* FROM json_to_recordset($1::json) AS i(
        path text, size_bytes bigint, mtime_ns bigint, content_hash text, kind text,
        language text, line_count integer, summary text)),
up AS (
    INSERT INTO mnemo.files AS f (project_id, path, size_bytes, mtime_ns, content_hash, kind,
                                  language, line_count, summary, search)
    SELECT pid.id, i.path, i.size_bytes, i.mtime_ns, i.content_hash, i.kind,
           coalesce(i.language, ''), i.line_count, coalesce(i.summary, ''),
           setweight(to_tsvector('english', translate(i.path, '/._-', '    ')), 'A') ||
           setweight(to_tsvector('english', coalesce(i.language, '')), 'B') ||
           setweight(to_tsvector('english', coalesce(i.summary, '')), 'C')
    FROM input i, pid WHERE pid.id IS NOT NULL
    ON CONFLICT (project_id, path) DO UPDATE SET
        size_bytes = excluded.size_bytes, mtime_ns = excluded.mtime_ns,
        content_hash = excluded.content_hash, kind = excluded.kind,
        language = excluded.language, line_count = excluded.line_count,
        summary = excluded.summary, search = excluded.search, indexed_at = now(),
        revision = f.revision + CASE WHEN
            CASE WHEN f.content_hash IS NOT NULL AND excluded.content_hash IS NOT NULL
                 THEN f.content_hash <> excluded.content_hash
                 ELSE (f.size_bytes, f.mtime_ns) IS DISTINCT FROM
                      (excluded.size_bytes, excluded.mtime_ns) END THEN 1 ELSE 0 END,
        changed_at = CASE WHEN
            CASE WHEN f.content_hash IS NOT NULL AND excluded.content_hash IS NOT NULL
                 THEN f.content_hash <> excluded.content_hash
                 ELSE (f.size_bytes, f.mtime_ns) IS DISTINCT FROM
                      (excluded.size_bytes, excluded.mtime_ns) END
            THEN now() ELSE f.changed_at END
    WHERE (f.size_bytes, f.mtime_ns, f.content_hash, f.kind, f.language, f.line_count, f.summary)
          IS DISTINCT FROM (excluded.size_bytes, excluded.mtime_ns, excluded.content_hash,
                            excluded.kind, excluded.language, excluded.line_count,
                            excluded.summary)
    RETURNING f.path, f.revision, f.changed_at = now() AS content_changed, f.size_bytes,
              f.content_hash),
hist AS (
    INSERT INTO mnemo.file_changes (project_id, path, change, size_bytes, content_hash)
    SELECT (SELECT id FROM pid), u.path,
           CASE WHEN u.revision = 1 THEN 'added' ELSE 'modified' END, u.size_bytes,
           u.content_hash
    FROM up u WHERE u.content_changed
    RETURNING change)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'added', (SELECT count(*) FROM hist WHERE change = 'added'),
    'modified', (SELECT count(*) FROM hist WHERE change = 'modified'),
    'touched', (SELECT count(*) FROM up WHERE NOT content_changed)) END)sql";

/// $1 a JSON array of {path, size_bytes, mtime_ns}: deletes each path, only while its row
/// still has that size and mtime when they are given (not null); records each deletion in
/// file_changes. NULL when the project does not exist, else JSON {deleted}.
inline constexpr std::string_view kDeleteFiles = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
input AS (
    SELECT d.* FROM json_to_recordset($1::json) AS d(path text, size_bytes bigint,
                                                     mtime_ns bigint)),
del AS (
    DELETE FROM mnemo.files f USING input d
    WHERE f.project_id = (SELECT id FROM pid) AND f.path = d.path
      AND (d.size_bytes IS NULL OR (f.size_bytes = d.size_bytes AND f.mtime_ns = d.mtime_ns))
    RETURNING f.path, f.size_bytes, f.content_hash),
hist AS (
    INSERT INTO mnemo.file_changes (project_id, path, change, size_bytes, content_hash)
    SELECT (SELECT id FROM pid), path, 'deleted', size_bytes, content_hash FROM del
    RETURNING 1)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL
            ELSE json_build_object('deleted', (SELECT count(*) FROM hist)) END)sql";

/// query_files: $1 query (websearch syntax over paths, languages and summaries; also matched
/// as a path substring; NULL = every file), $2 type (language or kind; NULL = any), $3 path
/// prefix (NULL = any), $4 changed_since (timestamptz; NULL = any time), $5 rows to return
/// (one more than shown: is there a next page?), $6/$7 the cursor: the last shown row's score
/// and path (NULL = the first page). Best score first, then by path. NULL when the project
/// does not exist, else JSON {files, total, deleted (paths deleted since $4, first 100)}.
inline constexpr std::string_view kQueryFiles = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
q AS (SELECT CASE WHEN $1::text IS NULL THEN NULL
                  ELSE websearch_to_tsquery('english', $1) END AS tsq,
             CASE WHEN $1::text IS NULL THEN NULL
                  ELSE '%' || replace(replace(replace($1, '\', '\\'), '%', '\%'), '_', '\_') || '%'
             END AS pattern),
hits AS (
    SELECT f.path, f.size_bytes, f.mtime_ns, f.content_hash, f.kind, f.language, f.line_count,
           f.summary, f.changed_at,
           round((CASE WHEN q.pattern IS NULL THEN 0
                       ELSE ts_rank_cd(f.search, q.tsq)
                            + CASE WHEN f.path ILIKE q.pattern THEN 1 ELSE 0 END END)::numeric,
                 6) AS score
    FROM mnemo.files f, q
    WHERE f.project_id = (SELECT id FROM pid)
      AND (q.pattern IS NULL OR f.search @@ q.tsq OR f.path ILIKE q.pattern)
      AND ($2::text IS NULL OR f.language = $2 OR f.kind = $2)
      AND ($3::text IS NULL OR starts_with(f.path, $3))
      AND ($4::timestamptz IS NULL OR f.changed_at >= $4)),
page AS (
    SELECT * FROM hits
    WHERE $6::numeric IS NULL OR score < $6::numeric OR (score = $6::numeric AND path > $7)
    ORDER BY score DESC, path
    LIMIT $5::int)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'files', (SELECT coalesce(json_agg(json_build_object(
        'path', path, 'size', size_bytes,
        'mtime', to_char(to_timestamp(mtime_ns / 1e9) AT TIME ZONE 'UTC',
                         'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'hash', content_hash, 'kind', kind, 'language', language, 'lines', line_count,
        'summary', summary, 'changed_at', changed_at, 'score', score)
        ORDER BY score DESC, path), '[]') FROM page),
    'total', (SELECT count(*) FROM hits),
    'deleted', CASE WHEN $4::timestamptz IS NULL THEN NULL ELSE (
        SELECT coalesce(json_agg(json_build_object('path', x.path, 'deleted_at', x.changed_at)
                                 ORDER BY x.changed_at DESC, x.path), '[]')
        FROM (SELECT d.path, d.changed_at
              FROM (SELECT DISTINCT ON (c.path) c.path, c.changed_at, c.change
                    FROM mnemo.file_changes c
                    WHERE c.project_id = (SELECT id FROM pid)
                      AND c.changed_at >= $4::timestamptz
                      AND ($3::text IS NULL OR starts_with(c.path, $3))
                    ORDER BY c.path, c.change_id DESC) d
              WHERE d.change = 'deleted'
              ORDER BY d.changed_at DESC, d.path
              LIMIT 100) x) END) END)sql";

}  // namespace mnemo::memory::sql

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
                                  language, line_count, summary)
    SELECT pid.id, i.path, i.size_bytes, i.mtime_ns, i.content_hash, i.kind,
           coalesce(i.language, ''), i.line_count, coalesce(i.summary, '')
    FROM input i, pid WHERE pid.id IS NOT NULL
    ON CONFLICT (project_id, path) DO UPDATE SET
        size_bytes = excluded.size_bytes, mtime_ns = excluded.mtime_ns,
        content_hash = excluded.content_hash, kind = excluded.kind,
        language = excluded.language, line_count = excluded.line_count,
        summary = excluded.summary, indexed_at = now(),
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

/// query_files, with the search engine of search_contexts over paths (weight A), languages (B)
/// and summaries (C): $1 strict tsquery text (NULL = every file, listed by path), $2 any-term
/// tsquery text, $3 each term's tsquery text (text[]), $4 type (language or kind; NULL = any),
/// $5 path prefix (NULL = any), $6 changed_since (timestamptz; NULL = any time), $7 rows to
/// return (one more than shown: is there a next page?), $8/$9 the cursor: the last shown row's
/// score and path (NULL = the first page). Files matching every item score 1 more than files
/// matching some; then the share of items matched, then ts_rank_cd. Best score first, then by
/// path. `total` stops counting at 10 000. NULL when the project does not exist, else JSON
/// {files, total, deleted (paths deleted since $6, first 100)}.
inline constexpr std::string_view kQueryFiles = R"sql(
WITH pid AS (SELECT mnemo.current_project_id() AS id),
q AS (SELECT nullif(mnemo.fold($1), '')::tsquery AS strict,
             nullif(mnemo.fold($2), '')::tsquery AS anyq,
             mnemo.keyed_query((SELECT id FROM pid), nullif(mnemo.fold($2), '')) AS kany,
             (SELECT coalesce(array_agg(mnemo.fold(u)::tsquery), '{}') FROM unnest($3::text[]) u)
                 AS terms),
-- files_doc holds project-keyed lexemes (sql/009_search_speed.sql); the rows found are then
-- tested against the query itself.
matched AS (
    SELECT f.*
    FROM mnemo.files f
    WHERE $1::text IS NOT NULL AND f.project_id = (SELECT id FROM pid)
      AND mnemo.keyed_doc(f.project_id, f.search) @@ (SELECT kany FROM q)
      AND f.search @@ (SELECT anyq FROM q)
      AND ($4::text IS NULL OR f.language = $4 OR f.kind = $4)
      AND ($5::text IS NULL OR starts_with(f.path, $5))
      AND ($6::timestamptz IS NULL OR f.changed_at >= $6)
    LIMIT 10000),
hits AS (
    SELECT m.path, m.size_bytes, m.mtime_ns, m.content_hash, m.kind, m.language, m.line_count,
           m.summary, m.changed_at,
           round((CASE WHEN m.search @@ (SELECT strict FROM q) THEN 1 ELSE 0 END
                  + (SELECT count(*) FROM unnest((SELECT terms FROM q)) t WHERE m.search @@ t)::float8
                    / greatest(cardinality((SELECT terms FROM q)), 1)
                  + ts_rank_cd(m.search, (SELECT anyq FROM q), 32))::numeric, 6) AS score
    FROM matched m),
listed AS (
    SELECT f.path, f.size_bytes, f.mtime_ns, f.content_hash, f.kind, f.language, f.line_count,
           f.summary, f.changed_at, 0::numeric AS score
    FROM mnemo.files f
    WHERE $1::text IS NULL AND f.project_id = (SELECT id FROM pid)
      AND ($4::text IS NULL OR f.language = $4 OR f.kind = $4)
      AND ($5::text IS NULL OR starts_with(f.path, $5))
      AND ($6::timestamptz IS NULL OR f.changed_at >= $6)
      AND ($8::numeric IS NULL OR f.path > $9)
    ORDER BY f.path
    LIMIT $7::int),
page AS (
    (SELECT * FROM hits
     WHERE $8::numeric IS NULL OR score < $8::numeric OR (score = $8::numeric AND path > $9)
     ORDER BY score DESC, path
     LIMIT $7::int)
    UNION ALL
    SELECT * FROM listed)
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE json_build_object(
    'files', (SELECT coalesce(json_agg(json_build_object(
        'path', path, 'size', size_bytes,
        'mtime', to_char(to_timestamp(mtime_ns / 1000000000) AT TIME ZONE 'UTC',
                         'YYYY-MM-DD"T"HH24:MI:SS') ||
                 CASE WHEN mtime_ns % 1000000000 = 0 THEN ''
                      ELSE '.' || rtrim(lpad((mtime_ns % 1000000000)::text, 9, '0'), '0') END ||
                 'Z',
        'hash', content_hash, 'kind', kind, 'language', language, 'lines', line_count,
        'summary', summary, 'changed_at', changed_at, 'score', score)
        ORDER BY score DESC, path), '[]') FROM page),
    'total', CASE WHEN $1::text IS NOT NULL THEN (SELECT count(*) FROM hits) ELSE (
        SELECT count(*) FROM (SELECT 1 FROM mnemo.files f
                              WHERE f.project_id = (SELECT id FROM pid)
                                AND ($4::text IS NULL OR f.language = $4 OR f.kind = $4)
                                AND ($5::text IS NULL OR starts_with(f.path, $5))
                                AND ($6::timestamptz IS NULL OR f.changed_at >= $6)
                              LIMIT 10000) n) END,
    'deleted', CASE WHEN $6::timestamptz IS NULL THEN NULL ELSE (
        SELECT coalesce(json_agg(json_build_object('path', x.path, 'deleted_at', x.changed_at)
                                 ORDER BY x.changed_at DESC, x.path), '[]')
        FROM (SELECT d.path, d.changed_at
              FROM (SELECT DISTINCT ON (c.path) c.path, c.changed_at, c.change
                    FROM mnemo.file_changes c
                    WHERE c.project_id = (SELECT id FROM pid)
                      AND c.changed_at >= $6::timestamptz
                      AND ($5::text IS NULL OR starts_with(c.path, $5))
                    ORDER BY c.path, c.change_id DESC) d
              WHERE d.change = 'deleted'
              ORDER BY d.changed_at DESC, d.path
              LIMIT 100) x) END) END)sql";

}  // namespace mnemo::memory::sql

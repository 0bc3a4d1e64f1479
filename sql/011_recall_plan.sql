-- 011: recall_context's statement is planned once per connection, as 010 did for search.
--
-- mnemo sends every statement unnamed (DESIGN.md decision 4), so PostgreSQL parsed and planned
-- recall_context's statement on each call. A PL/pgSQL function keeps its plan for the
-- backend's life: still one unnamed statement per call, nothing a pooler must keep. Isolation
-- is unchanged: SECURITY INVOKER (the default), the same row-level security and the same
-- `project_id = mnemo.current_project_id()` filters; EXECUTE is revoked from PUBLIC, so only
-- mnemo's own role, the owner, calls it. The body is the statement as it was
-- (memory/context_sql.hpp before 011); a generic plan suits it, since every parameter is an
-- equality on a primary key's columns. A change to it is a new migration.
CREATE FUNCTION mnemo.recall_context(wanted_topic text, wanted_version integer,
                                     preview_only boolean)
    RETURNS json
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan
    AS $fn$
BEGIN
    RETURN (
WITH pid AS (SELECT mnemo.current_project_id() AS id),
hit AS (
    SELECT c.* FROM mnemo.contexts c
    WHERE c.project_id = (SELECT id FROM pid) AND c.topic = wanted_topic
      AND c.version = coalesce(wanted_version,
          (SELECT t.latest_version FROM mnemo.topics t
           WHERE t.project_id = (SELECT id FROM pid) AND t.topic = wanted_topic)))
SELECT CASE WHEN (SELECT id FROM pid) IS NULL THEN NULL ELSE coalesce(
    (SELECT json_build_object(
        'found', true, 'topic', h.topic, 'version', h.version, 'priority', h.priority,
        'tags', h.tags, 'created_at', h.created_at, 'content_hash', h.content_hash,
        'size_bytes', h.size_bytes, 'archived_at', h.archived_at, 'preview', h.preview,
        'guard', CASE WHEN h.guard_pattern IS NOT NULL THEN json_build_object(
            'pattern', h.guard_pattern, 'decision', h.guard_decision) END,
        'content', CASE WHEN preview_only THEN NULL ELSE h.content END,
        'live_versions', (SELECT coalesce(json_agg(v.version ORDER BY v.version), '[]')
                          FROM mnemo.contexts v
                          WHERE v.project_id = h.project_id AND v.topic = h.topic
                            AND v.archived_at IS NULL))
     FROM hit h),
    json_build_object('found', false, 'archived_versions',
        (SELECT coalesce(json_agg(a.version ORDER BY a.version), '[]') FROM mnemo.contexts a
         WHERE a.project_id = (SELECT id FROM pid) AND a.topic = wanted_topic
           AND a.archived_at IS NOT NULL))) END);
END
$fn$;
REVOKE EXECUTE ON FUNCTION mnemo.recall_context(text, integer, boolean) FROM PUBLIC;

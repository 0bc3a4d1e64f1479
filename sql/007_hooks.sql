-- mnemo schema 007: what Claude Code hooks need (`mnemo hook EVENT`, POST /hooks/claude-code).
--   contexts.guard_pattern / guard_decision: a guard (lock_context's `guard`): a regular
--       expression (RE2 syntax, at most 1000 characters, checked by mnemo before it gets here)
--       matched against a Bash command or an edited file's path before the tool runs; a match
--       answers 'deny' or 'ask'. Only a topic's latest live version's guard is in force.
--   handovers.automatic: written by a hook from the conversation's transcript, not by sleep.
--   handovers.client_session: the client's conversation id (Claude Code's session_id), so a
--       conversation's PreCompact and SessionEnd update one automatic handover.
ALTER TABLE mnemo.contexts
    ADD COLUMN guard_pattern text CHECK (char_length(guard_pattern) BETWEEN 1 AND 1000),
    ADD COLUMN guard_decision text CHECK (guard_decision IN ('deny', 'ask')),
    ADD CONSTRAINT contexts_guard_whole
        CHECK ((guard_pattern IS NULL) = (guard_decision IS NULL));
-- PreToolUse reads a project's guards on every tool call: a small partial index.
CREATE INDEX contexts_guarded ON mnemo.contexts (project_id, topic, version)
    WHERE guard_pattern IS NOT NULL AND archived_at IS NULL;

ALTER TABLE mnemo.handovers
    ADD COLUMN automatic boolean NOT NULL DEFAULT false,
    ADD COLUMN client_session text NOT NULL DEFAULT ''
        CHECK (char_length(client_session) <= 200);
-- One automatic handover per conversation (updated in place by its later hooks).
CREATE UNIQUE INDEX handovers_automatic_session ON mnemo.handovers (project_id, client_session)
    WHERE automatic AND client_session <> '';

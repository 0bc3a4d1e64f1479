-- mnemo schema 004: what an HTTP session negotiated and chose besides its project, kept with
-- it so that every replica and restart serves it the same way.
--   client_capabilities: initialize's capabilities (may the server ask for sampling or
--                        elicitation?)
--   log_level:           the lowest notifications/message level the client asked for with
--                        logging/setLevel ('' = none)
ALTER TABLE mnemo.http_sessions
    ADD COLUMN client_capabilities jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN log_level text NOT NULL DEFAULT '';

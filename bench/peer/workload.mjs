// SPDX-License-Identifier: MIT
// The stored items, identical for both servers: item i's name and text in JavaScript, the same
// text as a SQL expression (for preloading mnemo), and the preloaders of both stores.
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";

/// The word that search looks for: in the text of every hundredth item (1 %), nowhere else
/// (not in any name, any other word, or the peer's entityType).
export const SEARCH_WORD = "zephyr";

const VOCABULARY = [
    "billing", "ledger", "queue", "cache", "gateway", "scheduler", "indexer", "mailer",
    "session", "upload", "invoice", "report", "search", "audit", "catalog", "checkout",
    "payment", "profile", "backup", "metrics", "tracing", "router", "parser", "renderer",
    "importer", "exporter", "webhook", "inventory", "pricing", "shipping", "refund", "coupon",
    "login", "signup", "archive", "thumbnail", "locale", "currency", "calendar", "reminder",
    "tenant", "quota", "sandbox", "firewall", "replica", "snapshot", "migration", "rollout",
    "feature", "budget",
];

/// The name of item i (a mnemo topic, a peer entity name).
export function itemName(i) {
    return `notes/item-${i}`;
}

/// The text of item i (mnemo content, the peer's one observation): about 120 bytes, words
/// varied by i, SEARCH_WORD in every hundredth.
export function itemText(i) {
    const word = (step) => VOCABULARY[(i * step) % VOCABULARY.length];
    return (
        `Decision ${i}: the ${word(7)} service keeps ${word(11)} data in ${word(13)} storage; ` +
        `check ${word(17)} and ${word(19)} before changing it.` +
        (i % 100 === 0 ? ` Related: ${SEARCH_WORD}.` : "")
    );
}

/// itemText(i) as SQL over an integer column `i` (the vocabulary bound as array `v`).
const TEXT_SQL = (() => {
    const word = (step) => `v[(i * ${step}) % ${VOCABULARY.length} + 1]`;
    return (
        `'Decision ' || i || ': the ' || ${word(7)} || ' service keeps ' || ${word(11)} || ` +
        `' data in ' || ${word(13)} || ' storage; check ' || ${word(17)} || ' and ' || ` +
        `${word(19)} || ' before changing it.' || ` +
        `CASE WHEN i % 100 = 0 THEN ' Related: ${SEARCH_WORD}.' ELSE '' END`
    );
})();
const VOCABULARY_SQL = `ARRAY[${VOCABULARY.map((w) => `'${w}'`).join(", ")}]::text[]`;

/// The columns lock_context computes from topic, content and tags (server/src/memory/
/// context_sql.hpp, kLockContext), as SQL over columns `topic` and `content`, tags empty and
/// priority 'reference' (what the benchmark's lock_context calls pass).
const DERIVED_SQL = `left(content, 500) AS preview, 'reference' AS priority, '{}'::text[] AS tags,
    encode(sha256(convert_to(content, 'UTF8')), 'hex') AS content_hash,
    octet_length(content) AS size_bytes,
    mnemo.context_search(topic, '{}'::text[], content) AS search`;

/// mnemo's row-level-security token for a local-owner project: hex(HMAC-SHA256(secret,
/// name)) (server/src/memory/tenant_keys.cpp, TenantKeys::TokenFor).
export function tenantToken(secret, project) {
    return createHmac("sha256", secret).update(project, "utf8").digest("hex");
}

/// Runs a SQL script with psql (stops at the first error); returns its unaligned output.
export function runSql(dsn, script) {
    return execFileSync("psql", [dsn, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"], {
        input: script,
        encoding: "utf8",
        env: { ...process.env, PGCONNECT_TIMEOUT: "10" },
        stdio: ["pipe", "pipe", "pipe"],
        maxBuffer: 64 << 20,
    });
}

/// A transaction that runs `body` as mnemo's store does: mnemo.tenant set to the project's
/// token, so row-level security applies exactly as for the server's own statements.
function asTenant(token, body) {
    return `BEGIN;\nSELECT set_config('mnemo.tenant', '${token}', true) \\g /dev/null\n${body}\nCOMMIT;\n`;
}

/// Inserts items first..last into mnemo's tables, in chunks, as lock_context would have
/// stored them (version 1, priority 'reference', no tags); then VACUUM ANALYZE, as autovacuum
/// would do to a table that had stayed at this size. `dsn` connects as mnemo's role.
export function preloadMnemo(dsn, token, first, last, chunk = 100_000) {
    for (let from = first; from <= last; from += chunk) {
        const to = Math.min(last, from + chunk - 1);
        runSql(dsn, asTenant(token, `
INSERT INTO mnemo.topics (project_id, topic, last_version, latest_version, latest_priority,
                          latest_at)
SELECT (SELECT mnemo.current_project_id()), 'notes/item-' || i, 1, 1, 'reference', now()
FROM generate_series(${from}, ${to}) AS i;
INSERT INTO mnemo.contexts (project_id, topic, version, content, preview, priority, tags,
                            content_hash, size_bytes)
SELECT (SELECT mnemo.current_project_id()), topic, 1, content, preview, priority, tags,
       content_hash, size_bytes
FROM (SELECT topic, content, ${DERIVED_SQL}
      FROM (SELECT 'notes/item-' || i AS topic, ${TEXT_SQL} AS content
            FROM generate_series(${from}, ${to}) AS i, (SELECT ${VOCABULARY_SQL} AS v) w) t) d;`));
    }
    runSql(dsn, "VACUUM ANALYZE mnemo.topics;\nVACUUM ANALYZE mnemo.contexts;\n");
}

/// Checks that the preload's expressions reproduce, column for column, the row lock_context
/// stored for item `i` through mnemo, and that the JavaScript and SQL texts agree. Returns a
/// list of problems (empty when all is well).
export function checkPreloadMatchesServer(dsn, token, i) {
    const out = runSql(dsn, asTenant(token, `
SELECT json_build_object(
    'content', c.content = d.expected, 'preview', c.preview = d.preview,
    'priority', c.priority = d.priority, 'tags', c.tags = d.tags,
    'content_hash', c.content_hash = d.content_hash, 'size_bytes', c.size_bytes = d.size_bytes,
    'search', c.search = d.search, 'version', c.version = 1)
FROM mnemo.contexts c,
     LATERAL (SELECT expected, ${DERIVED_SQL}
              FROM (SELECT c.topic AS topic, ${TEXT_SQL} AS expected, c.content AS content
                    FROM (SELECT ${i} AS i, ${VOCABULARY_SQL} AS v) w) t) d
WHERE c.topic = '${itemName(i)}';`));
    const lines = out.split("\n").filter((line) => line.startsWith("{"));
    if (lines.length !== 1) return [`no row for ${itemName(i)} (${out.trim()})`];
    const checks = JSON.parse(lines[0]);
    return Object.entries(checks)
        .filter(([, same]) => same !== true)
        .map(([column]) => `column ${column} differs from what lock_context stored`);
}

/// Deletes the topics the benchmark's writes created (names starting with `prefix`) and their
/// contexts, so that the next size starts with preloaded items only.
export function deleteMnemoTopics(dsn, token, prefix) {
    runSql(dsn, asTenant(token, `DELETE FROM mnemo.topics WHERE topic LIKE '${prefix}%';`));
}

/// Writes the peer's memory file with items 1..count, in the format its saveGraph writes
/// (one JSON object per line, "\n" between lines, none after the last).
export function writePeerFile(path, count) {
    const lines = new Array(count);
    for (let i = 1; i <= count; ++i) {
        lines[i - 1] = JSON.stringify({
            type: "entity",
            name: itemName(i),
            entityType: "note",
            observations: [itemText(i)],
        });
    }
    writeFileSync(path, lines.join("\n"));
}

// SPDX-License-Identifier: MIT
// Project isolation and the read-only query_database tool, through the SDK client.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { callError, callOk, createTestDatabase, startServer, uniqueProject } from "./harness.mjs";

describe("project isolation", () => {
    const projectA = uniqueProject("iso-a");
    const projectB = uniqueProject("iso-b");
    const secretWord = `zebracorn${Date.now()}`;
    let db;
    let server;
    let client;

    before(async () => {
        db = createTestDatabase();
        server = await startServer(db);
        client = server.client;
        await callOk(client, "create_project", { name: projectA });
        await callOk(client, "create_project", { name: projectB });
        for (const n of [1, 2, 3]) {
            await callOk(client, "lock_context", {
                project: projectA,
                topic: `secret/a${n}`,
                content: `Project A secret ${n}: ${secretWord}`,
                tags: ["secret"],
            });
        }
        await callOk(client, "lock_context", {
            project: projectB,
            topic: "public/b1",
            content: "Project B's only context.",
        });
        await callOk(client, "sleep", { project: projectA, summary: `A handover ${secretWord}` });
    });

    after(async () => {
        await server?.client.close();
        db?.drop();
    });

    it("caller SQL runs as a restricted role that row-level security binds", async () => {
        const role = await callOk(client, "query_database", {
            project: projectB,
            sql:
                "SELECT current_user::text, rolsuper, rolbypassrls, " +
                `pg_has_role('${db.name}', 'USAGE') FROM pg_roles WHERE rolname = current_user`,
        });
        assert.equal(role.rows.length, 1);
        assert.match(role.rows[0][0], new RegExp(`^${db.name}_query_[0-9]+$`));
        assert.deepEqual(role.rows[0].slice(1), [false, false, false]);
    });

    it("project A sees its own three contexts (the isolation checks are not vacuous)", async () => {
        const found = await callOk(client, "search_contexts", {
            project: projectA,
            query: secretWord,
        });
        assert.equal(found.results.length, 3);
        const counted = await callOk(client, "query_database", {
            project: projectA,
            sql: "SELECT count(*) FROM mnemo.contexts",
        });
        assert.deepEqual(counted.rows, [[3]]);
    });

    it("recall_context from project B does not see A's topic", async () => {
        const message = await callError(client, "recall_context", {
            project: projectB,
            topic: "secret/a1",
        });
        assert.match(message, /no context 'secret\/a1'/);
        assert.ok(!message.includes(secretWord));
    });

    it("search_contexts from project B does not find A's contexts", async () => {
        const byWord = await callOk(client, "search_contexts", {
            project: projectB,
            query: secretWord,
        });
        assert.deepEqual(byWord.results, []);
        const byTopic = await callOk(client, "search_contexts", {
            project: projectB,
            query: "secret",
        });
        assert.deepEqual(byTopic.results, []);
    });

    it("query_database from project B counts only B's rows", async () => {
        const contexts = await callOk(client, "query_database", {
            project: projectB,
            sql: "SELECT count(*) FROM mnemo.contexts",
        });
        assert.deepEqual(contexts.columns, ["count"]);
        assert.deepEqual(contexts.rows, [[1]]);
        assert.deepEqual(contexts.column_types, ["bigint"]);
        const topics = await callOk(client, "query_database", {
            project: projectB,
            sql: "SELECT topic FROM mnemo.contexts ORDER BY topic",
        });
        assert.deepEqual(topics.rows, [["public/b1"]]);
        const projects = await callOk(client, "query_database", {
            project: projectB,
            sql: "SELECT name FROM mnemo.projects",
        });
        assert.deepEqual(projects.rows, [[projectB]]);
        const handovers = await callOk(client, "query_database", {
            project: projectB,
            sql: "SELECT count(*) FROM mnemo.handovers",
        });
        assert.deepEqual(handovers.rows, [[0]]);
    });

    it("query_database cannot forge the tenant setting to see A's rows", async () => {
        const forgeries = [
            "SELECT set_config('mnemo.tenant', 'forged', true), count(*) FROM mnemo.contexts",
            `SELECT set_config('mnemo.tenant', '${projectA}', true), count(*) FROM mnemo.contexts`,
            "WITH f AS MATERIALIZED (SELECT set_config('mnemo.tenant', 'forged', false) AS t) " +
                "SELECT (SELECT t FROM f), (SELECT count(*) FROM mnemo.contexts)",
        ];
        for (const sql of forgeries) {
            const result = await client.callTool({
                name: "query_database",
                arguments: { project: projectB, sql },
            });
            const text = result.content[0].text;
            assert.ok(!text.includes(secretWord), `${sql} leaked A's content`);
            if (result.isError) continue; // refusing is fine too
            const [row] = result.structuredContent.rows;
            const count = Number(row[1]);
            assert.ok(
                count === 0 || count === 1,
                `${sql} counted ${count} rows (A has 3, B has 1)`,
            );
        }
        // The forged settings did not stick to a pooled connection.
        const after = await callOk(client, "query_database", {
            project: projectB,
            sql: "SELECT count(*) FROM mnemo.contexts",
        });
        assert.deepEqual(after.rows, [[1]]);
    });

    it("query_database cannot read A's contents through the rows of the topics table", async () => {
        const result = await callOk(client, "query_database", {
            project: projectB,
            sql: "SELECT topic FROM mnemo.topics ORDER BY topic",
        });
        assert.deepEqual(result.rows, [["public/b1"]]);
    });
});

describe("query_database", () => {
    const project = uniqueProject("query");
    const topic = "notes/created-at";
    const content = "Query tests read this row.";
    let db;
    let server;
    let client;

    before(async () => {
        db = createTestDatabase();
        server = await startServer(db);
        client = server.client;
        await callOk(client, "create_project", { name: project });
        await callOk(client, "lock_context", { project, topic, content });
    });

    after(async () => {
        await server?.client.close();
        db?.drop();
    });

    it("reads a column named created_at", async () => {
        const result = await callOk(client, "query_database", {
            project,
            sql: "SELECT topic, created_at FROM mnemo.contexts",
        });
        assert.deepEqual(result.columns, ["topic", "created_at"]);
        assert.equal(result.row_count, 1);
        assert.equal(result.truncated, false);
        assert.equal(result.rows[0][0], topic);
        assert.ok(!Number.isNaN(Date.parse(result.rows[0][1])), `created_at: ${result.rows[0][1]}`);
    });

    it("binds parameters", async () => {
        const result = await callOk(client, "query_database", {
            project,
            sql: "SELECT $1::int + 1 AS answer, $2::text AS word, $3::text IS NULL AS missing",
            params: [41, "hello", null],
        });
        assert.deepEqual(result.columns, ["answer", "word", "missing"]);
        assert.deepEqual(result.rows, [[42, "hello", true]]);
        assert.deepEqual(result.column_types, ["integer", "text", "boolean"]);
    });

    it("stops at the row limit and says it truncated", async () => {
        const result = await callOk(client, "query_database", {
            project,
            sql: "SELECT g FROM generate_series(1, 10) g",
            limit: 3,
        });
        assert.deepEqual(result.rows, [[1], [2], [3]]);
        assert.equal(result.row_count, 3);
        assert.equal(result.truncated, true);
    });

    it("refuses a DELETE hidden in a WITH clause", async () => {
        await callError(client, "query_database", {
            project,
            sql: "WITH d AS (DELETE FROM mnemo.contexts RETURNING 1) SELECT * FROM d",
        });
    });

    it("refuses a plain DELETE and a second statement", async () => {
        await callError(client, "query_database", { project, sql: "DELETE FROM mnemo.contexts" });
        await callError(client, "query_database", {
            project,
            sql: "SELECT 1; DELETE FROM mnemo.contexts",
        });
    });

    it("refuses nextval() and setval() and leaves the sequence alone", async () => {
        // Caller SQL may not even read the sequence; the next project gets the next id.
        const sequence = "SELECT last_value, is_called FROM mnemo.projects_project_id_seq";
        await callError(client, "query_database", { project, sql: sequence });
        const ids = "SELECT project_id FROM mnemo.projects";
        const before = await callOk(client, "query_database", { project, sql: ids });
        await callError(client, "query_database", {
            project,
            sql: "SELECT nextval('mnemo.projects_project_id_seq')",
        });
        await callError(client, "query_database", {
            project,
            sql: "SELECT setval('mnemo.projects_project_id_seq', 1000)",
        });
        const other = uniqueProject("seq");
        await callOk(client, "create_project", { name: other });
        const next = await callOk(client, "query_database", { project: other, sql: ids });
        assert.equal(Number(next.rows[0][0]), Number(before.rows[0][0]) + 1);
    });

    it("deleted nothing: the context is still there", async () => {
        const recalled = await callOk(client, "recall_context", { project, topic });
        assert.equal(recalled.version, 1);
        assert.equal(recalled.content, content);
        const counted = await callOk(client, "query_database", {
            project,
            sql: "SELECT count(*) FROM mnemo.contexts",
        });
        assert.deepEqual(counted.rows, [[1]]);
    });

    it("a project that does not exist is an error, as in every other tool", async () => {
        // tool_support.hpp: "a missing explicit project is an error that lists the projects".
        const missing = uniqueProject("missing");
        const message = await callError(client, "query_database", {
            project: missing,
            sql: "SELECT count(*) FROM mnemo.contexts",
        });
        assert.match(message, new RegExp(`project '${missing}' does not exist`));
    });

    it("reports SQL errors as tool errors, not protocol errors", async () => {
        const message = await callError(client, "query_database", {
            project,
            sql: "SELECT * FROM mnemo.no_such_table",
        });
        assert.match(message, /no_such_table/);
    });
});

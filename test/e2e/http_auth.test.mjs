// SPDX-License-Identifier: MIT
// The auth matrix over HTTP: no token, bad token, revoked token, read-only token writing,
// user B using user A's session or project, and MNEMO_AUTH=none's loopback-only rule.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";

import {
    callError,
    callOk,
    createTestDatabase,
    mnemoBinary,
    serverEnv,
    uniqueProject,
} from "./harness.mjs";
import {
    connectHttp,
    createToken,
    freePort,
    postHeaders,
    rawCall,
    rawInitialize,
    rawPost,
    startHttpServer,
    tokenCommand,
} from "./http_harness.mjs";

const PING = { jsonrpc: "2.0", id: 1, method: "ping" };

describe("HTTP authentication and user isolation", () => {
    let db;
    let server;
    let alice;
    let bob;

    before(async () => {
        db = createTestDatabase();
        alice = createToken(db, "alice");
        bob = createToken(db, "bob");
        server = await startHttpServer(db);
    });

    after(async () => {
        await server?.stop("SIGTERM");
        db?.drop();
    });

    it("no token → 401 pointing at the protected-resource metadata", async () => {
        const reply = await rawPost(server.url, PING, postHeaders(undefined));
        assert.equal(reply.status, 401);
        const challenge = reply.headers.get("www-authenticate");
        assert.match(
            challenge,
            new RegExp(`^Bearer resource_metadata="${server.base}/\\.well-known/oauth-protected-resource/mcp"`),
        );
    });

    it("a wrong or malformed token → 401 invalid_token, before any session lookup", async () => {
        const wrong = await rawPost(server.url, PING, postHeaders(`mnemo_${"0".repeat(64)}`, "x"));
        assert.equal(wrong.status, 401);
        assert.match(wrong.headers.get("www-authenticate"), /error="invalid_token"/);
        const malformed = await rawPost(server.url, PING, {
            ...postHeaders(undefined),
            Authorization: "Basic dXNlcjpwYXNz",
        });
        assert.equal(malformed.status, 401);
    });

    it("a revoked token stops working on its next request", async () => {
        const token = createToken(db, "dave");
        const sessionId = await rawInitialize(server.url, token);
        const before = await rawPost(server.url, PING, postHeaders(token, sessionId));
        assert.equal(before.status, 200);
        const listed = tokenCommand(db, "list");
        assert.equal(listed.code, 0);
        assert.ok(!listed.stdout.includes(token), "token list never shows a token");
        const rows = listed.stdout.split("\n");
        const line = rows.find((row) => row.includes(token.slice(0, 14)));
        // Columns line up under their headings, in characters ("…" is one, three bytes).
        for (const heading of ["PREFIX", "CREATED", "LABEL"]) {
            const column = [...rows[0]].join("").indexOf(heading);
            assert.equal([...line].slice(column - 1, column).join(""), " ", `${heading} column:\n${rows[0]}\n${line}`);
            assert.notEqual([...line][column], " ", `${heading} column:\n${rows[0]}\n${line}`);
        }
        const id = line.trim().split(/\s+/)[0];
        assert.equal(tokenCommand(db, "revoke", id).code, 0);
        const after = await rawPost(server.url, PING, postHeaders(token, sessionId));
        assert.equal(after.status, 401);
        assert.equal(tokenCommand(db, "revoke", "999999").code, 1);
    });

    it("a read-only token reads but gets 403 insufficient_scope for writing tools", async () => {
        const writer = await connectHttp(server.url, alice);
        const project = uniqueProject("scoped");
        await callOk(writer.client, "create_project", { name: project });
        await callOk(writer.client, "lock_context", { project, topic: "t", content: "alice's" });

        const reader = createToken(db, "alice", "read");
        const sessionId = await rawInitialize(server.url, reader);
        const read = await rawCall(server.url, reader, sessionId, "recall_context", {
            project,
            topic: "t",
        });
        assert.equal(read.status, 200);
        assert.equal(read.json.result.structuredContent.content, "alice's");
        const select = await rawCall(server.url, reader, sessionId, "select_project", {
            name: project,
        });
        assert.equal(select.status, 200);
        const write = await rawCall(server.url, reader, sessionId, "lock_context", {
            project,
            topic: "t",
            content: "overwritten?",
        });
        assert.equal(write.status, 403);
        assert.match(write.headers.get("www-authenticate"), /error="insufficient_scope", scope="write"/);
        const still = await callOk(writer.client, "recall_context", { project, topic: "t" });
        assert.equal(still.content, "alice's");
        assert.equal(still.version, 1);
        await writer.client.close();
    });

    it("user B cannot use A's session, see A's projects or read A's data", async () => {
        const a = await connectHttp(server.url, alice);
        const project = uniqueProject("private");
        await callOk(a.client, "create_project", { name: project });
        await callOk(a.client, "lock_context", { project, topic: "secret", content: "alice only" });

        const stolen = await rawPost(server.url, PING, postHeaders(bob, a.transport.sessionId));
        assert.equal(stolen.status, 404, "another user's session id is unknown to B");

        const b = await connectHttp(server.url, bob);
        const listed = await callOk(b.client, "list_projects", {});
        assert.ok(!listed.projects.some((p) => p.name === project), "B does not list A's project");
        const missing = await callError(b.client, "recall_context", { project, topic: "secret" });
        assert.match(missing, /does not exist/);
        const deleteA = await callError(b.client, "delete_project", { name: project, confirm: true });
        assert.match(deleteA, /does not exist/);

        // B may own a project of the same name: a different project.
        await callOk(b.client, "create_project", { name: project });
        const empty = await callError(b.client, "recall_context", { project, topic: "secret" });
        assert.match(empty, /no live context|not found|No context/i);

        // Raw SQL sees neither A's rows nor the server's tables.
        const rows = await callOk(b.client, "query_database", {
            project,
            sql:
                "SELECT (SELECT count(*) FROM mnemo.contexts) AS contexts, " +
                "(SELECT count(*) FROM mnemo.projects) AS projects",
        });
        assert.deepEqual(rows.columns, ["contexts", "projects"]);
        assert.deepEqual(rows.rows[0], [0, 1]);
        // The server's tables are not even readable by caller SQL's roles.
        for (const table of ["http_sessions", "api_tokens", "users", "owner_keys"]) {
            const refused = await callError(b.client, "query_database", {
                project,
                sql: `SELECT count(*) FROM mnemo.${table}`,
            });
            assert.match(refused, /permission denied/);
        }

        const stillThere = await callOk(a.client, "recall_context", { project, topic: "secret" });
        assert.equal(stillThere.content, "alice only");
        await a.client.close();
        await b.client.close();
    });

    it("user B's SQL cannot end, cancel or read user A's running call (issue 15)", async () => {
        const a = await connectHttp(server.url, alice);
        const b = await connectHttp(server.url, bob);
        const mine = uniqueProject("slow");
        const theirs = uniqueProject("killer");
        await callOk(a.client, "create_project", { name: mine });
        await callOk(b.client, "create_project", { name: theirs });
        const slow = callOk(a.client, "query_database", {
            project: mine,
            sql: "SELECT 'alice-marker' AS mark, pg_sleep(1.5)",
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        const others = "FROM pg_stat_activity WHERE pid <> pg_backend_pid()";
        for (const sql of [
            `SELECT pg_terminate_backend(pid) ${others}`,
            `SELECT pg_cancel_backend(pid) ${others}`,
        ]) {
            const refused = await callError(b.client, "query_database", { project: theirs, sql });
            assert.match(refused, /permission denied|must be a superuser/, sql);
        }
        const texts = await callOk(b.client, "query_database", {
            project: theirs,
            sql: `SELECT coalesce(query, '') ${others}`,
        });
        assert.ok(!JSON.stringify(texts.rows).includes("alice-marker"), JSON.stringify(texts.rows));
        const done = await slow;
        assert.deepEqual(done.rows, [["alice-marker", ""]]);
        await a.client.close();
        await b.client.close();
    });

    it("MNEMO_AUTH=none serves loopback without tokens, and refuses other addresses", async () => {
        const open = await startHttpServer(db, { env: { MNEMO_AUTH: "none" } });
        try {
            const { client } = await connectHttp(open.url, undefined);
            const listed = await callOk(client, "list_projects", {});
            assert.ok(Array.isArray(listed.projects));
            await client.close();
            const metadata = await fetch(`${open.base}/.well-known/oauth-protected-resource/mcp`);
            assert.equal(metadata.status, 404, "no OAuth metadata without tokens");
        } finally {
            await open.stop("SIGTERM");
        }
        const port = await freePort();
        let failure;
        try {
            execFileSync(mnemoBinary(), ["serve", "--http", `0.0.0.0:${port}`], {
                env: serverEnv(db, { MNEMO_AUTH: "none" }),
                stdio: ["ignore", "ignore", "pipe"],
                timeout: 10000,
            });
        } catch (error) {
            failure = error;
        }
        assert.equal(failure?.status, 2);
        assert.match(failure.stderr.toString(), /MNEMO_AUTH=none is only allowed .*loopback/);
    });
});

describe("token guessing is rate limited per client address", () => {
    let db;
    let server;
    let token;

    before(async () => {
        db = createTestDatabase();
        token = createToken(db, "carol");
        server = await startHttpServer(db, {
            env: { MNEMO_AUTH_MAX_FAILURES: "3", MNEMO_AUTH_FAILURE_WINDOW_S: "2" },
        });
    });

    after(async () => {
        await server?.stop("SIGTERM");
        db?.drop();
    });

    it("after N failed tokens every request gets 429 with Retry-After until the window ends", async () => {
        // A request without a token is metadata discovery, not a guess: it does not count.
        for (let i = 0; i < 5; ++i) {
            assert.equal((await rawPost(server.url, PING, postHeaders(undefined))).status, 401);
        }
        assert.equal((await rawInitialize(server.url, token)).length, 64, "not limited yet");
        const guess = postHeaders(`mnemo_${"1".repeat(64)}`, "x");
        for (let i = 0; i < 3; ++i) {
            const reply = await rawPost(server.url, PING, guess);
            assert.equal(reply.status, 401, `guess ${i + 1}`);
        }
        const started = Date.now();
        for (const headers of [guess, postHeaders(token), postHeaders("not a token")]) {
            const limited = await rawPost(server.url, PING, headers);
            assert.equal(limited.status, 429, limited.text);
            const retry = Number(limited.headers.get("retry-after"));
            assert.ok(retry >= 1 && retry <= 2, `Retry-After ${retry}`);
            assert.match(limited.json.error.message, /too many failed token attempts/);
        }
        assert.ok(Date.now() - started < 1000, "refused at once");
        // The window ends: the valid token works again.
        await new Promise((resolve) => setTimeout(resolve, 2100));
        assert.equal((await rawInitialize(server.url, token)).length, 64);
    });

    it("one allowance per client for the whole server: /mcp, /hooks and /ui guesses count together", async () => {
        const base = new URL(server.url).origin;
        const wrong = `mnemo_${"2".repeat(64)}`;
        const json = { "content-type": "application/json" };
        const uiSession = (value) =>
            fetch(`${base}/ui/api/session`, { headers: { cookie: `mnemo_ui=${value}` } });
        const uiLogin = (value) =>
            fetch(`${base}/ui/api/login`, {
                method: "POST",
                headers: json,
                body: JSON.stringify({ token: value }),
            });
        const hook = (value) =>
            fetch(`${base}/hooks/claude-code`, {
                method: "POST",
                headers: { ...json, authorization: `Bearer ${value}` },
                body: JSON.stringify({
                    hook_event_name: "UserPromptSubmit",
                    session_id: "s",
                    cwd: "/tmp/x",
                    prompt: "hi",
                }),
            });
        // One wrong token at each route: three failures, the limit.
        assert.equal((await uiSession(wrong)).status, 401);
        assert.equal((await hook(wrong)).status, 401);
        assert.equal((await rawPost(server.url, PING, postHeaders(wrong, "x"))).status, 401);
        // Now every route refuses this client, the valid token too, before looking at it.
        for (const [name, reply] of [
            ["/ui login", await uiLogin(token)],
            ["/ui session", await uiSession(token)],
            ["/hooks", await hook(token)],
            ["/mcp", await rawPost(server.url, PING, postHeaders(token))],
        ]) {
            assert.equal(reply.status, 429, name);
            const retry = Number(reply.headers.get("retry-after"));
            assert.ok(retry >= 1 && retry <= 2, `${name}: Retry-After ${retry}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2100));
        const login = await uiLogin(token);
        assert.equal(login.status, 200, await login.text());
    });
});

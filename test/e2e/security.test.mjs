// SPDX-License-Identifier: MIT
// Security: SQL injection through every string argument of every tool, deeply nested and
// oversized JSON, invalid UTF-8, HTTP request smuggling and strict framing, early error
// responses that reach clients which send everything first (lingering close), and cross-user
// access through every tool (and resource, when offered).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

import {
    callError,
    callOk,
    createTestDatabase,
    mnemoBinary,
    RawServer,
    serverEnv,
    startServer,
    uniqueProject,
} from "./harness.mjs";
import { connectHttp, createToken, postHeaders, rawInitialize, rawPost, startHttpServer } from "./http_harness.mjs";
import {
    INJECTIONS,
    nodeHttpPost,
    rawExchange,
    rawRequest,
    readEarlyClient,
    sendAllThenRead,
    superuserQuery,
    tableCounts,
} from "./security_support.mjs";

const NESTED = `${"[".repeat(100000)}${"]".repeat(100000)}`;

/// A tools/call whose arguments hold `depth` nested arrays.
function deepCall(depth, id = 7) {
    return `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"lock_context","arguments":{"topic":"deep","content":${"[".repeat(depth)}${"]".repeat(depth)}}}}`;
}

/// Arguments that make each tool do its work on `project` without destroying anything.
function baseArguments(project) {
    return {
        list_projects: {},
        create_project: { name: `${project}-x`, description: "d" },
        select_project: { name: project },
        delete_project: { name: "no-such-project-here", confirm: true },
        wake_up: { project },
        sleep: { project, summary: "s", notes: "n", completed: ["c"], pending: ["p"] },
        get_last_handover: { project },
        lock_context: { project, topic: "inj/topic", content: "c", tags: ["t"] },
        recall_context: { project, topic: "victim" },
        unlock_context: { project, topic: "no-such-topic" },
        search_contexts: { project, query: "victim", tags: ["t"] },
        explore_context_tree: { project, prefix: "v" },
        check_contexts: { project, text: "deploy now" },
        memory_status: { project },
        query_database: { project, sql: "SELECT 1" },
    };
}

/// The string-valued arguments of a tool schema: [name, isArray].
function stringArguments(schema) {
    const found = [];
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if (property.type === "string") found.push([name, false]);
        if (property.type === "array" && property.items?.type === "string") found.push([name, true]);
    }
    return found;
}

describe("SQL injection through every string argument", () => {
    let db;
    let server;
    let project;

    before(async () => {
        db = createTestDatabase();
        server = await startServer(db);
        project = uniqueProject("inject");
        await callOk(server.client, "create_project", { name: project });
        await callOk(server.client, "lock_context", { project, topic: "victim", content: "must survive" });
    });

    after(async () => {
        await server?.client.close();
        db?.drop();
    });

    it("every string argument of every tool is data: no statement changes, tables intact", async () => {
        const before = tableCounts(db.name);
        const { tools } = await server.client.listTools();
        const base = baseArguments(project);
        let calls = 0;
        for (const tool of tools) {
            // query_database runs its `sql` by design (read-only; tested below).
            const targets = stringArguments(tool.inputSchema).filter(
                ([name]) => !(tool.name === "query_database" && name === "sql"),
            );
            for (const [name, isArray] of targets) {
                for (const payload of INJECTIONS) {
                    const args = { ...(base[tool.name] ?? {}), [name]: isArray ? [payload] : payload };
                    calls += 1;
                    try {
                        const result = await server.client.callTool({ name: tool.name, arguments: args });
                        assert.equal(result.content[0].type, "text", `${tool.name}.${name}`);
                    } catch (error) {
                        // A schema refusal (e.g. a project name pattern) is a clean -32602.
                        assert.equal(error.code, -32602, `${tool.name}.${name}: ${error.message}`);
                    }
                }
            }
        }
        assert.ok(calls >= 40, `only ${calls} injection calls`);
        const afterCounts = tableCounts(db.name);
        assert.deepEqual(Object.keys(afterCounts).sort(), Object.keys(before).sort(), "no table dropped");
        assert.ok(afterCounts["mnemo.projects"] >= before["mnemo.projects"], "no project deleted");
        const victim = await callOk(server.client, "recall_context", { project, topic: "victim" });
        assert.equal(victim.content, "must survive");
    });

    it("injected text round-trips exactly through lock/recall, sleep/handover and descriptions", async () => {
        for (const [i, payload] of INJECTIONS.entries()) {
            const topic = `inj/${i}/${payload}`.slice(0, 200);
            await callOk(server.client, "lock_context", { project, topic, content: payload, tags: [payload.slice(0, 60)] });
            const recalled = await callOk(server.client, "recall_context", { project, topic });
            assert.equal(recalled.topic, topic);
            assert.equal(recalled.content, payload);
            assert.deepEqual(recalled.tags, [payload.slice(0, 60)]);
        }
        await callOk(server.client, "sleep", {
            project,
            summary: INJECTIONS[0],
            notes: INJECTIONS[1],
            completed: [INJECTIONS[2]],
            pending: [INJECTIONS[3]],
        });
        const handover = await callOk(server.client, "get_last_handover", { project });
        const text = JSON.stringify(handover);
        for (const payload of INJECTIONS) assert.ok(text.includes(JSON.stringify(payload).slice(1, -1)), payload);
        const described = uniqueProject("desc");
        await callOk(server.client, "create_project", { name: described, description: INJECTIONS[0] });
        const listed = await callOk(server.client, "list_projects", {});
        assert.ok(JSON.stringify(listed).includes(JSON.stringify(INJECTIONS[0]).slice(1, -1)));
        const stored = superuserQuery(
            db.name,
            `SELECT count(*) FROM mnemo.contexts c JOIN mnemo.projects p USING (project_id) ` +
                `WHERE p.name = '${project}' AND c.topic = $q$inj/0/${INJECTIONS[0]}$q$ ` +
                `AND c.content = $q$${INJECTIONS[0]}$q$`,
        );
        assert.equal(stored, "1", "the payload is stored as written");
    });

    it("query_database cannot change the schema or data", async () => {
        const before = tableCounts(db.name);
        for (const [sql, keyword] of [["DROP TABLE mnemo.contexts", "DROP"], ["  delete FROM mnemo.contexts", "DELETE"], ["/* x */ UPDATE mnemo.topics SET topic = 'y'", "UPDATE"]]) {
            const message = await callError(server.client, "query_database", { project, sql });
            assert.match(message, new RegExp(`query_database runs read-only queries \\(SELECT, WITH … SELECT, VALUES, TABLE, SHOW, EXPLAIN\\), not ${keyword}$`), message);
        }
        // Queries that would still write meet READ ONLY; errors quote the caller's SQL.
        for (const sql of ["SELECT 1; DROP TABLE mnemo.topics", "WITH d AS (DELETE FROM mnemo.contexts RETURNING 1) SELECT * FROM d", "EXPLAIN ANALYZE DELETE FROM mnemo.contexts"]) {
            const message = await callError(server.client, "query_database", { project, sql });
            assert.doesNotMatch(message, /DECLARE|CURSOR|num_nulls/, message);
        }
        const typo = await callError(server.client, "query_database", { project, sql: "SELECT topic FROM mnemo.topics WHERE" });
        assert.match(typo, /syntax error at end of input\nLINE 1: SELECT topic FROM mnemo\.topics WHERE\n {44}\^/, typo);
        assert.deepEqual(tableCounts(db.name), before);
    });
});

describe("Malformed and hostile JSON", () => {
    let db;
    let http;

    before(async () => {
        db = createTestDatabase();
        http = await startHttpServer(db, { env: { MNEMO_AUTH: "none", MNEMO_MAX_BODY_BYTES: "1048576" } });
    });

    after(async () => {
        await http?.stop("SIGTERM");
        db?.drop();
    });

    it("stdio: 100 000 nested arrays get a -32700 nesting error and the server lives on", async () => {
        const raw = new RawServer(db);
        try {
            const deep = await raw.request(NESTED, 20000);
            assert.equal(deep.error.code, -32700);
            assert.match(deep.error.message, /nesting deeper than 64/);
            const inArguments = await raw.request(deepCall(100000), 20000);
            assert.equal(inArguments.error.code, -32700);
            const shallow = await raw.request(
                { jsonrpc: "2.0", id: 3, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "s", version: "1" } } },
            );
            assert.equal(shallow.id, 3);
            assert.ok(shallow.result);
            assert.equal((await raw.request({ jsonrpc: "2.0", id: 4, method: "ping" })).id, 4);
        } finally {
            await raw.close();
        }
    });

    it("HTTP: 100 000 nested arrays get 400 with -32700, then requests still work", async () => {
        const sessionId = await rawInitialize(http.url, undefined);
        for (const body of [NESTED, deepCall(100000)]) {
            const reply = await rawPost(http.url, body, postHeaders(undefined, sessionId));
            assert.equal(reply.status, 400, reply.text.slice(0, 200));
            assert.equal(reply.json.error.code, -32700);
            assert.match(reply.json.error.message, /nesting deeper than 64/);
        }
        const ping = await rawPost(http.url, { jsonrpc: "2.0", id: 9, method: "ping" }, postHeaders(undefined, sessionId));
        assert.equal(ping.status, 200);
    });

    it("HTTP: nesting within the limit is validated normally (-32602 or a tool error, not -32700)", async () => {
        const sessionId = await rawInitialize(http.url, undefined);
        const reply = await rawPost(http.url, deepCall(40), postHeaders(undefined, sessionId));
        assert.equal(reply.status, 200, reply.text.slice(0, 200));
        assert.notEqual(reply.json.error?.code, -32700);
        assert.ok(reply.json.error?.code === -32602 || reply.json.result?.isError === true, reply.text.slice(0, 300));
    });

    it("HTTP: a body over MNEMO_MAX_BODY_BYTES gets 413", async () => {
        const sessionId = await rawInitialize(http.url, undefined);
        const content = "x".repeat(2 << 20);
        const body = JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "lock_context", arguments: { topic: "big", content } } });
        const reply = await rawPost(http.url, body, postHeaders(undefined, sessionId));
        assert.equal(reply.status, 413);
        assert.match(reply.json.error.message, /too large/);
    });

    it("invalid UTF-8 is refused with a clear error over stdio and HTTP, and nothing is stored", async () => {
        const prefix = Buffer.from('{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"create_project","arguments":{"name":"utf8","description":"');
        const suffix = Buffer.from('"}}}');
        const body = Buffer.concat([prefix, Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), suffix]);

        const raw = new RawServer(db);
        try {
            raw.child.stdin.write(Buffer.concat([body, Buffer.from("\n")]));
            const reply = await raw.next(10000);
            assert.equal(reply.error?.code, -32700, JSON.stringify(reply));
            assert.match(reply.error.message, /UTF-8|utf-8/i);
            assert.equal((await raw.request({ jsonrpc: "2.0", id: 12, method: "ping" })).id, 12);
        } finally {
            await raw.close();
        }

        const sessionId = await rawInitialize(http.url, undefined);
        const reply = await fetch(http.url, { method: "POST", headers: postHeaders(undefined, sessionId), body });
        assert.equal(reply.status, 400);
        const json = await reply.json();
        assert.equal(json.error.code, -32700);
        assert.equal(superuserQuery(db.name, "SELECT count(*) FROM mnemo.projects WHERE name = 'utf8'"), "0");
    });
});

describe("HTTP request smuggling", () => {
    let db;
    let http;
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
    const common = [
        ["Host", "127.0.0.1"],
        ["Content-Type", "application/json"],
        ["Accept", "application/json, text/event-stream"],
    ];

    before(async () => {
        db = createTestDatabase();
        http = await startHttpServer(db, { env: { MNEMO_AUTH: "none" } });
    });

    after(async () => {
        await http?.stop("SIGTERM");
        db?.drop();
    });

    const cases = [
        ["two different Content-Length headers", [["Content-Length", body.length], ["Content-Length", 5]], body],
        [
            "Content-Length and chunked",
            [["Content-Length", 4], ["Transfer-Encoding", "chunked"]],
            `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
        ],
        [
            "chunked and Content-Length",
            [["Transfer-Encoding", "chunked"], ["Content-Length", 4]],
            `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
        ],
    ];
    for (const [label, headers, payload] of cases) {
        it(`${label} → 400 and the connection closed`, async () => {
            // A second request follows on the same connection: a smuggled one must not run.
            const smuggled = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
            const reply = await rawExchange(http.port, Buffer.concat([rawRequest([...common, ...headers], payload), Buffer.from(smuggled)]));
            assert.equal(reply.status, 400, reply.text.slice(0, 300));
            assert.match(reply.text, /Bad HTTP request/, "refused by the HTTP parser");
            assert.equal(reply.closed, true, "the server closes the connection");
            assert.equal((reply.text.match(/HTTP\/1\.1 /g) ?? []).length, 1, "exactly one response");
        });
    }

    // Issue 17: strict framing. Each is refused with 400 and the connection closed, so the
    // bytes after it (a request a proxy might see as body) are never served.
    const strictCases = [
        ["Transfer-Encoding: xchunked", [["Transfer-Encoding", "xchunked"]], ""],
        ["Transfer-Encoding: chunked, identity", [["Transfer-Encoding", "chunked, identity"]], `0\r\n\r\n`],
        ["Transfer-Encoding: identity alone", [["Transfer-Encoding", "identity"]], ""],
        ["Transfer-Encoding: identity beside Content-Length", [["Transfer-Encoding", "identity"], ["Content-Length", body.length]], body],
        ["obs-fold on Content-Length", [["Content-Length", `\r\n ${body.length}`]], body],
        ["obs-fold on another header", [["X-Note", "a\r\n\tb"], ["Content-Length", body.length]], body],
        ["two Host headers (the second foreign)", [["Host", "evil.com"], ["Content-Length", body.length]], body],
        ["two Origin headers (the first allowed)", [["Origin", "http://localhost"], ["Origin", "https://evil.com"], ["Content-Length", body.length]], body],
    ];
    for (const [label, headers, payload] of strictCases) {
        it(`${label} → 400, closed, and no second response`, async () => {
            const smuggled = `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
            const reply = await rawExchange(http.port, Buffer.concat([rawRequest([...common, ...headers], payload), Buffer.from(smuggled)]));
            assert.equal(reply.status, 400, reply.text.slice(0, 300));
            assert.match(reply.text, /Bad HTTP request: /);
            assert.equal(reply.closed, true, "the server closes the connection");
            assert.equal((reply.text.match(/HTTP\/1\.1 /g) ?? []).length, 1, "exactly one response");
            assert.doesNotMatch(reply.text, /mnemo_pool/, "the smuggled /metrics was not served");
        });
    }

    it("the issue's example: POST /healthz with xchunked then GET /metrics → one 400", async () => {
        const raw =
            "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: xchunked\r\n\r\n" +
            "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        const reply = await rawExchange(http.port, raw);
        assert.equal(reply.status, 400, reply.text.slice(0, 300));
        assert.equal((reply.text.match(/HTTP\/1\.1 /g) ?? []).length, 1, "exactly one response");
        assert.equal(reply.closed, true);
    });

    it("Host: 127.0.0.1 then Host: evil.com on GET /healthz → 400 (not the first one winning)", async () => {
        const reply = await rawExchange(http.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.com\r\n\r\n");
        assert.equal(reply.status, 400, reply.text.slice(0, 300));
        assert.match(reply.text, /more than one Host/);
        assert.equal(reply.closed, true);
    });

    it("Transfer-Encoding: chunked (the last coding) is still served", async () => {
        const init = JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "chunked", version: "1" } },
        });
        const chunked = `${init.length.toString(16)}\r\n${init}\r\n0\r\n\r\n`;
        const reply = await rawExchange(http.port, rawRequest([...common, ["Transfer-Encoding", "chunked"], ["Connection", "close"]], chunked));
        assert.equal(reply.status, 200, reply.text.slice(0, 300));
    });

    // RFC 9112 6.3 lets a server merge identical duplicates, which Beast does; mnemo refuses
    // them anyway (HttpConnection), since a proxy in front may have framed the body otherwise.
    it("two equal Content-Length headers → 400 and the connection closed", async () => {
        const headers = [["Content-Length", body.length], ["Content-Length", body.length]];
        const reply = await rawExchange(http.port, rawRequest([...common, ...headers], body));
        assert.match(reply.text, /Bad HTTP request: repeated Content-Length/);
        assert.equal(reply.closed, true);
    });
});

describe("Early error responses arrive (lingering close, issue 17)", () => {
    let db;
    let http;

    before(async () => {
        db = createTestDatabase();
        http = await startHttpServer(db, { env: { MNEMO_AUTH: "none" } });
    });

    after(async () => {
        await http?.stop("SIGTERM");
        db?.drop();
    });

    // Node's http client reads while it writes, so whether it sees EPIPE without a lingering
    // close depends on timing; the sendAllThenRead cases below (which read only after the last
    // byte is written) fail with EPIPE without it, every time (checked against a build that
    // closes at once).
    it("Node's http client sending 5 MiB before reading gets the 413, not EPIPE", async () => {
        const body = Buffer.alloc(5 << 20, 0x61);
        const reply = await nodeHttpPost(http.port, body, { "Content-Type": "application/json", Accept: "application/json, text/event-stream" });
        assert.equal(reply.status, 413, JSON.stringify(reply));
        assert.match(reply.text, /too large/);
    });

    it("a client that writes all 5 MiB before reading gets the 413, not a reset", async () => {
        const reply = await sendAllThenRead(http.port, 5 << 20);
        assert.equal(reply.error, undefined, `the write failed: ${reply.error}`);
        assert.equal(reply.status, 413, reply.text?.slice(0, 300));
        assert.equal(reply.closed, true);
    });

    it("a client that writes a 7 MiB body behind a refused framing before reading gets the 400", async () => {
        const reply = await sendAllThenRead(http.port, 7 << 20, "Host: evil.com\r\n");
        assert.equal(reply.error, undefined, `the write failed: ${reply.error}`);
        assert.equal(reply.status, 400, reply.text?.slice(0, 300));
    });

    it("Node's http client with a 20 KiB header gets 431", async () => {
        const reply = await nodeHttpPost(http.port, Buffer.from("{}"), { "Content-Type": "application/json", "X-Big": "b".repeat(20 << 10) });
        assert.equal(reply.status, 431, JSON.stringify(reply));
    });

    it("Node's http client with a refused framing and a 1 MiB body gets the 400", async () => {
        const body = Buffer.alloc(1 << 20, 0x61);
        const reply = await nodeHttpPost(http.port, body, { "Content-Type": "application/json", Origin: ["http://localhost", "https://evil.com"] });
        assert.equal(reply.status, 400, JSON.stringify(reply));
    });

    it("a client that reads early gets the 413 at once and the connection ends within the linger bound", async () => {
        const started = performance.now();
        const reply = await readEarlyClient(http.port, 5 << 20);
        assert.equal(reply.status, 413, reply.text.slice(0, 300));
        assert.equal(reply.closed, true, "the server closed after lingering");
        // The server lingers about a second; generous for a loaded machine.
        assert.ok(performance.now() - started < 20000);
    });
});

describe("Cross-user access through every tool", () => {
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

    it("user B never sees or changes user A's projects, contexts or handovers", async () => {
        const a = await connectHttp(server.url, alice);
        const project = uniqueProject("private");
        await callOk(a.client, "create_project", { name: project, description: "alice's" });
        await callOk(a.client, "lock_context", { project, topic: "secret/plan", content: "alice only", tags: ["secret"] });
        await callOk(a.client, "sleep", { project, summary: "alice's handover" });
        const before = tableCounts(db.name);

        const b = await connectHttp(server.url, bob);
        const listed = await callOk(b.client, "list_projects", {});
        assert.ok(!JSON.stringify(listed).includes(project), "B's list does not show A's project");
        const attempts = {
            select_project: { name: project },
            delete_project: { name: project, confirm: true },
            wake_up: { project },
            get_last_handover: { project },
            sleep: { project, summary: "bob was here" },
            lock_context: { project, topic: "secret/plan", content: "bob overwrote" },
            recall_context: { project, topic: "secret/plan" },
            unlock_context: { project, topic: "secret/plan", force: true },
            search_contexts: { project, query: "alice" },
            explore_context_tree: { project },
            check_contexts: { project, text: "plan" },
            memory_status: { project },
            query_database: { project, sql: "SELECT content FROM mnemo.contexts" },
        };
        const { tools } = await b.client.listTools();
        for (const tool of tools) {
            const args = attempts[tool.name];
            if (!args) continue;
            const result = await b.client.callTool({ name: tool.name, arguments: args });
            const text = result.content?.[0]?.text ?? "";
            assert.equal(result.isError, true, `${tool.name} on A's project must fail for B: ${text.slice(0, 200)}`);
            assert.ok(!text.includes("alice only") && !text.includes("alice's handover"), `${tool.name} leaked A's data`);
        }
        // B's own project of the same name is a different project.
        await callOk(b.client, "create_project", { name: project });
        const mine = await b.client.callTool({ name: "recall_context", arguments: { project, topic: "secret/plan" } });
        assert.equal(mine.isError, true);
        const searched = await callOk(b.client, "search_contexts", { project, query: "alice" });
        assert.ok(!JSON.stringify(searched).includes("alice only"));
        const rows = await callOk(b.client, "query_database", { project, sql: "SELECT content FROM mnemo.contexts" });
        assert.ok(!JSON.stringify(rows).includes("alice only"), "query_database sees only B's rows");

        // Nothing of A's changed.
        const after = tableCounts(db.name);
        assert.equal(after["mnemo.contexts"], before["mnemo.contexts"]);
        const still = await callOk(a.client, "recall_context", { project, topic: "secret/plan" });
        assert.equal(still.content, "alice only");
        assert.equal(still.version, 1);
        const handover = await callOk(a.client, "get_last_handover", { project });
        assert.ok(JSON.stringify(handover).includes("alice's handover"));
    });

    it("user B cannot read A's contexts as resources (when resources are offered)", async (t) => {
        const a = await connectHttp(server.url, alice);
        const project = uniqueProject("res");
        await callOk(a.client, "create_project", { name: project });
        await callOk(a.client, "lock_context", { project, topic: "secret", content: "alice resource" });
        const b = await connectHttp(server.url, bob);
        if (!b.client.getServerCapabilities()?.resources) {
            t.skip("this build offers no resources");
            return;
        }
        const uri = `mnemo://projects/${project}/contexts/secret`;
        const own = await a.client.readResource({ uri });
        assert.ok(JSON.stringify(own).includes("alice resource"));
        let leaked = "";
        try {
            leaked = JSON.stringify(await b.client.readResource({ uri }));
        } catch (error) {
            leaked = "";
            assert.ok(error.code !== undefined, String(error));
        }
        assert.ok(!leaked.includes("alice resource"), "B read A's context as a resource");
        const listed = await b.client.listResources();
        assert.ok(!JSON.stringify(listed).includes(project));
    });
});

describe("Path traversal in the file tools", () => {
    let db;
    let tree;
    let outside;
    let client;
    const project = uniqueProject("paths");

    before(async () => {
        db = createTestDatabase();
        tree = mkdtempSync(join(tmpdir(), "mnemo-sec-tree-"));
        outside = mkdtempSync(join(tmpdir(), "mnemo-sec-outside-"));
        writeFileSync(join(outside, "secret.txt"), "outside the root\n");
        mkdirSync(join(tree, ".git"));
        mkdirSync(join(tree, "src"));
        writeFileSync(join(tree, "src", "a.txt"), "inside\n");
        symlinkSync(outside, join(tree, "src", "link"));
        symlinkSync(join(outside, "secret.txt"), join(tree, "secret-link.txt"));
        const transport = new StdioClientTransport({
            command: mnemoBinary(),
            args: ["serve", "--stdio", "--project", project],
            env: serverEnv(db),
            cwd: tree,
            stderr: "pipe",
        });
        client = new Client({ name: "mnemo-e2e-security", version: "1.0.0" }, { capabilities: {} });
        await client.connect(transport);
    });

    after(async () => {
        await client?.close();
        rmSync(tree, { recursive: true, force: true });
        rmSync(outside, { recursive: true, force: true });
        db?.drop();
    });

    it("hostile scan paths are refused or stay inside the root; nothing outside is indexed", async (t) => {
        const { tools } = await client.listTools();
        if (!tools.some((tool) => tool.name === "scan_project_files")) {
            t.skip("this build has no file tools");
            return;
        }
        const hostile = ["./..", "src/../..", "src/./../../", "src/link", "src/link/..", "src//../..", `${outside}`, "..\\..", "%2e%2e", "src/\u0000/..", "secret-link.txt"];
        for (const path of hostile) {
            const result = await client.callTool({ name: "scan_project_files", arguments: { path } }).catch((error) => ({
                isError: true,
                content: [{ text: `JSON-RPC ${error.code}` }],
            }));
            assert.ok(
                result.isError === true || result.structuredContent,
                `${JSON.stringify(path)}: ${JSON.stringify(result).slice(0, 200)}`,
            );
        }
        await callOk(client, "scan_project_files", {});
        const all = await callOk(client, "query_files", { query: "secret" });
        const listed = await callOk(client, "query_files", { path_prefix: "" });
        assert.ok(listed.files.some((file) => file.path === "src/a.txt"), "the scan indexed the root");
        const text = JSON.stringify([all, listed]);
        assert.ok(!text.includes("outside the root"), "contents from outside the root were indexed");
        for (const file of listed.files) {
            assert.ok(!file.path.startsWith("/") && !file.path.split("/").includes(".."), file.path);
            assert.ok(!file.path.startsWith("src/link"), `followed the symlink out: ${file.path}`);
        }
    });

    it("index_files refuses paths that are absolute or climb out, in any spelling", async (t) => {
        const { tools } = await client.listTools();
        if (!tools.some((tool) => tool.name === "index_files")) {
            t.skip("this build has no file tools");
            return;
        }
        for (const path of ["/etc/passwd", "../etc/passwd", "a/../../etc/passwd", "a/./../../b", "./../x", "a//../../b"]) {
            const result = await client
                .callTool({ name: "index_files", arguments: { files: [{ path, size: 1, mtime: 1 }] } })
                .catch((error) => ({ isError: true, content: [{ text: `JSON-RPC ${error.code}` }] }));
            assert.equal(result.isError, true, `${path} was accepted: ${JSON.stringify(result).slice(0, 200)}`);
        }
        const listed = await callOk(client, "query_files", { query: "passwd" });
        assert.equal(listed.files.length, 0);
    });
});

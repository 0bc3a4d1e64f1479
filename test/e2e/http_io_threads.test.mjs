// SPDX-License-Identifier: MIT
// A request that runs on the I/O thread that read it keeps no other client waiting: each I/O
// thread has its own loop, a thread runs a request itself only while its loop serves that
// connection alone, and new connections go to a loop that is not lent (transport/io_loops.hpp).
// Each client below has its own keep-alive connection; with MNEMO_HTTP_THREADS=2 the checks
// hold whichever loop each connection is seated on. And a connection that shares its loop
// moves, between two of its requests, to a loop that serves none (so its thread can be lent);
// a stream whose client went away closes at once, freeing its seat and its session's stream.
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";

import { TIME_SCALE, callOk, createTestDatabase, uniqueProject } from "./harness.mjs";
import { connectHttp, createToken, postHeaders, startHttpServer } from "./http_harness.mjs";

const SLOW_MS = 1200; // the blocking statement: pg_sleep inside query_database
// A quick call answered beside it; far below SLOW_MS, with room for a busy machine.
const QUICK_LIMIT_MS = 600 * TIME_SCALE;

/// A figure of `server`'s /metrics, read on a connection of its own that closes after it.
function metric(server, name) {
    return new Promise((resolve, reject) => {
        const req = request(`${server.base}/metrics`, { agent: false }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => {
                const line = text.split("\n").find((l) => l.startsWith(`${name} `));
                if (!line) return reject(new Error(`no ${name} in ${text}`));
                resolve(Number(line.split(" ")[1]));
            });
        });
        req.on("error", reject);
        req.end();
    });
}

/// A client on one keep-alive TCP connection of its own (the connection opens on first use).
class PinnedClient {
    constructor(server, token, sessionId) {
        this.agent = new Agent({ keepAlive: true, maxSockets: 1 });
        this.server = server;
        this.token = token;
        this.sessionId = sessionId;
        this.id = 100;
    }

    /// tools/call `name`; resolves with { json, ms }.
    call(name, args) {
        const body = JSON.stringify({
            jsonrpc: "2.0",
            id: ++this.id,
            method: "tools/call",
            params: { name, arguments: args },
        });
        const started = performance.now();
        return new Promise((resolve, reject) => {
            const req = request(
                this.server.url,
                {
                    method: "POST",
                    agent: this.agent,
                    headers: postHeaders(this.token, this.sessionId),
                },
                (res) => {
                    let text = "";
                    res.setEncoding("utf8");
                    res.on("data", (chunk) => (text += chunk));
                    res.on("end", () => {
                        assert.equal(res.statusCode, 200, text);
                        resolve({ json: JSON.parse(text), ms: performance.now() - started });
                    });
                },
            );
            req.on("error", reject);
            req.end(body);
        });
    }

    close() {
        this.agent.destroy();
    }
}

describe("requests on I/O threads", () => {
    let db;
    let server;
    let token;
    let project;
    let sessionId;
    const clients = [];
    before(async () => {
        db = createTestDatabase();
        server = await startHttpServer(db, { env: { MNEMO_HTTP_THREADS: "2" } });
        token = createToken(db, "loops");
        const { client, transport } = await connectHttp(server.url, token);
        project = uniqueProject("loops");
        await callOk(client, "create_project", { name: project });
        await callOk(client, "lock_context", { project, topic: "t", content: "kept" });
        // Open the caller pool's connection now: a call whose connection must first be opened
        // continues on a worker, and the slow calls below must run where they were read.
        await callOk(client, "query_database", { project, sql: "SELECT 1" });
        sessionId = transport.sessionId;
        await client.close();
    });
    after(async () => {
        for (const client of clients) client.close();
        await server?.stop();
        db?.drop();
    });

    /// A new pinned client whose connection is open (one quick call made).
    async function pinned() {
        const client = new PinnedClient(server, token, sessionId);
        clients.push(client);
        const { json } = await client.call("recall_context", { project, topic: "t" });
        assert.equal(json.result.isError, false, JSON.stringify(json));
        return client;
    }

    /// The mnemo_http_connections_open gauge of /metrics (this request's connection included).
    const openConnections = () => metric(server, "mnemo_http_connections_open");

    /// Starts a call that blocks its connection for SLOW_MS, waits until it surely runs, then
    /// has each of `others` recall a context, one after another, each answered at once.
    async function besideASlowCall(slowClient, others) {
        const slow = slowClient.call("query_database", {
            project,
            sql: `SELECT pg_sleep(${SLOW_MS / 1000}), 'slept' AS outcome`,
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
        for (const other of others) {
            const { json, ms } = await other.call("recall_context", { project, topic: "t" });
            assert.equal(json.result.isError, false, JSON.stringify(json));
            assert.ok(ms < QUICK_LIMIT_MS, `a call took ${ms.toFixed(0)} ms beside the slow one`);
        }
        const slept = await slow;
        assert.deepEqual(slept.json.result.structuredContent.rows[0], ["", "slept"]);
        assert.ok(slept.ms >= SLOW_MS, `the slow call took ${slept.ms.toFixed(0)} ms`);
    }

    it("no connection waits while another connection's call blocks its I/O thread", async () => {
        // Three connections on two loops: at least two share one, whichever loop the
        // connections the setup left open are on.
        const pinnedClients = [await pinned(), await pinned(), await pinned()];
        for (const slowClient of pinnedClients) {
            await besideASlowCall(slowClient, pinnedClients.filter((c) => c !== slowClient));
        }
        // /metrics counts the connections the loops seat: these three go when they close.
        const open = await openConnections();
        assert.ok(open >= pinnedClients.length + 1, `${open} open connections`);
        for (const client of pinnedClients) client.close();
        await new Promise((resolve) => setTimeout(resolve, 100));
        const after = await openConnections();
        assert.ok(after <= open - pinnedClients.length, `${open} open, then ${after}`);
    });

    it("connections opened while an I/O thread runs a call are served at once", async () => {
        // A loop of its own for the slow call when the setup left none open; then the
        // connections opened beside it would fill the emptier loop, the lent one, in turn.
        const alone = await pinned();
        const late = [0, 1, 2].map(() => new PinnedClient(server, token, sessionId));
        clients.push(...late);
        await besideASlowCall(alone, late);
        alone.close();
    });
});

/// A raw keep-alive TCP connection: writes request bytes as given, reads whole responses.
class RawConnection {
    constructor(port) {
        this.socket = connect(port, "127.0.0.1");
        this.socket.setEncoding("latin1");
        this.buffer = "";
        this.closed = false;
        this.wake = null;
        this.socket.on("data", (chunk) => {
            this.buffer += chunk;
            this.wake?.();
        });
        this.socket.on("close", () => {
            this.closed = true;
            this.wake?.();
        });
        this.opened = new Promise((resolve, reject) => {
            this.socket.once("connect", resolve);
            this.socket.once("error", reject);
        });
    }

    /// Resolves when more bytes arrived; rejects when the server closed the connection.
    async more() {
        if (this.closed) throw new Error("the server closed it");
        await new Promise((resolve) => (this.wake = resolve));
    }

    /// Sends `text` as it is; resolves with the status of the response's head (a stream's
    /// body is left unread).
    async head(text) {
        await this.opened;
        this.socket.write(text);
        for (;;) {
            const end = this.buffer.indexOf("\r\n\r\n");
            if (end >= 0) return Number(this.buffer.slice(0, end).split(" ")[1]);
            await this.more();
        }
    }

    /// Sends `count` GET /healthz requests in one write; resolves with their statuses.
    async healthz(count = 1) {
        await this.opened;
        this.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(count));
        const statuses = [];
        while (statuses.length < count) statuses.push(await this.response());
        return statuses;
    }

    /// The next whole response's status (its body is skipped by Content-Length).
    async response() {
        for (;;) {
            const end = this.buffer.indexOf("\r\n\r\n");
            if (end >= 0) {
                const head = this.buffer.slice(0, end);
                const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
                if (this.buffer.length >= end + 4 + length) {
                    this.buffer = this.buffer.slice(end + 4 + length);
                    return Number(head.split(" ")[1]);
                }
            }
            await this.more();
        }
    }

    close() {
        this.socket.destroy();
    }
}

describe("connections moving between I/O loops", () => {
    let db;
    let server;
    before(async () => {
        db = createTestDatabase();
        server = await startHttpServer(db, { env: { MNEMO_HTTP_THREADS: "2" } });
    });
    after(async () => {
        await server?.stop();
        db?.drop();
    });

    /// Waits until /metrics counts `count` open connections (its own included).
    async function openConnectionsReach(count, what) {
        const deadline = Date.now() + 10_000 * TIME_SCALE;
        while ((await metric(server, "mnemo_http_connections_open")) !== count) {
            assert.ok(Date.now() < deadline, what);
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    }

    it("a connection sharing its loop moves to an idle one, with the bytes it had sent", async () => {
        const moved = await metric(server, "mnemo_http_connections_moved_total");
        // Start from no other connection (the harness's readiness check may have left one, and
        // each /metrics read holds a seat until the server has closed it).
        await openConnectionsReach(1, "the server kept other connections open");
        await new Promise((resolve) => setTimeout(resolve, 100)); // that one's seat is released

        // a and b go to a loop each; c joins a (the first of two equal loops). No /metrics read
        // until a has moved: its connection would take a seat too.
        const [a, b, c] = [0, 1, 2].map(() => new RawConnection(server.port));
        try {
            for (const connection of [a, b, c]) assert.deepEqual(await connection.healthz(), [200]);
            b.close();
            await new Promise((resolve) => setTimeout(resolve, 100)); // b's loop serves none
            // a's first answer moves it; its second request, sent in the same write and so
            // already read, is answered on the new loop.
            assert.deepEqual(await a.healthz(2), [200, 200]);
            // Exactly one move so far: none while a, b and c were seated.
            assert.equal(await metric(server, "mnemo_http_connections_moved_total"), moved + 1);
            // Each alone on a loop now: no more moves, and both connections still serve.
            assert.deepEqual(await c.healthz(2), [200, 200]);
            assert.deepEqual(await a.healthz(), [200]);
            assert.equal(await metric(server, "mnemo_http_connections_moved_total"), moved + 1);
        } finally {
            for (const connection of [a, b, c]) connection.close();
        }
    });

    it("a stream whose client went away closes at once: its seat is freed, its session may open another", async () => {
        const token = createToken(db, "streams");
        // A session made on connections that close after each request.
        const post = (body, sessionId) =>
            new Promise((resolve, reject) => {
                const req = request(
                    server.url,
                    { method: "POST", agent: false, headers: postHeaders(token, sessionId) },
                    (res) => {
                        res.resume();
                        res.on("end", () => resolve(res));
                    },
                );
                req.on("error", reject);
                req.end(JSON.stringify(body));
            });
        const initialized = await post({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: {
                protocolVersion: "2025-11-25",
                capabilities: {},
                clientInfo: { name: "streams", version: "1" },
            },
        });
        const sessionId = initialized.headers["mcp-session-id"];
        assert.ok(sessionId);
        await post({ jsonrpc: "2.0", method: "notifications/initialized" }, sessionId);
        await openConnectionsReach(1, "the server kept other connections open");
        const get =
            "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
            `Authorization: Bearer ${token}\r\nMcp-Session-Id: ${sessionId}\r\n` +
            "MCP-Protocol-Version: 2025-11-25\r\n\r\n";
        for (let round = 0; round < 3; ++round) {
            // Each stream in turn: a session has one at most (409 while the last one is open).
            const stream = new RawConnection(server.port);
            assert.equal(await stream.head(get), 200, `stream ${round}`);
            // The stream and the /metrics read itself (once the last read's seat is gone).
            await openConnectionsReach(2, `stream ${round}'s connection is not counted`);
            stream.close();
            // Long before the stream's next keep-alive (20 s) would notice.
            await openConnectionsReach(1, `stream ${round}'s connection is still counted`);
        }
    });
});

// SPDX-License-Identifier: MIT
// A request that runs on the I/O thread that read it keeps no other client waiting: each I/O
// thread has its own loop, a thread runs a request itself only while its loop serves that
// connection alone, and new connections go to a loop that is not lent (transport/io_loops.hpp).
// Each client below has its own keep-alive connection; with MNEMO_HTTP_THREADS=2 the checks
// hold whichever loop each connection is seated on.
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { after, before, describe, it } from "node:test";

import { TIME_SCALE, callOk, createTestDatabase, uniqueProject } from "./harness.mjs";
import { connectHttp, createToken, postHeaders, startHttpServer } from "./http_harness.mjs";

const SLOW_MS = 1200; // the blocking statement: pg_sleep inside query_database
// A quick call answered beside it; far below SLOW_MS, with room for a busy machine.
const QUICK_LIMIT_MS = 600 * TIME_SCALE;

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
    async function openConnections() {
        const text = await (await fetch(`${server.base}/metrics`)).text();
        const line = text.split("\n").find((l) => l.startsWith("mnemo_http_connections_open "));
        assert.ok(line, text);
        return Number(line.split(" ")[1]);
    }

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

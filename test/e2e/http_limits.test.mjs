// SPDX-License-Identifier: MIT
// Limits under load and at shutdown: 200 concurrent calls on a project quota of 5 are each
// answered within the acquire timeout plus a margin, the database never sees more backends
// than the budget, and SIGTERM lets in-flight calls finish before exiting 0.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";

import { TIME_SCALE, callOk, createTestDatabase, uniqueProject } from "./harness.mjs";
import {
    connectHttp,
    createToken,
    postHeaders,
    rawCall,
    rawInitialize,
    rawPost,
    startHttpServer,
} from "./http_harness.mjs";

const BUDGET = 8;
// query_database runs on the caller pool (docs/server.md, "Project isolation"): its own budget,
// whose per-project quota is the project quota (5) capped at half of it.
const QUERY_BUDGET = 10;
const ACQUIRE_TIMEOUT_MS = 200;
// Room for the scheduler past the deadline: 200 requests on a busy 2-core machine. Without the
// deadline the last of them would wait about 1 s (240 calls × 20 ms through a quota of 5).
const MARGIN_MS = 300 * TIME_SCALE;
const HOLD_MS = 20; // each call holds its lease this long (pg_sleep)
// A call's own work once it has its lease: pg_sleep(HOLD_MS) inside query_database's
// read-only transaction (five round trips) on a machine busy with 200 requests.
const WORK_MS = 50 * TIME_SCALE;

/// Samples the number of backends connected to `database` every 10 ms for `samples` times in
/// one superuser session; resolves with the maximum seen.
function watchBackends(database, samples) {
    const sql = `DO $$
DECLARE
    most int := 0;
    now_count int;
BEGIN
    FOR i IN 1..${samples} LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT count(*) INTO now_count FROM pg_stat_activity
        WHERE datname = '${database}' AND backend_type = 'client backend';
        most := greatest(most, now_count);
        PERFORM pg_sleep(0.01);
    END LOOP;
    RAISE NOTICE 'max_backends=%', most;
END $$;`;
    return new Promise((resolve, reject) => {
        execFile("psql", [process.env.MNEMO_TEST_DSN, "-X", "-q", "-c", sql], (error, _out, err) => {
            if (error) return reject(error);
            resolve(Number(/max_backends=(\d+)/.exec(err)[1]));
        });
    });
}

describe("HTTP limits", () => {
    let db;
    let server;
    let token;

    before(async () => {
        db = createTestDatabase();
        token = createToken(db, "erin");
        server = await startHttpServer(db, {
            env: {
                MNEMO_POOL_MAX_CONNECTIONS: String(BUDGET),
                MNEMO_QUERY_MAX_CONNECTIONS: String(QUERY_BUDGET),
                MNEMO_PROJECT_MAX_CONNECTIONS: "5",
                MNEMO_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
                MNEMO_LOG_LEVEL: "info", // the http_request lines carry the server's timing
            },
        });
    });

    after(async () => {
        await server?.stop("SIGKILL");
        db?.drop();
    });

    it("200 concurrent calls on a quota of 5: each answered in time, backends within budget", async () => {
        const { client } = await connectHttp(server.url, token);
        const project = uniqueProject("overload");
        await callOk(client, "create_project", { name: project });
        await client.close();
        const sessionId = await rawInitialize(server.url, token);
        // Warm the pool (connections open on demand): the promise is about a pool at work,
        // not about how fast PostgreSQL forks its first backends.
        await Promise.all(
            Array.from({ length: 40 }, (_, i) =>
                rawCall(server.url, token, sessionId, "query_database", {
                    project,
                    sql: `SELECT pg_sleep(${HOLD_MS / 1000})`,
                }, 1000 + i),
            ),
        );

        const watcher = watchBackends(db.name, 150);
        const calls = Array.from({ length: 200 }, async (_, i) => {
            const started = performance.now();
            const reply = await rawPost(
                server.url,
                {
                    jsonrpc: "2.0",
                    id: i + 10,
                    method: "tools/call",
                    params: {
                        name: "query_database",
                        arguments: { project, sql: `SELECT pg_sleep(${HOLD_MS / 1000})` },
                    },
                },
                postHeaders(token, sessionId, { "X-Correlation-ID": `burst-${i}` }),
            );
            return { i, reply, elapsed: performance.now() - started };
        });
        const outcomes = await Promise.all(calls);
        const maxBackends = await watcher;

        // The server's own clock for each request: from the moment it was read (when it could
        // first queue) to its answer. The client's clock adds its own 200-connection overhead.
        const serverMs = new Map(
            server
                .stderr()
                .split("\n")
                .filter((line) => line.includes('"event":"http_request"'))
                .map((line) => JSON.parse(line))
                .map((entry) => [entry.correlation_id, entry.elapsed_ms]),
        );
        let succeeded = 0;
        let timedOut = 0;
        let slowestTimeout = 0;
        let slowestSuccess = 0;
        let slowestClient = 0;
        for (const { i, reply, elapsed } of outcomes) {
            assert.equal(reply.status, 200, reply.text);
            const result = reply.json.result;
            const onServer = serverMs.get(`burst-${i}`);
            assert.equal(typeof onServer, "number", `request burst-${i} was logged`);
            if (result.isError) {
                assert.match(result.content[0].text, /^Connection pool timeout:/);
                ++timedOut;
                slowestTimeout = Math.max(slowestTimeout, onServer);
            } else {
                ++succeeded;
                slowestSuccess = Math.max(slowestSuccess, onServer);
            }
            slowestClient = Math.max(slowestClient, elapsed);
        }
        console.log(
            `overload: ${succeeded} succeeded (slowest ${slowestSuccess.toFixed(0)} ms), ` +
                `${timedOut} pool timeouts (slowest ${slowestTimeout.toFixed(0)} ms), ` +
                `slowest as the client saw it ${slowestClient.toFixed(0)} ms, ` +
                `most backends ${maxBackends} (budgets ${BUDGET} + ${QUERY_BUDGET})`,
        );
        assert.ok(succeeded > 0, "some calls got a connection");
        assert.ok(timedOut > 0, "the quota made others time out");
        assert.ok(
            slowestTimeout <= ACQUIRE_TIMEOUT_MS + MARGIN_MS,
            `a timeout took ${slowestTimeout.toFixed(0)} ms > ${ACQUIRE_TIMEOUT_MS} + ${MARGIN_MS}`,
        );
        // A call that got its lease just before the deadline still does its work.
        assert.ok(
            slowestSuccess <= ACQUIRE_TIMEOUT_MS + MARGIN_MS + WORK_MS,
            `a success took ${slowestSuccess.toFixed(0)} ms > ${ACQUIRE_TIMEOUT_MS} + ` +
                `${MARGIN_MS} + ${WORK_MS}`,
        );
        assert.ok(
            maxBackends <= BUDGET + QUERY_BUDGET,
            `${maxBackends} backends > budget ${BUDGET} + ${QUERY_BUDGET}`,
        );
        assert.ok(maxBackends >= 1);

        const metrics = await (await fetch(`${server.base}/metrics`)).text();
        const counted = new RegExp(`mnemo_pool_acquire_timeouts_total\\{project="${project}"\\} (\\d+)`);
        assert.ok(Number(counted.exec(metrics)?.[1]) >= timedOut, "timeouts are counted in /metrics");
    });

    it("a thousand idle connections and SSE streams cost no threads; slow clients are cut off", async () => {
        const own = await startHttpServer(db, {
            env: { MNEMO_HTTP_TIMEOUT_MS: "1500", MNEMO_LOG_LEVEL: "warning" },
        });
        const threads = () =>
            Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${own.child.pid}/status`, "utf8"))[1]);
        try {
            const before = threads();
            const sessionId = await rawInitialize(own.url, token);
            const idle = await Promise.all(
                Array.from(
                    { length: 1000 },
                    () =>
                        new Promise((resolve, reject) => {
                            const socket = connect(own.port, "127.0.0.1", () => resolve(socket));
                            socket.on("error", reject);
                        }),
                ),
            );
            const streams = await Promise.all(
                Array.from({ length: 20 }, async () => {
                    const id = await rawInitialize(own.url, token);
                    const controller = new AbortController();
                    const response = await fetch(own.url, {
                        method: "GET",
                        headers: {
                            Accept: "text/event-stream",
                            Authorization: `Bearer ${token}`,
                            "Mcp-Session-Id": id,
                        },
                        signal: controller.signal,
                    });
                    assert.equal(response.status, 200);
                    return controller;
                }),
            );
            const during = threads();
            console.log(`threads: ${before} idle, ${during} with 1000 idle connections + 20 SSE streams`);
            assert.ok(during <= before + 2, `${during} threads with 1020 connections (was ${before})`);
            const ping = await rawPost(
                own.url,
                { jsonrpc: "2.0", id: 1, method: "ping" },
                postHeaders(token, sessionId),
            );
            assert.equal(ping.status, 200, "still serving");

            // A client that sends half a request is disconnected after MNEMO_HTTP_TIMEOUT_MS.
            const slow = connect(own.port, "127.0.0.1");
            slow.write("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le");
            const started = performance.now();
            await new Promise((resolve) => slow.on("close", resolve));
            const cutAfter = performance.now() - started;
            assert.ok(cutAfter >= 1000 && cutAfter < 5000, `slow client cut after ${cutAfter} ms`);
            for (const socket of idle) socket.destroy();
            for (const controller of streams) controller.abort();
        } finally {
            await own.stop("SIGTERM");
        }
    });

    it("SIGTERM finishes the call in flight, then exits 0", async () => {
        const own = await startHttpServer(db, { env: { MNEMO_LOG_LEVEL: "info" } });
        const { client } = await connectHttp(own.url, token);
        const project = uniqueProject("shutdown");
        await callOk(client, "create_project", { name: project });
        await client.close();
        const sessionId = await rawInitialize(own.url, token);
        const slow = rawCall(own.url, token, sessionId, "query_database", {
            project,
            sql: "SELECT pg_sleep(1), 'finished' AS outcome",
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        own.child.kill("SIGTERM");
        const reply = await slow;
        assert.equal(reply.status, 200);
        assert.equal(reply.json.result.isError, false, reply.text);
        assert.deepEqual(reply.json.result.structuredContent.rows[0], ["", "finished"]);
        const outcome = await own.exited;
        assert.equal(outcome.code, 0, own.stderr());
        assert.match(own.stderr(), /"event":"server_stopping"/);
        await assert.rejects(fetch(`${own.base}/healthz`), "no longer accepting");
    });
});

// SPDX-License-Identifier: MIT
// The per-user connection quota (issue 17): one user with five projects floods the server with
// slow query_database calls; another user's calls — its own query_database on the same caller
// pool, and recall_context on mnemo's pool — keep being served without a pool timeout and
// without waiting for the attacker's statements, while the attacker's calls queue or time out
// with an error naming the user's quota.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { callOk, createTestDatabase, uniqueProject } from "./harness.mjs";
import { connectHttp, createToken, rawCall, rawInitialize, startHttpServer } from "./http_harness.mjs";

const BUDGET = 8;
const USER_QUOTA = 4;
const SLEEP_S = 2; // one attacker statement
const ACQUIRE_TIMEOUT_MS = 3000;

describe("Per-user connection quota", () => {
    let db;
    let server;
    let attackerToken;
    let victimToken;

    before(async () => {
        db = createTestDatabase();
        attackerToken = createToken(db, "mallory", "read");
        victimToken = createToken(db, "victor");
        server = await startHttpServer(db, {
            env: {
                MNEMO_POOL_MAX_CONNECTIONS: String(BUDGET),
                MNEMO_PROJECT_MAX_CONNECTIONS: "5",
                MNEMO_USER_MAX_CONNECTIONS: String(USER_QUOTA),
                // query_database runs on the caller pool: 8 connections, at most 4 per user.
                MNEMO_QUERY_MAX_CONNECTIONS: "8",
                MNEMO_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
            },
        });
    });

    after(async () => {
        await server?.stop("SIGKILL");
        db?.drop();
    });

    it("one user's 25 slow calls over five projects leave another user's calls unharmed", async () => {
        // The attacker's five projects exist (created with a write token of the same user).
        const attackerWriter = createToken(db, "mallory");
        const { client: setup } = await connectHttp(server.url, attackerWriter);
        const projects = [];
        for (let i = 0; i < 5; ++i) {
            projects.push(uniqueProject(`flood${i}`));
            await callOk(setup, "create_project", { name: projects[i] });
        }
        await setup.close();
        const { client: victim } = await connectHttp(server.url, victimToken);
        const own = uniqueProject("victim");
        await callOk(victim, "create_project", { name: own });
        await callOk(victim, "lock_context", { project: own, topic: "rules", content: "keep calm" });
        // The victim's normal latency, alone.
        let alone = 0;
        for (let i = 0; i < 5; ++i) {
            const started = performance.now();
            await callOk(victim, "recall_context", { project: own, topic: "rules" });
            alone = Math.max(alone, performance.now() - started);
        }

        const sessionId = await rawInitialize(server.url, attackerToken);
        const flood = Array.from({ length: 25 }, (_, i) =>
            rawCall(server.url, attackerToken, sessionId, "query_database", {
                project: projects[i % 5],
                sql: `SELECT pg_sleep(${SLEEP_S})`,
            }, 100 + i),
        );
        // Let the flood take its leases, then call as the victim while it lasts.
        await new Promise((resolve) => setTimeout(resolve, 500));
        let slowest = 0;
        {
            const started = performance.now();
            const answer = await callOk(victim, "query_database", { project: own, sql: "SELECT 1 AS one" });
            slowest = performance.now() - started;
            assert.deepEqual(answer.rows, [[1]], JSON.stringify(answer));
        }
        for (let i = 0; i < 5; ++i) {
            const started = performance.now();
            const text = await callOk(victim, "recall_context", { project: own, topic: "rules" });
            slowest = Math.max(slowest, performance.now() - started);
            assert.match(JSON.stringify(text), /keep calm/);
        }
        const outcomes = await Promise.all(flood);
        await victim.close();

        let served = 0;
        let timedOut = 0;
        for (const reply of outcomes) {
            assert.equal(reply.status, 200, reply.text);
            const result = reply.json.result;
            if (!result.isError) {
                ++served;
                continue;
            }
            assert.match(result.content[0].text, /^Connection pool timeout: /);
            assert.match(result.content[0].text, /full: group 'mallory' quota/);
            ++timedOut;
        }
        console.log(
            `victim alone: slowest ${alone.toFixed(0)} ms; under the flood: slowest ${slowest.toFixed(0)} ms; ` +
                `attacker: ${served} served, ${timedOut} pool timeouts`,
        );
        assert.ok(timedOut > 0, "the attacker's surplus timed out at the user quota");
        assert.ok(served >= USER_QUOTA, "the attacker still got its quota");
        // The victim never waited for an attacker statement (one statement is SLEEP_S seconds);
        // its own calls are milliseconds, so this bound is generous on a slow machine.
        assert.ok(slowest < SLEEP_S * 1000, `a victim call took ${slowest.toFixed(0)} ms`);
    });
});

// SPDX-License-Identifier: MIT
// A call that waits on its client holds no pooled connection while it waits (issue 16): the
// plan says the call may ask the client (roots/list to find the project, elicitation), and the
// backend admits it without keeping a lease. With a budget of two connections, two clients
// that are slow to answer do not stop another user from connecting and working (they held one
// connection each, the whole budget, until issue 16).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { ElicitRequestSchema, ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

import { callOk, createTestDatabase, uniqueProject } from "./harness.mjs";
import { connectHttp, createToken, startHttpServer } from "./http_harness.mjs";

const ANSWER_DELAY_MS = 2000; // how long the slow clients take to answer the server
const ACQUIRE_TIMEOUT_MS = 1000; // a held connection would time the bystander out before that

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// Resolves once the client was asked; `pending()` says whether `promise` is still running.
function track(promise) {
    const state = { done: false };
    promise.then(
        () => (state.done = true),
        () => (state.done = true),
    );
    return { promise, pending: () => !state.done };
}

describe("a call waiting on its client", () => {
    let db;
    let server;
    before(async () => {
        db = createTestDatabase();
        server = await startHttpServer(db, {
            args: ["--conformance-fixtures"],
            env: {
                // The server's own tenant (look-ups, sessions) is bounded by the budget only.
                MNEMO_POOL_MAX_CONNECTIONS: "2",
                MNEMO_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
            },
        });
    });
    after(async () => {
        await server?.stop();
        db?.drop();
    });

    it("holds no connection while the client takes its time to answer", async () => {
        let askedRoots;
        const rootsAsked = new Promise((resolve) => (askedRoots = resolve));
        const { client: rooted } = await connectHttp(server.url, createToken(db, "slow-roots"), {
            capabilities: { roots: {} },
            setup: (c) =>
                c.setRequestHandler(ListRootsRequestSchema, async () => {
                    askedRoots();
                    await sleep(ANSWER_DELAY_MS);
                    return { roots: [{ uri: "file:///home/dev/slow-repo/", name: "repo" }] };
                }),
        });
        let askedUser;
        const userAsked = new Promise((resolve) => (askedUser = resolve));
        const { client: eliciting } = await connectHttp(server.url, createToken(db, "slow-user"), {
            capabilities: { elicitation: {} },
            setup: (c) =>
                c.setRequestHandler(ElicitRequestSchema, async () => {
                    askedUser();
                    await sleep(ANSWER_DELAY_MS);
                    return { action: "accept", content: { username: "ada", email: "a@b.c" } };
                }),
        });
        try {
            // Nothing names the project: the server asks for the client's roots, then waits.
            const discovering = track(callOk(rooted, "wake_up", {}));
            const elicitation = track(
                eliciting.callTool({ name: "test_elicitation", arguments: { message: "Who?" } }),
            );
            await Promise.all([rootsAsked, userAsked]);

            // Meanwhile another user connects (a look-up on the server's tenant) and works.
            const started = performance.now();
            const { client: bystander } = await connectHttp(server.url, createToken(db, "bystander"));
            try {
                const project = uniqueProject("busy");
                await callOk(bystander, "create_project", { name: project });
                await callOk(bystander, "lock_context", { project, topic: "t", content: "served" });
                const recalled = await callOk(bystander, "recall_context", { project, topic: "t" });
                assert.match(JSON.stringify(recalled), /served/);
            } finally {
                await bystander.close();
            }
            assert.ok(
                discovering.pending() && elicitation.pending(),
                `the bystander was served while both clients were still being asked ` +
                    `(${Math.round(performance.now() - started)} ms)`,
            );

            // The waiting calls end well once their clients answer.
            const briefing = await discovering.promise;
            assert.equal(typeof briefing, "object");
            const listed = await callOk(rooted, "list_projects", {});
            assert.equal(listed.selected, "slow-repo", "the project the roots named");
            const answered = await elicitation.promise;
            assert.notEqual(answered.isError, true, JSON.stringify(answered));
            assert.match(answered.content[0].text, /Elicitation completed: .*ada/);
        } finally {
            await rooted.close();
            await eliciting.close();
        }
    });
});

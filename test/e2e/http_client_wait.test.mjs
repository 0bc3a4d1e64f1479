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

// A connection held across the clients' wait would time the bystander out after this.
const ACQUIRE_TIMEOUT_MS = 1000;

/// A client declaring `capability` that answers the server's `schema` requests with `answer`
/// only once `release` resolved; `asked` resolves when the first request arrives.
async function slowClient(server, token, capability, schema, answer, release) {
    let markAsked;
    const asked = new Promise((resolve) => (markAsked = resolve));
    const { client } = await connectHttp(server.url, token, {
        capabilities: { [capability]: {} },
        setup: (c) =>
            c.setRequestHandler(schema, async () => {
                markAsked();
                await release;
                return answer;
            }),
    });
    return { client, asked };
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
        let answerNow;
        const release = new Promise((resolve) => (answerNow = resolve));
        const { client: rooted, asked: rootsAsked } = await slowClient(
            server,
            createToken(db, "slow-roots"),
            "roots",
            ListRootsRequestSchema,
            { roots: [{ uri: "file:///home/dev/slow-repo/", name: "repo" }] },
            release,
        );
        const { client: eliciting, asked: userAsked } = await slowClient(
            server,
            createToken(db, "slow-user"),
            "elicitation",
            ElicitRequestSchema,
            { action: "accept", content: { username: "ada", email: "a@b.c" } },
            release,
        );
        const bystanderToken = createToken(db, "bystander");
        try {
            // Nothing names the project: the server asks for the client's roots, then waits.
            const discovering = callOk(rooted, "wake_up", {});
            const elicitation = eliciting.callTool({
                name: "test_elicitation",
                arguments: { message: "Who?" },
            });
            await Promise.all([rootsAsked, userAsked]);

            // While both wait for their clients (who answer only afterwards), another user
            // connects (a look-up on the server's tenant) and works.
            const { client: bystander } = await connectHttp(server.url, bystanderToken);
            try {
                const project = uniqueProject("busy");
                await callOk(bystander, "create_project", { name: project });
                await callOk(bystander, "lock_context", { project, topic: "t", content: "served" });
                const recalled = await callOk(bystander, "recall_context", { project, topic: "t" });
                assert.match(JSON.stringify(recalled), /served/);
            } finally {
                await bystander.close();
                answerNow();
            }

            // The waiting calls end well once their clients answer.
            assert.equal(typeof (await discovering), "object");
            const listed = await callOk(rooted, "list_projects", {});
            assert.equal(listed.selected, "slow-repo", "the project the roots named");
            const answered = await elicitation;
            assert.notEqual(answered.isError, true, JSON.stringify(answered));
            assert.match(answered.content[0].text, /Elicitation completed: .*ada/);
        } finally {
            answerNow();
            await rooted.close();
            await eliciting.close();
        }
    });
});

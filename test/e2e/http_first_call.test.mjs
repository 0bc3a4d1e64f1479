// SPDX-License-Identifier: MIT
// The first call over HTTP works without select_project: the project comes from the client's
// roots, else the server's --project, else the user's only project; only then an error that
// says what was tried and lists the projects.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

import { callError, callOk, createTestDatabase } from "./harness.mjs";
import { connectHttp, createToken, startHttpServer } from "./http_harness.mjs";

/// A client that shares one root and counts how often it was asked.
async function connectWithRoot(server, token, uri) {
    const asked = { count: 0 };
    const { client } = await connectHttp(server.url, token, {
        capabilities: { roots: {} },
        setup: (c) =>
            c.setRequestHandler(ListRootsRequestSchema, () => {
                asked.count += 1;
                return { roots: [{ uri, name: "workspace" }] };
            }),
    });
    return { client, asked };
}

describe("the first call over HTTP", () => {
    let db;
    let withDefault;
    let plain;
    before(async () => {
        db = createTestDatabase();
        withDefault = await startHttpServer(db, { args: ["--project", "Team Default"] });
        plain = await startHttpServer(db);
    });
    after(async () => {
        await withDefault?.stop();
        await plain?.stop();
        db?.drop();
    });

    it("takes the project from the client's first root, asks once, and remembers it", async () => {
        const token = createToken(db, "roots-user");
        const { client, asked } = await connectWithRoot(
            withDefault,
            token,
            "file:///home/dev/src/My%20Repo/",
        );
        try {
            const briefing = await callOk(client, "wake_up", {});
            assert.equal(typeof briefing, "object");
            await callOk(client, "lock_context", { topic: "rules/git", content: "Never push to main." });
            const listed = await callOk(client, "list_projects", {});
            assert.equal(listed.selected, "my-repo", "the root's name, normalised, before --project");
            assert.deepEqual(
                listed.projects.map((p) => p.name),
                ["my-repo"],
            );
            assert.equal(asked.count, 1, "roots/list is asked once per session");
        } finally {
            await client.close();
        }
    });

    it("without roots, takes the server's --project", async () => {
        const token = createToken(db, "default-user");
        const { client } = await connectHttp(withDefault.url, token);
        try {
            await callOk(client, "wake_up", {});
            const listed = await callOk(client, "list_projects", {});
            assert.deepEqual(
                listed.projects.map((p) => p.name),
                ["team-default"],
            );
        } finally {
            await client.close();
        }
    });

    it("without roots or --project, takes the user's only project", async () => {
        const token = createToken(db, "solo-user");
        const first = await connectHttp(plain.url, token);
        await callOk(first.client, "create_project", { name: "solo" });
        await first.client.close();
        const { client } = await connectHttp(plain.url, token);
        try {
            await callOk(client, "lock_context", { topic: "a", content: "in the only project" });
            const recalled = await callOk(client, "recall_context", { topic: "a" });
            assert.match(JSON.stringify(recalled), /in the only project/);
            const listed = await callOk(client, "list_projects", {});
            assert.equal(listed.selected, "solo");
        } finally {
            await client.close();
        }
    });

    it("with several projects and nothing to choose by, says what it tried and lists them", async () => {
        const token = createToken(db, "many-user");
        const { client } = await connectHttp(plain.url, token);
        try {
            const empty = await callError(client, "wake_up", {});
            assert.match(empty, /No project selected: the client shared no roots, the server has no default project/);
            assert.match(empty, /you have no projects yet/);
            await callOk(client, "create_project", { name: "alpha" });
            await callOk(client, "create_project", { name: "beta" });
            const error = await callError(client, "wake_up", {});
            assert.match(error, /you have 2 projects \(alpha, beta\)/);
            assert.match(error, /Call select_project/);
        } finally {
            await client.close();
        }
    });
});

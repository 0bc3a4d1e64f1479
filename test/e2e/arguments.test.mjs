// SPDX-License-Identifier: MIT
// Tool argument errors come back as isError results and leave the server running.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";

import { callError, callOk, createTestDatabase, startServer, uniqueProject } from "./harness.mjs";

describe("tool argument errors", () => {
    const project = uniqueProject("args");
    const topic = "args/topic";
    let db;
    let server;
    let client;

    before(async () => {
        db = createTestDatabase();
        server = await startServer(db);
        client = server.client;
        await callOk(client, "create_project", { name: project });
    });

    after(async () => {
        await server?.client.close();
        db?.drop();
    });

    /// The server still answers: a lock succeeds and takes the next version.
    async function assertServerAlive(expectedVersion) {
        const locked = await callOk(client, "lock_context", {
            project,
            topic,
            content: `still alive ${expectedVersion}`,
        });
        assert.equal(locked.version, expectedVersion);
    }

    it("lock_context without content names 'content'", async () => {
        const message = await callError(client, "lock_context", { project, topic });
        assert.match(message, /'content'/);
        assert.match(message, /required/);
        await assertServerAlive(1);
    });

    it("tags of the wrong type name 'tags'", async () => {
        const message = await callError(client, "lock_context", {
            project,
            topic,
            content: "typed",
            tags: "x",
        });
        assert.match(message, /'tags'/);
        assert.match(message, /array/);
        await assertServerAlive(2);
    });

    it("a tag of the wrong type names the item", async () => {
        const message = await callError(client, "lock_context", {
            project,
            topic,
            content: "typed",
            tags: ["ok", 7],
        });
        assert.match(message, /tags\[1\]/);
        await assertServerAlive(3);
    });

    it("an unknown argument is refused by name", async () => {
        const message = await callError(client, "lock_context", {
            project,
            topic,
            content: "extra",
            colour: "blue",
        });
        assert.match(message, /unknown argument 'colour'/);
        await assertServerAlive(4);
    });

    it("out-of-range and malformed values are refused", async () => {
        const cases = [
            ["recall_context", { project, topic, version: 0 }, /'version'/],
            ["search_contexts", { project, query: "x", limit: 51 }, /'limit'/],
            ["lock_context", { project, topic, content: "x", priority: "urgent" }, /'priority'/],
            ["lock_context", { project, topic: "", content: "x" }, /'topic'/],
            ["lock_context", { project: "Bad Name!", topic, content: "x" }, /'project'/],
            ["create_project", {}, /'name'/],
        ];
        for (const [name, args, pattern] of cases) {
            const message = await callError(client, name, args);
            assert.match(message, pattern, `${name} ${JSON.stringify(args)}: ${message}`);
        }
        await assertServerAlive(5);
    });

    it("nothing was stored by the refused calls", async () => {
        const recalled = await callOk(client, "recall_context", { project, topic });
        assert.equal(recalled.version, 5);
        assert.deepEqual(recalled.live_versions, [1, 2, 3, 4, 5]);
    });

    it("an unknown tool is a JSON-RPC invalid-params error", async () => {
        await assert.rejects(client.callTool({ name: "no_such_tool", arguments: {} }), (error) => {
            assert.ok(error instanceof McpError, `not an McpError: ${error}`);
            assert.equal(error.code, ErrorCode.InvalidParams);
            assert.match(error.message, /no_such_tool/);
            return true;
        });
        await assertServerAlive(6);
    });

    it("an unknown project is an error that points to create_project", async () => {
        const missing = uniqueProject("missing");
        const message = await callError(client, "recall_context", { project: missing, topic });
        assert.match(message, new RegExp(`project '${missing}' does not exist`));
        assert.match(message, /create_project/);
        await assertServerAlive(7);
    });
});

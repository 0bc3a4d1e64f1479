// SPDX-License-Identifier: MIT
// Initialize and tools/list through the SDK client.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";

import { EXPECTED_TOOLS, createTestDatabase, startServer } from "./harness.mjs";

/// Every schema below `schema` (properties, items), with its JSON path.
function* subschemas(schema, path) {
    yield [path, schema];
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
        yield* subschemas(property, `${path}.properties.${name}`);
    }
    if (schema.items && typeof schema.items === "object") {
        yield* subschemas(schema.items, `${path}.items`);
    }
}

describe("initialize and tools/list", () => {
    let db;
    let server;

    before(async () => {
        db = createTestDatabase();
        server = await startServer(db);
    });

    after(async () => {
        await server?.client.close();
        db?.drop();
    });

    it("identifies itself as mnemo", () => {
        const info = server.client.getServerVersion();
        assert.equal(info.name, "mnemo");
        assert.match(info.version, /^\d+\.\d+\.\d+/);
    });

    it("negotiates the SDK's newest protocol revision", () => {
        assert.equal(server.transport.negotiatedProtocolVersion, LATEST_PROTOCOL_VERSION);
    });

    it("declares the tools capability", () => {
        const capabilities = server.client.getServerCapabilities();
        assert.deepEqual(capabilities.tools, { listChanged: false });
    });

    it("lists exactly the 18 memory tools", async () => {
        const { tools, nextCursor } = await server.client.listTools();
        assert.equal(nextCursor, undefined);
        assert.equal(tools.length, 18);
        assert.deepEqual(tools.map((t) => t.name).sort(), EXPECTED_TOOLS);
    });

    it("describes every tool with a valid name, a description and an object schema", async () => {
        const { tools } = await server.client.listTools();
        for (const tool of tools) {
            assert.match(tool.name, /^[a-zA-Z0-9_-]{1,64}$/);
            assert.equal(typeof tool.description, "string", `${tool.name}: description`);
            assert.ok(tool.description.trim().length > 0, `${tool.name}: empty description`);
            assert.equal(tool.inputSchema.type, "object", `${tool.name}: inputSchema.type`);
            const properties = Object.keys(tool.inputSchema.properties ?? {});
            for (const required of tool.inputSchema.required ?? []) {
                assert.ok(
                    properties.includes(required),
                    `${tool.name}: required '${required}' undeclared`,
                );
            }
        }
    });

    it("gives every array-typed property an items schema", async () => {
        const { tools } = await server.client.listTools();
        let arrays = 0;
        for (const tool of tools) {
            for (const [path, schema] of subschemas(tool.inputSchema, tool.name)) {
                const types = [schema.type].flat();
                if (!types.includes("array")) continue;
                ++arrays;
                assert.equal(typeof schema.items, "object", `${path}: array without items`);
                assert.notEqual(schema.items, null, `${path}: array without items`);
            }
        }
        // lock_context.tags, search_contexts.tags, sleep.completed, sleep.pending,
        // query_database.params, index_files.files, index_files.deleted
        assert.equal(arrays, 7);
    });

    it("writes only JSON lines to stderr", async () => {
        await server.client.ping();
        const text = server.stderr();
        // Complete lines only: the last one may still be in flight.
        const lines = text
            .slice(0, text.lastIndexOf("\n"))
            .split("\n")
            .filter((l) => l.length > 0);
        assert.ok(lines.length > 0, "mnemo logged nothing");
        for (const line of lines) {
            const entry = JSON.parse(line);
            assert.equal(typeof entry.event, "string", `log line without event: ${line}`);
            assert.equal(typeof entry.level, "string", `log line without level: ${line}`);
        }
    });
});

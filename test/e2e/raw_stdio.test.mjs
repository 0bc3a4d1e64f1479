// SPDX-License-Identifier: MIT
// Malformed and out-of-order input on the raw stdio pipe (no SDK in between).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { EXPECTED_TOOLS, INITIALIZE_PARAMS, RawServer, createTestDatabase } from "./harness.mjs";

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;

function assertError(reply, id, code) {
    assert.equal(reply.jsonrpc, "2.0", JSON.stringify(reply));
    assert.equal(reply.id, id, JSON.stringify(reply));
    assert.equal(reply.result, undefined, JSON.stringify(reply));
    assert.equal(typeof reply.error?.message, "string", JSON.stringify(reply));
    if (code !== undefined) assert.equal(reply.error.code, code, JSON.stringify(reply));
    else assert.ok(Number.isInteger(reply.error.code), JSON.stringify(reply));
}

describe("raw stdio pipe", () => {
    let db;

    before(() => {
        db = createTestDatabase();
    });

    after(() => {
        db?.drop();
    });

    it("answers malformed input with JSON-RPC errors and exits 0 on EOF", async () => {
        const server = new RawServer(db, { project: "e2e-raw" });
        let sent = 0; // requests that must get exactly one reply each
        try {
            // Before initialize: ping is answered, other requests are refused.
            const early = await server.request({
                jsonrpc: "2.0",
                id: "early-ping",
                method: "ping",
            });
            ++sent;
            assert.deepEqual(early, { jsonrpc: "2.0", id: "early-ping", result: {} });
            assertError(
                await server.request({ jsonrpc: "2.0", id: "early", method: "tools/list" }),
                "early",
            );
            ++sent;
            assertError(
                await server.request({
                    jsonrpc: "2.0",
                    id: "early-call",
                    method: "tools/call",
                    params: { name: "list_projects", arguments: {} },
                }),
                "early-call",
            );
            ++sent;

            assertError(await server.request("{bad json"), null, PARSE_ERROR);
            ++sent;
            assertError(await server.request('{"jsonrpc":"2.0","id":1}'), 1, INVALID_REQUEST);
            ++sent;
            assertError(
                await server.request('{"jsonrpc":"1.0","id":11,"method":"ping"}'),
                11,
                INVALID_REQUEST,
            );
            ++sent;
            assertError(await server.request("[1,"), null, PARSE_ERROR);
            ++sent;

            const init = await server.request({
                jsonrpc: "2.0",
                id: 10,
                method: "initialize",
                params: INITIALIZE_PARAMS,
            });
            ++sent;
            assert.equal(init.id, 10);
            assert.equal(init.result.protocolVersion, "2025-11-25");
            assert.equal(init.result.serverInfo.name, "mnemo");

            // Notifications get no reply: the next line on stdout answers the ping after them.
            server.send({ jsonrpc: "2.0", method: "notifications/initialized" });
            server.send({
                jsonrpc: "2.0",
                method: "notifications/no-such-notification",
                params: {},
            });
            server.send({
                jsonrpc: "2.0",
                method: "notifications/cancelled",
                params: { requestId: 99 },
            });
            const pong = await server.request({ jsonrpc: "2.0", id: "ping-1", method: "ping" });
            ++sent;
            assert.deepEqual(pong, { jsonrpc: "2.0", id: "ping-1", result: {} });

            assertError(
                await server.request({ jsonrpc: "2.0", id: 2, method: "no/such" }),
                2,
                METHOD_NOT_FOUND,
            );
            ++sent;

            // Still serving after all that.
            const listed = await server.request({ jsonrpc: "2.0", id: 3, method: "tools/list" });
            ++sent;
            assert.equal(listed.id, 3);
            assert.equal(listed.result.tools.length, EXPECTED_TOOLS.length);
            const called = await server.request({
                jsonrpc: "2.0",
                id: 4,
                method: "tools/call",
                params: { name: "list_projects", arguments: {} },
            });
            ++sent;
            assert.equal(called.id, 4);
            assert.equal(called.result.isError, false);
            assert.equal(called.result.structuredContent.shown, 0);
            assert.equal(called.result.structuredContent.more, false);

            const { code, signal } = await server.close();
            assert.equal(signal, null);
            assert.equal(code, 0, `exit code ${code}; stderr:\n${server.stderr}`);
        } finally {
            if (server.child.exitCode === null && server.child.signalCode === null) {
                server.child.kill("SIGKILL");
            }
        }
        // stdout carried nothing but one JSON-RPC message per request.
        assert.equal(server.lines.length, sent, `stdout:\n${server.lines.join("\n")}`);
        for (const line of server.lines) {
            const message = JSON.parse(line);
            assert.equal(message.jsonrpc, "2.0", line);
        }
    });

    it("answers a tool call still in flight when stdin closes, then exits 0", async () => {
        const server = new RawServer(db, { project: "e2e-raw-eof" });
        try {
            server.send({ jsonrpc: "2.0", id: 1, method: "initialize", params: INITIALIZE_PARAMS });
            server.send({ jsonrpc: "2.0", method: "notifications/initialized" });
            server.send({
                jsonrpc: "2.0",
                id: 2,
                method: "tools/call",
                params: {
                    name: "lock_context",
                    arguments: { topic: "eof/topic", content: "written at EOF" },
                },
            });
            const { code } = await server.close();
            assert.equal(code, 0, `stderr:\n${server.stderr}`);
        } finally {
            if (server.child.exitCode === null) server.child.kill("SIGKILL");
        }
        assert.equal(server.lines.length, 2, `stdout:\n${server.lines.join("\n")}`);
        const call = server.parsed.find((m) => m.id === 2);
        assert.equal(call?.result?.isError, false, JSON.stringify(call));
        assert.equal(call.result.structuredContent.version, 1);
        assert.equal(call.result.structuredContent.project, "e2e-raw-eof");
    });

    it("ignores blank lines and accepts CRLF line ends", async () => {
        const server = new RawServer(db, { project: "e2e-raw" });
        try {
            server.send("");
            server.send("   ");
            server.child.stdin.write(
                JSON.stringify({
                    jsonrpc: "2.0",
                    id: 1,
                    method: "initialize",
                    params: INITIALIZE_PARAMS,
                }) + "\r\n",
            );
            const init = await server.next();
            assert.equal(init.id, 1);
            assert.equal(init.result.serverInfo.name, "mnemo");
            const { code } = await server.close();
            assert.equal(code, 0);
        } finally {
            if (server.child.exitCode === null) server.child.kill("SIGKILL");
        }
        assert.equal(server.lines.length, 1, `stdout:\n${server.lines.join("\n")}`);
    });

    for (const [requested, expected, name] of [
        ["2025-06-18", "2025-06-18", "answers an older supported protocol revision with that revision"],
        ["1999-01-01", "2025-11-25", "answers an unknown protocol revision with its newest one"],
    ]) {
        it(name, async () => {
            const server = new RawServer(db, { project: "e2e-raw" });
            try {
                const init = await server.request({
                    jsonrpc: "2.0",
                    id: 1,
                    method: "initialize",
                    params: { ...INITIALIZE_PARAMS, protocolVersion: requested },
                });
                assert.equal(init.result.protocolVersion, expected);
                assert.equal((await server.close()).code, 0);
            } finally {
                if (server.child.exitCode === null) server.child.kill("SIGKILL");
            }
        });
    }
});

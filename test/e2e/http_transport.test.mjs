// SPDX-License-Identifier: MIT
// Streamable HTTP through the official SDK client and raw requests: initialize, tools, a call
// streaming progress over SSE, the GET stream, DELETE then 404, header checks, bad input,
// and the operator endpoints.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { EXPECTED_TOOLS, callOk, createTestDatabase, uniqueProject } from "./harness.mjs";
import {
    connectHttp,
    createToken,
    postHeaders,
    rawCall,
    rawInitialize,
    rawPost,
    startHttpServer,
} from "./http_harness.mjs";

describe("Streamable HTTP transport", () => {
    let db;
    let server;
    let token;

    before(async () => {
        db = createTestDatabase();
        token = createToken(db, "alice");
        server = await startHttpServer(db);
    });

    after(async () => {
        const outcome = await server?.stop("SIGTERM");
        db?.drop();
        assert.equal(outcome?.code, 0, "SIGTERM ends mnemo with exit code 0");
    });

    it("the SDK client initializes, lists tools and calls them", async () => {
        const { client, transport } = await connectHttp(server.url, token);
        assert.match(transport.sessionId, /^[0-9a-f]{64}$/);
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((tool) => tool.name).sort(), EXPECTED_TOOLS);
        const project = uniqueProject("http");
        await callOk(client, "create_project", { name: project });
        const locked = await callOk(client, "lock_context", {
            project,
            topic: "rules/http",
            content: "Every HTTP call carries its session id.",
        });
        assert.equal(locked.version, 1);
        const recalled = await callOk(client, "recall_context", { project, topic: "rules/http" });
        assert.equal(recalled.content, "Every HTTP call carries its session id.");
        await client.close();
    });

    it("a call with a progress token streams progress over SSE before its result", async () => {
        const { client } = await connectHttp(server.url, token);
        const project = uniqueProject("progress");
        await callOk(client, "create_project", { name: project });
        const progress = [];
        const result = await client.callTool(
            { name: "wake_up", arguments: { project } },
            undefined,
            { onprogress: (update) => progress.push(update) },
        );
        assert.notEqual(result.isError, true, JSON.stringify(result));
        assert.ok(progress.length >= 1, "at least one notifications/progress arrived");
        assert.equal(progress[0].message, "running wake_up");
        for (let i = 1; i < progress.length; ++i) {
            assert.ok(progress[i].progress > progress[i - 1].progress, "strictly increasing");
        }

        // The same over raw HTTP: the answer is text/event-stream with both events.
        const sessionId = await rawInitialize(server.url, token);
        const reply = await rawPost(
            server.url,
            {
                jsonrpc: "2.0",
                id: 9,
                method: "tools/call",
                params: { name: "wake_up", arguments: { project }, _meta: { progressToken: "t9" } },
            },
            postHeaders(token, sessionId),
        );
        assert.equal(reply.status, 200);
        assert.match(reply.headers.get("content-type"), /^text\/event-stream/);
        const events = reply.text
            .split("\n\n")
            .filter((block) => block.includes("data: "))
            .map((block) => JSON.parse(block.slice(block.indexOf("data: ") + 6)));
        assert.equal(events[0].method, "notifications/progress");
        assert.equal(events[0].params.progressToken, "t9");
        assert.equal(events.at(-1).id, 9);
        assert.equal(events.at(-1).result.isError, false);
        await client.close();
    });

    it("DELETE ends the session; its id then gets 404 and a new initialize works", async () => {
        const { client, transport } = await connectHttp(server.url, token);
        const sessionId = transport.sessionId;
        await transport.terminateSession();
        const reply = await rawPost(
            server.url,
            { jsonrpc: "2.0", id: 3, method: "tools/list" },
            postHeaders(token, sessionId),
        );
        assert.equal(reply.status, 404);
        assert.equal(reply.json.error.code, -32001);
        const again = await rawInitialize(server.url, token);
        assert.notEqual(again, sessionId);
        await client.close();
    });

    it("the GET stream opens once per session and DELETE closes it", async () => {
        const sessionId = await rawInitialize(server.url, token);
        const headers = {
            Accept: "text/event-stream",
            Authorization: `Bearer ${token}`,
            "Mcp-Session-Id": sessionId,
        };
        const stream = await fetch(server.url, { method: "GET", headers });
        assert.equal(stream.status, 200);
        assert.match(stream.headers.get("content-type"), /^text\/event-stream/);
        const second = await fetch(server.url, { method: "GET", headers });
        assert.equal(second.status, 409);
        await second.text();
        const deleted = await fetch(server.url, { method: "DELETE", headers });
        assert.equal(deleted.status, 200);
        await stream.text(); // ends because DELETE closed it
        const missing = await fetch(server.url, { method: "GET", headers });
        assert.equal(missing.status, 404);
        await missing.text();
    });

    it("requests without a session id get 400, unknown ids 404", async () => {
        const noSession = await rawPost(
            server.url,
            { jsonrpc: "2.0", id: 1, method: "tools/list" },
            postHeaders(token),
        );
        assert.equal(noSession.status, 400);
        assert.match(noSession.json.error.message, /Mcp-Session-Id/);
        const unknown = await rawPost(
            server.url,
            { jsonrpc: "2.0", id: 1, method: "tools/list" },
            postHeaders(token, "f".repeat(64)),
        );
        assert.equal(unknown.status, 404);
    });

    it("notifications get 202 and unknown methods -32601", async () => {
        const sessionId = await rawInitialize(server.url, token);
        const note = await rawPost(
            server.url,
            { jsonrpc: "2.0", method: "notifications/initialized" },
            postHeaders(token, sessionId),
        );
        assert.equal(note.status, 202);
        assert.equal(note.text, "");
        const unknown = await rawPost(
            server.url,
            { jsonrpc: "2.0", id: 5, method: "no/such/method" },
            postHeaders(token, sessionId),
        );
        assert.equal(unknown.status, 200);
        assert.equal(unknown.json.error.code, -32601);
    });

    it("bad input gets its status and a message, and the server stays up", async () => {
        const sessionId = await rawInitialize(server.url, token);
        const headers = postHeaders(token, sessionId);
        const invalidJson = await rawPost(server.url, "{not json", headers);
        assert.equal(invalidJson.status, 400);
        assert.equal(invalidJson.json.error.code, -32700);

        const batch = await rawPost(server.url, [{ jsonrpc: "2.0", id: 1, method: "ping" }], headers);
        assert.equal(batch.status, 400);
        assert.match(batch.json.error.message, /batch/);

        const wrongType = await rawPost(server.url, { jsonrpc: "2.0", id: 1, method: "ping" }, {
            ...headers,
            "Content-Type": "text/plain",
        });
        assert.equal(wrongType.status, 415);

        const noAccept = await rawPost(server.url, { jsonrpc: "2.0", id: 1, method: "ping" }, {
            ...headers,
            Accept: "application/json",
        });
        assert.equal(noAccept.status, 406);

        const badVersion = await rawPost(server.url, { jsonrpc: "2.0", id: 1, method: "ping" }, {
            ...headers,
            "MCP-Protocol-Version": "1999-01-01",
        });
        assert.equal(badVersion.status, 400);
        assert.match(badVersion.json.error.message, /Unsupported protocol version: 1999-01-01/);

        const oversized = await rawPost(
            server.url,
            { jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(5 << 20) } },
            headers,
        ).catch((error) => ({ status: "reset", error }));
        // The server answers 413 and closes; a client may see the reset before the answer.
        assert.ok(oversized.status === 413 || oversized.status === "reset", `${oversized.status}`);

        const put = await fetch(server.url, { method: "PUT", headers });
        assert.equal(put.status, 405);
        await put.text();

        const invalidRequest = await rawPost(server.url, { jsonrpc: "1.0", id: 1 }, headers);
        assert.equal(invalidRequest.status, 400);
        assert.equal(invalidRequest.json.error.code, -32600);

        const ping = await rawPost(server.url, { jsonrpc: "2.0", id: 2, method: "ping" }, headers);
        assert.equal(ping.status, 200);
        assert.deepEqual(ping.json.result, {});
    });

    it("a foreign Origin or Host is refused with 403 (DNS rebinding)", async () => {
        const origin = await rawPost(server.url, { jsonrpc: "2.0", id: 1, method: "ping" }, {
            ...postHeaders(token),
            Origin: "https://evil.example",
        });
        assert.equal(origin.status, 403);
        const local = await rawInitialize(server.url, token);
        assert.ok(local);
        // fetch cannot forge Host; use a raw socket.
        const { connect } = await import("node:net");
        const answer = await new Promise((resolve, reject) => {
            const socket = connect(server.port, "127.0.0.1", () => {
                socket.write(
                    "GET /healthz HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n",
                );
            });
            let data = "";
            socket.on("data", (chunk) => (data += chunk));
            socket.on("end", () => resolve(data));
            socket.on("error", reject);
        });
        assert.match(answer, /^HTTP\/1\.1 403/);
    });

    it("healthz, readyz, metrics and the protected-resource metadata answer", async () => {
        const health = await fetch(`${server.base}/healthz`);
        assert.equal(health.status, 200);
        const ready = await (await fetch(`${server.base}/readyz`)).json();
        assert.equal(ready.status, "ready");
        const sessionId = await rawInitialize(server.url, token);
        await rawCall(server.url, token, sessionId, "list_projects", {});
        const metrics = await (await fetch(`${server.base}/metrics`)).text();
        for (const family of [
            "mnemo_tool_calls_total",
            "mnemo_tool_latency_seconds_bucket",
            "mnemo_http_responses_total",
            "mnemo_http_sessions_live",
            "mnemo_pool_connections",
            "mnemo_pool_evictions_total",
            "mnemo_pool_leaks_total",
        ]) {
            assert.match(metrics, new RegExp(`^${family}`, "m"), family);
        }
        assert.match(metrics, /mnemo_tool_calls_total\{tool="list_projects",outcome="success"\} [1-9]/);
        for (const path of [
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
        ]) {
            const prm = await (await fetch(`${server.base}${path}`)).json();
            assert.equal(prm.resource, `${server.base}/mcp`);
            assert.deepEqual(prm.bearer_methods_supported, ["header"]);
        }
        const logs = server.stderr();
        assert.match(logs, /"event":"http_request"/);
        assert.match(logs, /"correlation_id":"/);
    });
});

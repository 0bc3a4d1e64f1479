// SPDX-License-Identifier: MIT
// MCP beyond tools over Streamable HTTP: sampling answered in a separate POST and correlated
// back, refused and unanswered answers, cancellation, subscriptions on the GET stream, and a
// log level that survives requests and restarts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
    CreateMessageRequestSchema,
    ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";

import { callOk, createTestDatabase, uniqueProject } from "./harness.mjs";
import {
    connectHttp,
    createToken,
    postHeaders,
    rawInitialize,
    rawPost,
    startHttpServer,
} from "./http_harness.mjs";

const FIXTURES = ["--conformance-fixtures"];

/// Reads SSE events ({data: parsed JSON}) from a fetch response as they arrive.
async function* sseMessages(response) {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = event
                .split("\n")
                .filter((line) => line.startsWith("data:"))
                .map((line) => line.slice(5).trimStart())
                .join("\n");
            if (data) yield JSON.parse(data);
        }
    }
}

/// Initializes a raw session declaring `capabilities` and sends initialized; returns its id.
async function initialize(url, token, capabilities) {
    const sessionId = await rawInitialize(url, token, capabilities);
    const done = await rawPost(
        url,
        { jsonrpc: "2.0", method: "notifications/initialized" },
        postHeaders(token, sessionId),
    );
    assert.equal(done.status, 202);
    return sessionId;
}

/// POSTs a tools/call and returns the open SSE iterator of its answer.
async function startCall(url, token, sessionId, id, name, args) {
    const response = await fetch(url, {
        method: "POST",
        headers: postHeaders(token, sessionId),
        body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type"), /text\/event-stream/);
    return sseMessages(response)[Symbol.asyncIterator]();
}

async function waitingClientRequests(server) {
    const text = await (await fetch(`${server.base}/metrics`)).text();
    const match = text.match(/^mnemo_client_requests_waiting (\d+)$/m);
    assert.ok(match, "the gauge is exported");
    return Number(match[1]);
}

describe("MCP features over Streamable HTTP", () => {
    let db;
    let server;
    let token;

    before(async () => {
        db = createTestDatabase();
        token = createToken(db, "alice");
        server = await startHttpServer(db, {
            args: FIXTURES,
            env: { MNEMO_CLIENT_REQUEST_TIMEOUT_MS: "1500" },
        });
    });

    after(async () => {
        const outcome = await server?.stop("SIGTERM");
        db?.drop();
        assert.equal(outcome?.code, 0);
    });

    it("the SDK client answers sampling in a separate POST and gets the tool's result", async () => {
        const { client } = await connectHttp(server.url, token, {
            capabilities: { sampling: {} },
            setup(c) {
                c.setRequestHandler(CreateMessageRequestSchema, (request) => ({
                    model: "m",
                    role: "assistant",
                    content: { type: "text", text: `echo: ${request.params.messages[0].content.text}` },
                }));
            },
        });
        const result = await client.callTool({ name: "test_sampling", arguments: { prompt: "ping over http" } });
        assert.notEqual(result.isError, true, JSON.stringify(result));
        assert.match(result.content[0].text, /echo: ping over http/);
        await client.close();
    });

    it("correlates a raw answer by id; a repeated or unknown answer gets 400", async () => {
        const sessionId = await initialize(server.url, token, { sampling: {} });
        const events = await startCall(server.url, token, sessionId, 5, "test_sampling", { prompt: "raw" });
        const asked = (await events.next()).value;
        assert.equal(asked.method, "sampling/createMessage");
        assert.equal(typeof asked.id, "string");
        const answer = {
            jsonrpc: "2.0",
            id: asked.id,
            result: { model: "m", role: "assistant", content: { type: "text", text: "raw answer" } },
        };
        const accepted = await rawPost(server.url, answer, postHeaders(token, sessionId));
        assert.equal(accepted.status, 202, accepted.text);
        const result = (await events.next()).value;
        assert.equal(result.id, 5);
        assert.match(result.result.content[0].text, /raw answer/);
        assert.equal((await events.next()).done, true, "the stream ends after the result");

        const again = await rawPost(server.url, answer, postHeaders(token, sessionId));
        assert.equal(again.status, 400, again.text);
        assert.match(again.json.error.message, /already answered|unknown|is waiting/);
        const unknown = await rawPost(
            server.url,
            { ...answer, id: "mnemo-000000000000-999" },
            postHeaders(token, sessionId),
        );
        assert.equal(unknown.status, 400, unknown.text);
    });

    it("another session cannot answer a session's request", async () => {
        const sessionId = await initialize(server.url, token, { sampling: {} });
        const intruder = await initialize(server.url, token, { sampling: {} });
        const events = await startCall(server.url, token, sessionId, 6, "test_sampling", { prompt: "mine" });
        const asked = (await events.next()).value;
        const answer = {
            jsonrpc: "2.0",
            id: asked.id,
            result: { model: "m", role: "assistant", content: { type: "text", text: "stolen" } },
        };
        const refused = await rawPost(server.url, answer, postHeaders(token, intruder));
        assert.equal(refused.status, 400, refused.text);
        const accepted = await rawPost(server.url, answer, postHeaders(token, sessionId));
        assert.equal(accepted.status, 202);
        const result = (await events.next()).value;
        assert.match(result.result.content[0].text, /stolen/, "the owner's answer is used");
    });

    it("an unanswered request times out into a tool error and leaves nothing waiting", async () => {
        const sessionId = await initialize(server.url, token, { sampling: {} });
        const events = await startCall(server.url, token, sessionId, 7, "test_sampling", { prompt: "silence" });
        assert.equal((await events.next()).value.method, "sampling/createMessage");
        assert.equal(await waitingClientRequests(server), 1);
        const started = Date.now();
        const result = (await events.next()).value;
        assert.equal(result.id, 7);
        assert.equal(result.result.isError, true);
        assert.match(result.result.content[0].text, /did not answer in time \(1500 ms\)/);
        assert.ok(Date.now() - started < 3000);
        assert.equal(await waitingClientRequests(server), 0);
    });

    it("notifications/cancelled ends the call's stream without a response", async () => {
        const sessionId = await initialize(server.url, token, { sampling: {} });
        const events = await startCall(server.url, token, sessionId, 8, "test_sampling", { prompt: "cancel me" });
        assert.equal((await events.next()).value.method, "sampling/createMessage");
        const cancelled = await rawPost(
            server.url,
            { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 8, reason: "user" } },
            postHeaders(token, sessionId),
        );
        assert.equal(cancelled.status, 202);
        const started = Date.now();
        const next = await events.next();
        assert.equal(next.done, true, `no response follows: ${JSON.stringify(next.value)}`);
        assert.ok(Date.now() - started < 1000, "the wait stopped at once, not at the timeout");
        assert.equal(await waitingClientRequests(server), 0);
    });

    it("delivers resources/updated on the session's GET stream", async () => {
        const project = uniqueProject("watch");
        const updates = [];
        const { client } = await connectHttp(server.url, token, {
            setup(c) {
                c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
            },
        });
        await callOk(client, "create_project", { name: project });
        await callOk(client, "lock_context", { project, topic: "design", content: "one" });
        const uri = `mnemo://projects/${project}/contexts/design`;
        assert.equal((await client.readResource({ uri })).contents[0].text, "one");
        await client.subscribeResource({ uri });
        // Another client of the same user changes it.
        const { client: writer } = await connectHttp(server.url, token);
        await callOk(writer, "lock_context", { project, topic: "design", content: "two" });
        const deadline = Date.now() + 3000;
        while (!updates.includes(uri) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(updates, [uri]);

        // Another user's project of the same name is a different resource: no notification.
        const bob = createToken(db, "bob");
        const { client: other } = await connectHttp(server.url, bob);
        await callOk(other, "create_project", { name: project });
        await callOk(other, "lock_context", { project, topic: "design", content: "bob's" });
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(updates, [uri], "bob's change is not alice's resource");
        assert.equal((await client.readResource({ uri })).contents[0].text, "two");
        await Promise.all([client.close(), writer.close(), other.close()]);
    });

    it("keeps the log level across requests and restarts", async () => {
        const sessionId = await initialize(server.url, token, {});
        const level = await rawPost(
            server.url,
            { jsonrpc: "2.0", id: 2, method: "logging/setLevel", params: { level: "warning" } },
            postHeaders(token, sessionId),
        );
        assert.deepEqual(level.json, { jsonrpc: "2.0", id: 2, result: {} });
        const failing = {
            jsonrpc: "2.0",
            id: 3,
            method: "tools/call",
            params: { name: "recall_context", arguments: { project: uniqueProject("none"), topic: "x" } },
        };
        const check = async () => {
            const reply = await rawPost(server.url, failing, postHeaders(token, sessionId));
            assert.equal(reply.status, 200, reply.text);
            assert.match(reply.headers.get("content-type"), /text\/event-stream/);
            assert.match(reply.text, /"method":"notifications\/message"/);
            assert.match(reply.text, /"level":"warning"/);
        };
        await check();
        const outcome = await server.stop("SIGTERM");
        assert.equal(outcome.code, 0);
        server = await startHttpServer(db, {
            port: server.port,
            args: FIXTURES,
            env: { MNEMO_CLIENT_REQUEST_TIMEOUT_MS: "1500" },
        });
        await check();
    });
});

// SPDX-License-Identifier: MIT
// MCP beyond tools over stdio, through the official SDK client and raw lines: contexts as
// resources (templates, versions, pages, subscriptions), prompts, completions, logging,
// requests to the client (sampling, elicitation), cancellation and client-request timeouts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";

import {
    CreateMessageRequestSchema,
    ElicitRequestSchema,
    LoggingMessageNotificationSchema,
    ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";

import {
    INITIALIZE_PARAMS,
    RawServer,
    callError,
    callOk,
    createTestDatabase,
    startServer,
    uniqueProject,
} from "./harness.mjs";

const FIXTURES = ["--conformance-fixtures"];

/// Resolves with the first item pushed to `list` that satisfies `match`, or null after `ms`.
function waitFor(list, match, ms = 2000) {
    return new Promise((resolve) => {
        const started = Date.now();
        const poll = () => {
            const found = list.find(match);
            if (found !== undefined) return resolve(found);
            if (Date.now() - started > ms) return resolve(null);
            setTimeout(poll, 10);
        };
        poll();
    });
}

/// Polls `predicate` until it holds or `ms` pass; returns its last value.
async function waitUntil(predicate, ms) {
    const deadline = Date.now() + ms;
    while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return predicate();
}

async function rpcError(promise) {
    try {
        await promise;
    } catch (error) {
        return error;
    }
    assert.fail("the request should have failed");
}

describe("MCP features over stdio", () => {
    let db;
    let server;
    let client;
    let project;
    const updates = [];
    const logs = [];
    const sampled = [];

    before(async () => {
        db = createTestDatabase();
        project = uniqueProject("features");
        server = await startServer(db, {
            project,
            extraArgs: FIXTURES,
            capabilities: { sampling: {}, elicitation: {} },
            setup(c) {
                c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) =>
                    updates.push(n.params.uri),
                );
                c.setNotificationHandler(LoggingMessageNotificationSchema, (n) =>
                    logs.push(n.params),
                );
                c.setRequestHandler(CreateMessageRequestSchema, (request) => {
                    sampled.push(request.params);
                    return {
                        model: "test-model",
                        role: "assistant",
                        content: { type: "text", text: "hello from the model" },
                    };
                });
                c.setRequestHandler(ElicitRequestSchema, (request) => ({
                    action: "accept",
                    content: { username: "ada", email: "ada@example.com", seen: request.params.message },
                }));
            },
        });
        client = server.client;
        await callOk(client, "create_project", { name: project });
    });

    after(async () => {
        await client?.close();
        db?.drop();
    });

    it("declares every capability it serves", () => {
        const capabilities = client.getServerCapabilities();
        assert.deepEqual(capabilities.resources, { subscribe: true, listChanged: false });
        assert.deepEqual(capabilities.prompts, { listChanged: false });
        assert.deepEqual(capabilities.logging, {});
        assert.deepEqual(capabilities.completions, {});
    });

    it("serves every locked context as a resource, latest and by version", async () => {
        await callOk(client, "lock_context", { topic: "architecture/db", content: "v1: PostgreSQL 15" });
        await callOk(client, "lock_context", { topic: "architecture/db", content: "v2: PostgreSQL 16" });
        // The topic's '/' stays a '/' ({+topic}); the percent-encoded form is read too.
        const uri = `mnemo://projects/${project}/contexts/architecture/db`;

        const { resources } = await client.listResources();
        const listed = resources.find((resource) => resource.uri === uri);
        assert.ok(listed, `${uri} is listed: ${JSON.stringify(resources)}`);
        assert.equal(listed.name, "architecture/db");
        assert.equal(listed.mimeType, "text/markdown");

        const latest = await client.readResource({ uri });
        assert.equal(latest.contents[0].text, "v2: PostgreSQL 16");
        assert.equal(latest.contents[0].uri, uri);
        const first = await client.readResource({ uri: `${uri}/versions/1` });
        assert.equal(first.contents[0].text, "v1: PostgreSQL 15");
        const encoded = await client.readResource({ uri: `mnemo://projects/${project}/contexts/architecture%2Fdb` });
        assert.equal(encoded.contents[0].text, "v2: PostgreSQL 16");

        const { resourceTemplates } = await client.listResourceTemplates();
        const templates = resourceTemplates.map((t) => t.uriTemplate);
        assert.ok(templates.includes("mnemo://projects/{project}/contexts/{+topic}"));
        assert.ok(templates.includes("mnemo://projects/{project}/contexts/{+topic}/versions/{version}"));

        const missing = await rpcError(
            client.readResource({ uri: `mnemo://projects/${project}/contexts/nothing-here` }),
        );
        assert.equal(missing.code, -32002, missing.message);
        const malformed = await rpcError(
            client.readResource({ uri: `mnemo://projects/${project}/contexts/x/versions/zero` }),
        );
        assert.equal(malformed.code, -32602, malformed.message);
        const otherScheme = await rpcError(client.readResource({ uri: "file:///etc/passwd" }));
        assert.equal(otherScheme.code, -32002, otherScheme.message);
    });

    it("pages resources/list with an opaque cursor and refuses a forged one", async () => {
        const paged = uniqueProject("pages");
        await callOk(client, "create_project", { name: paged });
        await callOk(client, "select_project", { name: paged });
        try {
            for (let i = 0; i < 105; ++i) {
                await callOk(client, "lock_context", {
                    topic: `notes/n${String(i).padStart(3, "0")}`,
                    content: `note ${i}`,
                });
            }
            const first = await client.listResources();
            const mine = (page) => page.resources.filter((r) => r.uri.startsWith("mnemo://"));
            assert.equal(mine(first).length, 100);
            assert.ok(first.nextCursor, "a second page exists");
            const second = await client.listResources({ cursor: first.nextCursor });
            assert.equal(mine(second).length, 5);
            const all = [...mine(first), ...mine(second)].map((r) => r.name);
            assert.equal(new Set(all).size, 105, "no topic twice, none missing");
            const forged = await rpcError(client.listResources({ cursor: "7:garbage" }));
            assert.equal(forged.code, -32602, forged.message);
        } finally {
            await callOk(client, "select_project", { name: project });
        }
    });

    it("notifies subscribers when a context gets a new version, until they unsubscribe", async () => {
        const uri = `mnemo://projects/${project}/contexts/rules.watched`;
        await callOk(client, "lock_context", { topic: "rules.watched", content: "first" });
        assert.deepEqual(await client.subscribeResource({ uri }), {});
        await callOk(client, "lock_context", { topic: "rules.watched", content: "second" });
        assert.equal(await waitFor(updates, (u) => u === uri), uri);

        assert.deepEqual(await client.unsubscribeResource({ uri }), {});
        updates.length = 0;
        await callOk(client, "lock_context", { topic: "rules.watched", content: "third" });
        assert.equal(await waitFor(updates, (u) => u === uri, 300), null, "no update after unsubscribe");

        const unknown = await rpcError(client.subscribeResource({ uri: "nothing://here" }));
        assert.equal(unknown.code, -32002, unknown.message);
    });

    it("offers session_start and handover prompts built from the project's memory", async () => {
        const { prompts } = await client.listPrompts();
        for (const name of ["session_start", "handover"]) {
            const prompt = prompts.find((p) => p.name === name);
            assert.ok(prompt?.description, `${name} is listed with a description`);
        }
        await callOk(client, "lock_context", {
            topic: "rules.commits",
            content: "Never commit without running the tests.",
            priority: "always_check",
        });
        await callOk(client, "sleep", {
            summary: "Wired the pool into the server.",
            pending: ["Measure the HTTP latency"],
        });
        const start = await client.getPrompt({ name: "session_start", arguments: { project } });
        const text = start.messages[0].content.text;
        assert.equal(start.messages[0].role, "user");
        assert.match(text, /Wired the pool into the server\./);
        assert.match(text, /Measure the HTTP latency/);
        assert.match(text, /Never commit without running the tests\./);

        const handover = await client.getPrompt({ name: "handover", arguments: { focus: "benchmarks" } });
        const instructions = handover.messages[0].content.text;
        assert.match(instructions, /call the sleep tool/);
        assert.match(instructions, /benchmarks/);
        assert.match(instructions, /Measure the HTTP latency/, "carries over what was pending");

        const unknown = await rpcError(client.getPrompt({ name: "no_such_prompt" }));
        assert.equal(unknown.code, -32602);
        const missing = await rpcError(
            client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "a" } }),
        );
        assert.equal(missing.code, -32602);
        assert.match(missing.message, /arg2/);
        const badProject = await rpcError(
            client.getPrompt({ name: "session_start", arguments: { project: "../etc" } }),
        );
        assert.equal(badProject.code, -32602);
    });

    it("completes project names and topics for templates and prompt arguments", async () => {
        const prefix = project.slice(0, 12);
        const projects = await client.complete({
            ref: { type: "ref/resource", uri: "mnemo://projects/{project}/contexts/{+topic}" },
            argument: { name: "project", value: prefix },
        });
        assert.ok(projects.completion.values.includes(project), JSON.stringify(projects));
        assert.ok(projects.completion.values.every((v) => v.startsWith(prefix)));

        const topics = await client.complete({
            ref: { type: "ref/resource", uri: "mnemo://projects/{project}/contexts/{+topic}" },
            argument: { name: "topic", value: "architecture" },
            context: { arguments: { project } },
        });
        assert.deepEqual(topics.completion.values, ["architecture/db"]);

        const prompt = await client.complete({
            ref: { type: "ref/prompt", name: "session_start" },
            argument: { name: "project", value: prefix },
        });
        assert.ok(prompt.completion.values.includes(project));
    });

    it("sends log messages at the level the client set, and none below it", async () => {
        await client.setLoggingLevel("warning");
        logs.length = 0;
        await callError(client, "recall_context", { topic: "does.not.exist" });
        const warning = await waitFor(logs, (l) => l.level === "warning");
        assert.ok(warning, "a warning arrived");
        assert.equal(warning.data.tool, "recall_context");

        await client.setLoggingLevel("error");
        logs.length = 0;
        await callError(client, "recall_context", { topic: "does.not.exist" });
        assert.equal(await waitFor(logs, () => true, 300), null, "warnings are below error");

        const bad = await rpcError(client.setLoggingLevel("loud"));
        assert.equal(bad.code, -32602);
    });

    it("asks the client for sampling and elicitation during a call", async () => {
        const sampling = await client.callTool({ name: "test_sampling", arguments: { prompt: "Say hi" } });
        assert.notEqual(sampling.isError, true, JSON.stringify(sampling));
        assert.match(sampling.content[0].text, /hello from the model/);
        assert.equal(sampled.at(-1).messages[0].content.text, "Say hi");
        assert.equal(sampled.at(-1).maxTokens, 100);

        const elicited = await client.callTool({
            name: "test_elicitation",
            arguments: { message: "Who are you?" },
        });
        assert.notEqual(elicited.isError, true, JSON.stringify(elicited));
        assert.match(elicited.content[0].text, /"action":"accept"/);
        assert.match(elicited.content[0].text, /Who are you\?/);
    });
});

describe("requests to the client over raw stdio", () => {
    let db;
    let raw;

    before(async () => {
        db = createTestDatabase();
        raw = new RawServer(db, {
            project: uniqueProject("raw"),
            extraArgs: FIXTURES,
            extraEnv: { MNEMO_CLIENT_REQUEST_TIMEOUT_MS: "400" },
        });
        const init = await raw.request({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: { ...INITIALIZE_PARAMS, capabilities: { sampling: {} } },
        });
        assert.ok(init.result, JSON.stringify(init));
        raw.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    });

    after(async () => {
        await raw?.close();
        db?.drop();
    });

    it("a cancelled call stops waiting and sends no response", async () => {
        raw.send({
            jsonrpc: "2.0",
            id: 7,
            method: "tools/call",
            params: { name: "test_sampling", arguments: { prompt: "never answered" } },
        });
        const asked = await raw.next();
        assert.equal(asked.method, "sampling/createMessage", JSON.stringify(asked));
        raw.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } });
        const ping = await raw.request({ jsonrpc: "2.0", id: 8, method: "ping" });
        assert.deepEqual(ping, { jsonrpc: "2.0", id: 8, result: {} });
        // Past the client-request timeout: a response to 7 would have come by now.
        await new Promise((resolve) => setTimeout(resolve, 600));
        assert.ok(
            !raw.lines.some((line) => JSON.parse(line).id === 7),
            `no response to the cancelled request: ${raw.lines.join("\n")}`,
        );
        assert.ok(
            await waitUntil(() => raw.stderr.includes('"request_cancelled"'), 2000),
            `the cancellation is logged:\n${raw.stderr}`,
        );
    });

    it("cancelling query_database cancels its statement in PostgreSQL", async () => {
        const sleeping = () =>
            Number(
                execFileSync(
                    "psql",
                    [
                        process.env.MNEMO_TEST_DSN,
                        "-X",
                        "-A",
                        "-t",
                        "-c",
                        `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db.name}' ` +
                            "AND wait_event = 'PgSleep'",
                    ],
                    { encoding: "utf8" },
                ).trim(),
            );
        raw.send({
            jsonrpc: "2.0",
            id: 11,
            method: "tools/call",
            params: { name: "query_database", arguments: { sql: "SELECT pg_sleep(30)" } },
        });
        assert.ok(await waitUntil(() => sleeping() === 1, 3000), "the statement runs");
        const cancelledAt = Date.now();
        raw.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 11 } });
        // Well before MNEMO_QUERY_TIMEOUT_MS (5 s) would have ended it.
        assert.ok(await waitUntil(() => sleeping() === 0, 1500), "the statement was cancelled");
        assert.ok(Date.now() - cancelledAt < 1500);
        const ping = await raw.request({ jsonrpc: "2.0", id: 12, method: "ping" });
        assert.deepEqual(ping.result, {});
        assert.ok(!raw.lines.some((line) => JSON.parse(line).id === 11), "no response to 11");
    });

    it("an unanswered request times out into a tool error; a late answer is refused", async () => {
        raw.send({
            jsonrpc: "2.0",
            id: 9,
            method: "tools/call",
            params: { name: "test_sampling", arguments: { prompt: "too slow" } },
        });
        const asked = await raw.next();
        assert.equal(asked.method, "sampling/createMessage");
        const started = Date.now();
        const result = await raw.next(3000);
        assert.equal(result.id, 9);
        assert.equal(result.result.isError, true);
        assert.match(result.result.content[0].text, /did not answer in time \(400 ms\)/);
        assert.ok(Date.now() - started < 2000, "bounded by MNEMO_CLIENT_REQUEST_TIMEOUT_MS");

        raw.send({
            jsonrpc: "2.0",
            id: asked.id,
            result: { role: "assistant", content: { type: "text", text: "late" }, model: "m" },
        });
        const ping = await raw.request({ jsonrpc: "2.0", id: 10, method: "ping" });
        assert.deepEqual(ping.result, {});
        // stderr is another pipe: the refusal's log line may trail the pong on stdout.
        assert.ok(
            await waitUntil(() => raw.stderr.includes('"client_response_refused"'), 2000),
            `the late answer is refused in the log:\n${raw.stderr}`,
        );
    });

    it("a client without the capability is not asked", async () => {
        const other = new RawServer(db, { project: uniqueProject("nocap"), extraArgs: FIXTURES });
        try {
            await other.request({ jsonrpc: "2.0", id: 1, method: "initialize", params: INITIALIZE_PARAMS });
            other.send({ jsonrpc: "2.0", method: "notifications/initialized" });
            const reply = await other.request({
                jsonrpc: "2.0",
                id: 2,
                method: "tools/call",
                params: { name: "test_elicitation", arguments: { message: "hi" } },
            });
            assert.equal(reply.result.isError, true);
            assert.match(reply.result.content[0].text, /did not declare the "elicitation" capability/);
        } finally {
            await other.close();
        }
    });
});

// SPDX-License-Identifier: MIT
// Sessions that survive: a client keeps its Mcp-Session-Id across mnemo restarts (SIGTERM and
// SIGKILL) and across two mnemo processes on one database — same user, same project.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { callOk, createTestDatabase, uniqueProject } from "./harness.mjs";
import {
    connectHttp,
    createToken,
    rawCall,
    startHttpServer,
    tokenCommand,
} from "./http_harness.mjs";

describe("sessions in PostgreSQL", () => {
    let db;
    let token;
    const servers = [];

    before(() => {
        db = createTestDatabase();
        token = createToken(db, "carol");
    });

    after(async () => {
        for (const server of servers) await server.stop("SIGKILL");
        db?.drop();
    });

    async function start(port) {
        const server = await startHttpServer(db, { port });
        servers.push(server);
        return server;
    }

    for (const signal of ["SIGTERM", "SIGKILL"]) {
        it(`a session continues after mnemo is stopped with ${signal} and started again`, async () => {
            const first = await start();
            const { client, transport } = await connectHttp(first.url, token);
            const sessionId = transport.sessionId;
            const project = uniqueProject(signal.toLowerCase());
            await callOk(client, "create_project", { name: project });
            await callOk(client, "select_project", { name: project });
            await callOk(client, "lock_context", {
                topic: "decisions/restart",
                content: `written before ${signal}`,
            });

            const outcome = await first.stop(signal);
            if (signal === "SIGTERM") assert.equal(outcome.code, 0, first.stderr());
            await start(first.port);

            // The same client object: no re-initialize, the same session id, the same project.
            const recalled = await callOk(client, "recall_context", { topic: "decisions/restart" });
            assert.equal(recalled.content, `written before ${signal}`);
            assert.equal(transport.sessionId, sessionId);
            const listed = await callOk(client, "list_projects", {});
            assert.equal(listed.selected, project);
            await client.close();
        });
    }

    it("a session created on one process is used on another", async () => {
        const a = await start();
        const b = await start();
        const { client: onA, transport } = await connectHttp(a.url, token);
        const project = uniqueProject("replicas");
        await callOk(onA, "create_project", { name: project });
        await callOk(onA, "select_project", { name: project });

        const { client: onB } = await connectHttp(b.url, token, { sessionId: transport.sessionId });
        const locked = await callOk(onB, "lock_context", {
            topic: "notes/replica",
            content: "locked through process B on A's session",
        });
        assert.equal(locked.project, project, "B sees the project A's session selected");
        const recalled = await callOk(onA, "recall_context", { topic: "notes/replica" });
        assert.equal(recalled.content, "locked through process B on A's session");

        // Ending it on B ends it everywhere.
        const { transport: bTransport } = await connectHttp(b.url, token, {
            sessionId: transport.sessionId,
        });
        await bTransport.terminateSession();
        const response = await fetch(a.url, {
            method: "POST",
            headers: {
                Authorization: `Bearer ${token}`,
                "Content-Type": "application/json",
                Accept: "application/json, text/event-stream",
                "Mcp-Session-Id": transport.sessionId,
            },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
        });
        assert.equal(response.status, 404);
        await response.text();
    });

    // Each process plans a request from what it last saw of the token and the session, and
    // the database checks that in the request's own first round trip: nothing it saw may
    // outlive a change made on another process.
    it("two warm replicas: what one changes holds on the other's very next request", async () => {
        const a = await start();
        const b = await start();
        const erin = createToken(db, "erin");
        const { client: onA, transport } = await connectHttp(a.url, erin);
        const sessionId = transport.sessionId;
        const first = uniqueProject("warm-first");
        const second = uniqueProject("warm-second");
        await callOk(onA, "create_project", { name: first });
        await callOk(onA, "create_project", { name: second });
        await callOk(onA, "select_project", { name: first });
        const { client: onB } = await connectHttp(b.url, erin, { sessionId });
        assert.equal((await callOk(onB, "list_projects", {})).selected, first, "B has seen it");

        // A project selected on A: B's next write lands in it, not in the one B saw.
        await callOk(onA, "select_project", { name: second });
        const locked = await callOk(onB, "lock_context", {
            topic: "notes/warm",
            content: "written after the switch",
        });
        assert.equal(locked.project, second);
        const stale = await onA.callTool({
            name: "recall_context",
            arguments: { project: first, topic: "notes/warm" },
        });
        assert.ok(!JSON.stringify(stale).includes("written after the switch"), "nothing in first");

        // A token revoked (through A's database): refused on B's next request, and the write it
        // carried did not happen.
        const rows = tokenCommand(db, "list").stdout.split("\n");
        const id = rows.find((row) => row.includes(erin.slice(0, 14))).trim().split(/\s+/)[0];
        assert.equal(tokenCommand(db, "revoke", id).code, 0);
        const refused = await rawCall(b.url, erin, sessionId, "lock_context", {
            topic: "notes/revoked",
            content: "must not be stored",
        });
        assert.equal(refused.status, 401, refused.text);
        const onAToo = await rawCall(a.url, erin, sessionId, "list_projects", {});
        assert.equal(onAToo.status, 401, onAToo.text);
        const again = createToken(db, "erin");
        const { client: checker } = await connectHttp(b.url, again);
        const revoked = await checker.callTool({
            name: "recall_context",
            arguments: { project: second, topic: "notes/revoked" },
        });
        assert.ok(!JSON.stringify(revoked).includes("must not be stored"), "the write did not run");
        await checker.close();
    });
});

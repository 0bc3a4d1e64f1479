// SPDX-License-Identifier: MIT
// Sessions that survive: a client keeps its Mcp-Session-Id across mnemo restarts (SIGTERM and
// SIGKILL) and across two mnemo processes on one database — same user, same project.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { callOk, createTestDatabase, uniqueProject } from "./harness.mjs";
import { connectHttp, createToken, startHttpServer } from "./http_harness.mjs";

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
});

// SPDX-License-Identifier: MIT
// Fixtures for the Streamable HTTP tests: `mnemo serve --http` processes on free loopback
// ports, bearer tokens from `mnemo token create`, SDK clients and raw requests.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

import { mnemoBinary, serverEnv } from "./harness.mjs";

/// A TCP port that was free a moment ago on 127.0.0.1.
export async function freePort() {
    const server = createServer();
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address();
    await new Promise((resolve) => server.close(resolve));
    return port;
}

/// `mnemo token create` for `user`; returns the token (stdout holds nothing else).
export function createToken(db, user, scope = "write") {
    const out = execFileSync(
        mnemoBinary(),
        ["token", "create", "--user", user, "--scope", scope, "--label", "e2e"],
        { env: serverEnv(db), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    const token = out.trim();
    assert.match(token, /^mnemo_[0-9a-f]{64}$/, "token create prints the token alone");
    return token;
}

/// `mnemo token <args>`; returns { code, stdout, stderr }.
export function tokenCommand(db, ...args) {
    try {
        const stdout = execFileSync(mnemoBinary(), ["token", ...args], {
            env: serverEnv(db),
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        return { code: 0, stdout, stderr: "" };
    } catch (error) {
        return { code: error.status, stdout: error.stdout, stderr: error.stderr };
    }
}

/// Starts `mnemo serve --http 127.0.0.1:<port> [args...]` and waits until /healthz answers.
/// Returns { url, base, port, child, stderr(), exited, stop(signal) }.
export async function startHttpServer(db, { port, env = {}, args = [] } = {}) {
    const listenPort = port ?? (await freePort());
    const child = spawn(mnemoBinary(), ["serve", "--http", `127.0.0.1:${listenPort}`, ...args], {
        env: serverEnv(db, env),
        cwd: db.home,
        stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
        stderr += chunk.toString("utf8");
        if (process.env.MNEMO_E2E_LOG === "1") process.stderr.write(chunk);
    });
    const exited = new Promise((resolve) => {
        child.on("close", (code, signal) => resolve({ code, signal }));
    });
    const base = `http://127.0.0.1:${listenPort}`;
    const deadline = Date.now() + 30000;
    for (;;) {
        const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 50))]);
        if (early !== null) {
            throw new Error(`mnemo exited (${JSON.stringify(early)}) before listening:\n${stderr}`);
        }
        try {
            const response = await fetch(`${base}/healthz`);
            if (response.ok) break;
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`mnemo did not listen within 30 s:\n${stderr}`);
    }
    return {
        url: new URL(`${base}/mcp`),
        base,
        port: listenPort,
        child,
        exited,
        stderr: () => stderr,
        async stop(signal = "SIGTERM") {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
        },
    };
}

/// An SDK client over Streamable HTTP. `sessionId` resumes an existing session (no initialize).
/// The client declares `capabilities`; `setup(client)` runs before it connects.
export async function connectHttp(url, token, { sessionId, capabilities = {}, setup } = {}) {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const transport = new StreamableHTTPClientTransport(url, {
        requestInit: { headers },
        sessionId,
    });
    const client = new Client({ name: "mnemo-e2e-http", version: "1.0.0" }, { capabilities });
    if (setup) setup(client);
    await client.connect(transport);
    return { client, transport };
}

/// The headers a well-behaved client sends on POST.
export function postHeaders(token, sessionId, extra = {}) {
    const headers = {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
        ...extra,
    };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (sessionId) headers["Mcp-Session-Id"] = sessionId;
    return headers;
}

/// Raw POST of `body` (an object is sent as JSON). Returns { status, headers, text, json }.
export async function rawPost(url, body, headers) {
    const response = await fetch(url, {
        method: "POST",
        headers,
        body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json;
    try {
        json = JSON.parse(text);
    } catch {
        json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
}

/// Initializes a session with raw requests, declaring `capabilities`; returns its id.
export async function rawInitialize(url, token, capabilities = {}) {
    const reply = await rawPost(
        url,
        {
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: {
                protocolVersion: "2025-11-25",
                capabilities,
                clientInfo: { name: "mnemo-e2e-raw", version: "1.0.0" },
            },
        },
        postHeaders(token),
    );
    assert.equal(reply.status, 200, reply.text);
    const sessionId = reply.headers.get("mcp-session-id");
    assert.match(sessionId, /^[0-9a-f]{64}$/, "a 256-bit hex session id");
    return sessionId;
}

/// A tools/call over raw HTTP; returns the reply.
export async function rawCall(url, token, sessionId, name, args, id = 2) {
    return rawPost(
        url,
        { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } },
        postHeaders(token, sessionId),
    );
}

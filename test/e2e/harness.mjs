// SPDX-License-Identifier: MIT
// Shared fixtures for the end-to-end suite: a private role + database per test file, mnemo
// processes driven by the official MCP SDK client, and a raw line-oriented stdio peer.
//
// Environment:
//   MNEMO_BINARY    path of the mnemo executable (required)
//   MNEMO_TEST_DSN  superuser DSN of a PostgreSQL cluster (required; URL or conninfo)
//   MNEMO_E2E_LOG   set to 1 to copy every mnemo process's stderr (JSON logs) to ours
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

export const EXPECTED_TOOLS = [
    "check_contexts",
    "create_project",
    "delete_project",
    "explore_context_tree",
    "get_last_handover",
    "index_files",
    "list_projects",
    "lock_context",
    "memory_status",
    "query_database",
    "query_files",
    "recall_context",
    "scan_project_files",
    "search_contexts",
    "select_project",
    "sleep",
    "unlock_context",
    "wake_up",
];

/// The mnemo binary under test; throws a clear message when it is not configured.
/// How much slower than a quiet machine this run may be (MNEMO_TEST_TIME_SCALE, default 1):
/// multiplies the scheduling slack of wall-clock bounds, never the promise they check.
export const TIME_SCALE = Number(process.env.MNEMO_TEST_TIME_SCALE) > 0 ? Number(process.env.MNEMO_TEST_TIME_SCALE) : 1;

export function mnemoBinary() {
    const binary = process.env.MNEMO_BINARY;
    if (!binary) throw new Error("MNEMO_BINARY is not set (path of the mnemo executable)");
    // Absolute: mnemo starts in a temporary working directory.
    return resolve(binary);
}

/// A short random lower-case suffix, valid inside project, role and database names.
export function randomSuffix(bytes = 4) {
    return randomBytes(bytes).toString("hex");
}

/// A project name unique to this run, e.g. "e2e-roundtrip-1a2b3c4d".
export function uniqueProject(label) {
    return `e2e-${label}-${randomSuffix()}`;
}

export function sha256Hex(text) {
    return createHash("sha256").update(text, "utf8").digest("hex");
}

function adminDsn() {
    const dsn = process.env.MNEMO_TEST_DSN;
    if (!dsn) throw new Error("MNEMO_TEST_DSN is not set (superuser DSN of the test cluster)");
    return dsn;
}

function psql(...commands) {
    const args = [adminDsn(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"];
    for (const command of commands) args.push("-c", command);
    return execFileSync("psql", args, {
        encoding: "utf8",
        env: { ...process.env, PGCONNECT_TIMEOUT: "10" },
        stdio: ["ignore", "pipe", "pipe"],
    });
}

/// The admin DSN with user, password and database replaced.
function dsnFor(role, password, database) {
    const dsn = adminDsn();
    if (/^postgres(ql)?:\/\//.test(dsn)) {
        const url = new URL(dsn);
        url.username = role;
        url.password = password;
        url.pathname = `/${database}`;
        // test/e2e/pgbouncer.sh: mnemo reaches the database through PgBouncer.
        if (process.env.MNEMO_E2E_PGBOUNCER) url.host = process.env.MNEMO_E2E_PGBOUNCER;
        return url.toString();
    }
    // conninfo: a later keyword overrides an earlier one.
    return `${dsn} user=${role} password=${password} dbname=${database}`;
}

/// Creates a NON-superuser login role and a database it owns (mnemo must not bypass row-level
/// security; CREATEROLE lets it create the roles caller SQL runs as, as on a managed server),
/// plus a temporary MNEMO_HOME and a secret shared by every mnemo process of the
/// file. Call drop() in an after() hook.
export function createTestDatabase() {
    const name = `mnemo_e2e_${randomSuffix()}`;
    const password = randomSuffix(12);
    psql(
        `CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB CREATEROLE PASSWORD '${password}'`,
        `CREATE DATABASE ${name} OWNER ${name}`,
    );
    const home = mkdtempSync(join(tmpdir(), "mnemo-e2e-"));
    return {
        name,
        url: dsnFor(name, password, name),
        home,
        secret: randomSuffix(24),
        drop() {
            rmSync(home, { recursive: true, force: true });
            // The caller roles mnemo created (<name>_query_N, then <name>_query), then the owner.
            psql(
                `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
                `DO $$ DECLARE r text; BEGIN FOR r IN SELECT rolname FROM pg_roles ` +
                    `WHERE rolname LIKE '${name}\\_query%' ORDER BY length(rolname) DESC ` +
                    `LOOP EXECUTE format('DROP ROLE %I', r); END LOOP; END $$`,
                `DROP ROLE IF EXISTS ${name}`,
            );
        },
    };
}

/// The environment a mnemo process gets: the database, home and secret of `db`.
/// Other MNEMO_* settings of the caller's environment are dropped so they cannot change results.
export function serverEnv(db, extra = {}) {
    const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith("MNEMO_")),
    );
    return {
        ...env,
        DATABASE_URL: db.url,
        MNEMO_HOME: db.home,
        MNEMO_SECRET: db.secret,
        MNEMO_LOG_LEVEL: "info",
        // The test cluster is reached directly: statements are prepared, as on the embedded
        // cluster; through PgBouncer in transaction mode (pgbouncer.sh), the default (none).
        ...(process.env.MNEMO_E2E_PGBOUNCER ? {} : { MNEMO_PREPARED_STATEMENTS: "256" }),
        ...extra,
    };
}

/// StdioClientTransport that records the protocol version the Client negotiated.
class RecordingStdioTransport extends StdioClientTransport {
    setProtocolVersion(version) {
        this.negotiatedProtocolVersion = version;
    }
}

/// Starts `mnemo serve --stdio` under an SDK Client. Returns { client, transport, stderr() }.
/// `extraArgs` go to `mnemo serve`; the client declares `capabilities` and `setup(client)` runs
/// before it connects (to register handlers for sampling, elicitation, notifications).
export async function startServer(
    db,
    { project, cwd, extraEnv = {}, extraArgs = [], capabilities = {}, setup } = {},
) {
    const args = ["serve", "--stdio", ...extraArgs];
    if (project) args.push("--project", project);
    const transport = new RecordingStdioTransport({
        command: mnemoBinary(),
        args,
        env: serverEnv(db, extraEnv),
        cwd: cwd ?? db.home,
        stderr: "pipe",
    });
    let stderr = "";
    transport.stderr.on("data", (chunk) => {
        stderr += chunk.toString("utf8");
        if (process.env.MNEMO_E2E_LOG === "1") process.stderr.write(chunk);
    });
    const client = new Client({ name: "mnemo-e2e", version: "1.0.0" }, { capabilities });
    if (setup) setup(client);
    await client.connect(transport);
    return { client, transport, stderr: () => stderr };
}

/// Calls a tool that must succeed; checks that the text block carries the same JSON as
/// structuredContent and returns structuredContent.
export async function callOk(client, name, args = {}) {
    const result = await client.callTool({ name, arguments: args });
    const text = result.content?.[0]?.text;
    assert.notEqual(result.isError, true, `${name} failed: ${text}`);
    assert.equal(result.content.length, 1, `${name}: one content block`);
    assert.equal(result.content[0].type, "text");
    assert.equal(typeof result.structuredContent, "object");
    assert.deepEqual(
        JSON.parse(text),
        result.structuredContent,
        `${name}: text == structuredContent`,
    );
    return result.structuredContent;
}

/// Calls a tool that must fail with isError: true; returns its text message.
export async function callError(client, name, args = {}) {
    const result = await client.callTool({ name, arguments: args });
    const text = result.content?.[0]?.text;
    assert.equal(
        result.isError,
        true,
        `${name} should fail but returned ${JSON.stringify(result)}`,
    );
    assert.equal(result.content[0].type, "text");
    assert.equal(typeof text, "string");
    assert.ok(text.length > 0, `${name}: error text is empty`);
    return text;
}

/// mnemo spawned directly: write raw lines to stdin, read raw lines from stdout.
export class RawServer {
    constructor(db, { project, extraArgs = [], extraEnv = {} } = {}) {
        const args = ["serve", "--stdio", ...extraArgs];
        if (project) args.push("--project", project);
        this.child = spawn(mnemoBinary(), args, {
            env: serverEnv(db, extraEnv),
            cwd: db.home,
            stdio: ["pipe", "pipe", "pipe"],
        });
        this.lines = []; // every stdout line, as received
        this.parsed = []; // parsed stdout messages not yet taken by next()
        this.stderr = "";
        this.waiters = [];
        this.exited = new Promise((resolve) => {
            // "close" comes after stdout and stderr are drained, unlike "exit".
            this.child.on("close", (code, signal) => resolve({ code, signal }));
        });
        this.child.stderr.on("data", (chunk) => {
            this.stderr += chunk.toString("utf8");
            if (process.env.MNEMO_E2E_LOG === "1") process.stderr.write(chunk);
        });
        createInterface({ input: this.child.stdout }).on("line", (line) => {
            this.lines.push(line);
            let message;
            try {
                message = JSON.parse(line);
            } catch {
                message = { unparsable: line };
            }
            this.parsed.push(message);
            this.wake();
        });
    }

    /// Writes one line (a string as is, anything else as JSON).
    send(message) {
        const line = typeof message === "string" ? message : JSON.stringify(message);
        this.child.stdin.write(line + "\n");
    }

    /// The next stdout message in arrival order (rejects after timeoutMs).
    next(timeoutMs = 5000) {
        return new Promise((resolve, reject) => {
            const waiter = { resolve, reject };
            waiter.timer = setTimeout(() => {
                this.waiters = this.waiters.filter((w) => w !== waiter);
                reject(
                    new Error(
                        `no message from mnemo within ${timeoutMs} ms; stderr:\n${this.stderr}`,
                    ),
                );
            }, timeoutMs);
            this.waiters.push(waiter);
            this.wake();
        });
    }

    /// Sends a request and waits for its reply (the next message on stdout).
    async request(message, timeoutMs = 5000) {
        this.send(message);
        return this.next(timeoutMs);
    }

    wake() {
        while (this.waiters.length > 0 && this.parsed.length > 0) {
            const waiter = this.waiters.shift();
            clearTimeout(waiter.timer);
            waiter.resolve(this.parsed.shift());
        }
    }

    /// Closes stdin and waits for the exit (kills after timeoutMs).
    async close(timeoutMs = 5000) {
        this.child.stdin.end();
        let timer;
        const timeout = new Promise((resolve) => {
            timer = setTimeout(() => resolve(null), timeoutMs);
        });
        const outcome = await Promise.race([this.exited, timeout]);
        clearTimeout(timer);
        if (outcome === null) {
            this.child.kill("SIGKILL");
            await this.exited;
            throw new Error(`mnemo did not exit within ${timeoutMs} ms of stdin closing`);
        }
        return outcome;
    }
}

export const INITIALIZE_PARAMS = {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "mnemo-e2e-raw", version: "1.0.0" },
};

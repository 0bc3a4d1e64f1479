// SPDX-License-Identifier: MIT
// The two servers under test, each started under its own official MCP SDK Client over stdio:
// mnemo (`mnemo serve --stdio`) and @modelcontextprotocol/server-memory; plus the database
// mnemo uses and the figures read from /proc about a server process.
import { closeSync, openSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

import { runSql } from "./workload.mjs";

const MODULES = join(dirname(fileURLToPath(import.meta.url)), "node_modules/@modelcontextprotocol");
const versionOf = (name) => JSON.parse(readFileSync(join(MODULES, name, "package.json"), "utf8")).version;

/// The versions under test, from the installed packages (pinned by package-lock.json).
export const PACKAGES = { sdk: versionOf("sdk"), peer: versionOf("server-memory") };
const PEER_ENTRY = join(MODULES, "server-memory/dist/index.js");

/// The launch description of mnemo: `mnemo serve --stdio --project PROJECT` on `databaseUrl`,
/// with a fixed secret (so the benchmark can compute the project's row-level-security token)
/// and the default log level (info: one JSON line per call on stderr, to a file).
export function mnemoLaunch({ binary, databaseUrl, project, secret, home, logPath }) {
    const env = Object.fromEntries(
        Object.entries(process.env).filter(
            ([name]) => !name.startsWith("MNEMO_") && !name.startsWith("PG"),
        ),
    );
    return {
        name: "mnemo",
        command: binary,
        args: ["serve", "--stdio", "--project", project],
        env: { ...env, DATABASE_URL: databaseUrl, MNEMO_HOME: home, MNEMO_SECRET: secret },
        cwd: home,
        logPath,
    };
}

/// The launch description of the official memory server on the JSONL file `memoryFile`.
export function peerLaunch({ memoryFile, cwd, logPath }) {
    return {
        name: "server-memory",
        command: process.execPath,
        args: [PEER_ENTRY],
        env: { ...process.env, MEMORY_FILE_PATH: memoryFile },
        cwd,
        logPath,
    };
}

/// Spawns the server of `launch` and runs the MCP handshake with the SDK Client. Returns
/// { client, pid, startupMs, close() }: startupMs runs from just before the spawn to the
/// resolution of connect() (the `initialize` reply received and `initialized` sent).
/// The server's stderr is appended to launch.logPath.
export async function startServer(launch) {
    const stderrFd = openSync(launch.logPath, "a");
    const transport = new StdioClientTransport({
        command: launch.command,
        args: launch.args,
        env: launch.env,
        cwd: launch.cwd,
        stderr: stderrFd,
    });
    const client = new Client({ name: "mnemo-peer-bench", version: "1.0.0" });
    const started = performance.now();
    try {
        await client.connect(transport);
    } catch (error) {
        closeSync(stderrFd);
        throw new Error(`${launch.name} did not start: ${error.message}\n${logTail(launch.logPath)}`);
    }
    const startupMs = performance.now() - started;
    return {
        name: launch.name,
        client,
        pid: transport.pid,
        startupMs,
        logPath: launch.logPath,
        async close() {
            await client.close();
            closeSync(stderrFd);
        },
    };
}

/// One tool call; throws (with the server's log tail) when the call fails or the tool
/// reports an error. Returns the parsed JSON of the first text block.
export async function callTool(server, name, args) {
    const result = await server.client.callTool({ name, arguments: args });
    const text = result.content?.[0]?.text ?? "";
    if (result.isError) {
        throw new Error(`${server.name} ${name} failed: ${text}\n${logTail(server.logPath)}`);
    }
    return text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text;
}

/// VmRSS and VmHWM (peak) of a process in MiB, from /proc/<pid>/status.
export function memoryOf(pid) {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)[1]);
    return { rssMiB: kib("VmRSS") / 1024, peakMiB: kib("VmHWM") / 1024 };
}

function logTail(path, bytes = 2000) {
    try {
        const text = readFileSync(path, "utf8");
        return text.slice(-bytes);
    } catch {
        return "";
    }
}

/// The admin DSN with user, password and database replaced (URL or conninfo form).
function dsnFor(adminDsn, role, password, database) {
    if (/^postgres(ql)?:\/\//.test(adminDsn)) {
        // As query parameters too: a Unix-socket URL (postgresql:///db?host=/dir) has no
        // authority to carry a user name, and may already name one (user=postgres).
        const url = new URL(adminDsn);
        if (url.host) {
            url.username = role;
            url.password = password;
        }
        url.pathname = `/${database}`;
        url.searchParams.set("user", role);
        url.searchParams.set("password", password);
        url.searchParams.delete("dbname");
        return url.toString();
    }
    return `${adminDsn} user=${role} password=${password} dbname=${database}`;
}

/// A non-superuser login role and a database it owns, as mnemo is meant to run (row-level
/// security binds it); drop() removes both.
export function createBenchDatabase(adminDsn, suffix) {
    const name = `mnemo_peer_bench_${suffix}`;
    const password = `pw${suffix}`;
    runSql(adminDsn,
        `CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}';\n` +
        `CREATE DATABASE ${name} OWNER ${name};\n`);
    return {
        url: dsnFor(adminDsn, name, password, name),
        drop() {
            runSql(adminDsn,
                `DROP DATABASE IF EXISTS ${name} WITH (FORCE);\nDROP ROLE IF EXISTS ${name};\n`);
        },
    };
}

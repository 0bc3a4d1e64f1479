// SPDX-License-Identifier: MIT
// Helpers of the security tests: raw HTTP/1.1 over a socket (for requests fetch refuses to
// send), superuser checks on a test database, and injection payloads.
import { execFileSync } from "node:child_process";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";

/// Strings that would change a statement if they were spliced into SQL.
export const INJECTIONS = [
    "x'); DROP TABLE mnemo.contexts; --",
    "' OR '1'='1' UNION SELECT key_hash::text FROM mnemo.project_keys --",
    "$1; DELETE FROM mnemo.projects; SELECT pg_sleep(5); --",
    "\\'; DROP SCHEMA mnemo CASCADE; --",
];

/// Runs `sql` as the cluster's superuser in `database`; returns the unaligned output.
export function superuserQuery(database, sql) {
    const url = new URL(process.env.MNEMO_TEST_DSN);
    url.pathname = `/${database}`;
    return execFileSync("psql", [url.toString(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    }).trim();
}

/// mnemo's tables in `database` with their row counts, e.g. { "mnemo.contexts": 3, ... }.
export function tableCounts(database) {
    const rows = superuserQuery(
        database,
        "SELECT format('%I.%I', schemaname, tablename) || '=' || (xpath('/row/c/text()', " +
            "query_to_xml(format('SELECT count(*) AS c FROM %I.%I', schemaname, tablename), " +
            "false, true, '')))[1]::text FROM pg_tables WHERE schemaname = 'mnemo'",
    ).split("\n");
    const counts = {};
    for (const row of rows) {
        const [table, count] = row.split("=");
        counts[table] = Number(count);
    }
    return counts;
}

/// Sends `raw` (a string or Buffer) on a new connection to 127.0.0.1:`port`; resolves when the
/// server closes the connection or `waitMs` passes with { text, closed }.
export function rawExchange(port, raw, waitMs = 3000) {
    return new Promise((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port });
        let text = "";
        let timer;
        const finish = (closed) => {
            clearTimeout(timer);
            socket.destroy();
            resolve({ text, closed, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0) });
        };
        socket.on("data", (chunk) => {
            text += chunk.toString("latin1");
        });
        socket.on("end", () => finish(true));
        socket.on("error", (error) => (text ? finish(true) : reject(error)));
        socket.on("connect", () => {
            socket.write(raw);
            timer = setTimeout(() => finish(false), waitMs);
        });
    });
}

/// Bytes of an HTTP/1.1 POST to /mcp with `headers` (name, value pairs, in order) and `body`.
export function rawRequest(headers, body) {
    const head = ["POST /mcp HTTP/1.1", ...headers.map(([name, value]) => `${name}: ${value}`)].join("\r\n");
    return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}

/// POSTs `body` to /mcp with Node's http client, which writes the whole body before it looks
/// at the answer. Resolves { status, text } from the response, or { error } when the request
/// failed before any response arrived (e.g. EPIPE, ECONNRESET).
export function nodeHttpPost(port, body, headers) {
    return new Promise((resolve) => {
        const req = httpRequest(
            { host: "127.0.0.1", port, path: "/mcp", method: "POST", headers: { ...headers, "Content-Length": body.length } },
            (res) => {
                let text = "";
                res.setEncoding("utf8");
                res.on("data", (chunk) => (text += chunk));
                res.on("end", () => resolve({ status: res.statusCode, text }));
                res.on("error", () => resolve({ status: res.statusCode, text }));
            },
        );
        req.on("error", (error) => resolve({ error: error.code ?? String(error) }));
        req.end(body);
    });
}

/// A client that sends the head of a POST announcing `length` bytes, then the body slowly in
/// 64 KiB pieces while reading: resolves with the answer once the server closes (or 15 s).
export function readEarlyClient(port, length) {
    return new Promise((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port });
        let text = "";
        let sent = 0;
        let timer;
        let pump;
        const finish = (closed) => {
            clearTimeout(timer);
            clearInterval(pump);
            socket.destroy();
            resolve({ text, closed, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0) });
        };
        socket.on("data", (chunk) => (text += chunk.toString("latin1")));
        socket.on("end", () => finish(true));
        socket.on("error", (error) => (text ? finish(true) : reject(error)));
        socket.on("connect", () => {
            socket.write(
                `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
                    `Accept: application/json, text/event-stream\r\nContent-Length: ${length}\r\n\r\n`,
            );
            pump = setInterval(() => {
                if (sent >= length || socket.destroyed) return clearInterval(pump);
                const piece = Math.min(64 << 10, length - sent);
                socket.write(Buffer.alloc(piece, 0x61));
                sent += piece;
            }, 5);
            timer = setTimeout(() => finish(false), 15000);
        });
    });
}

/// A client that writes a whole POST (head and `bodyLength` bytes) before it reads anything, as
/// Node's http client and many proxies do, and gives up on a write error as they do. Resolves
/// { status, text, closed } once the server closes, or { error } when writing failed.
export function sendAllThenRead(port, bodyLength, extraHeaders = "") {
    return new Promise((resolve) => {
        const socket = connect({ host: "127.0.0.1", port });
        let text = "";
        let timer;
        const finish = (result) => {
            clearTimeout(timer);
            socket.destroy();
            resolve(result);
        };
        socket.pause(); // nothing is read until the whole request is written
        socket.on("data", (chunk) => (text += chunk.toString("latin1")));
        socket.on("end", () =>
            finish({ text, closed: true, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0) }),
        );
        socket.on("error", (error) => finish({ error: error.code ?? String(error), text }));
        socket.on("connect", () => {
            const head =
                `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
                `Accept: application/json, text/event-stream\r\n${extraHeaders}Content-Length: ${bodyLength}\r\n\r\n`;
            socket.write(Buffer.concat([Buffer.from(head, "latin1"), Buffer.alloc(bodyLength, 0x61)]), (error) => {
                if (error) return finish({ error: error.code ?? String(error) });
                socket.resume();
            });
            timer = setTimeout(() => finish({ text, closed: false }), 15000);
        });
    });
}

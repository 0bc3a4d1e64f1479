// SPDX-License-Identifier: MIT
// Building blocks of the reliability scenarios: a database behind a FaultProxy, mnemo over
// HTTP on it, raw tool calls with latency records, load loops and the write ledger.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

import { createTestDatabase } from "../e2e/harness.mjs";
import { postHeaders, rawInitialize, startHttpServer } from "../e2e/http_harness.mjs";
import { FaultProxy } from "./proxy.mjs";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function sha256Hex(text) {
    return createHash("sha256").update(text, "utf8").digest("hex");
}

/// psql as the cluster's superuser (MNEMO_TEST_DSN), optionally in `database`; returns stdout.
export function psqlAdmin(sql, database) {
    let dsn = process.env.MNEMO_TEST_DSN;
    if (database) {
        const url = new URL(dsn);
        url.pathname = `/${database}`;
        dsn = url.toString();
    }
    return execFileSync("psql", [dsn, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
        encoding: "utf8",
        env: { ...process.env, PGCONNECT_TIMEOUT: "5" },
        stdio: ["ignore", "pipe", "pipe"],
    });
}

/// pg_ctl of the scenario cluster (MNEMO_TEST_PGCTL), e.g. pgctl("restart", "-m", "fast", "-w").
export function pgctl(...args) {
    return execFileSync(process.env.MNEMO_TEST_PGCTL, args, {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
}

/// A private database (createTestDatabase) with a FaultProxy in front of the cluster.
/// Returns { db, proxy, proxiedUrl, close() }.
export async function proxiedDatabase() {
    const db = createTestDatabase();
    const direct = new URL(db.url);
    const proxy = new FaultProxy({ host: direct.hostname, port: Number(direct.port) });
    await proxy.start();
    const proxied = new URL(db.url);
    proxied.host = `127.0.0.1:${proxy.port}`;
    return {
        db,
        proxy,
        proxiedUrl: proxied.toString(),
        async close() {
            await proxy.stop();
            db.drop();
        },
    };
}

/// `mnemo serve --http` on the proxied database with MNEMO_AUTH=none and `env` on top.
export async function startMnemo(setup, env = {}) {
    return startHttpServer(setup.db, {
        env: { DATABASE_URL: setup.proxiedUrl, MNEMO_AUTH: "none", MNEMO_LOG_LEVEL: "info", ...env },
    });
}

/// A raw MCP session on `server`: initialize, then tools/call with recorded latency.
export class Session {
    static async open(server) {
        const session = new Session(server);
        session.id = await rawInitialize(server.url, undefined);
        await session.notifyInitialized();
        return session;
    }

    constructor(server) {
        this.server = server;
        this.id = "";
        this.nextId = 10;
    }

    async notifyInitialized() {
        await fetch(this.server.url, {
            method: "POST",
            headers: postHeaders(undefined, this.id),
            body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
        });
    }

    /// tools/call `name`; never throws. Returns { ok, text, result, status, start, end, ms }.
    /// A request still unanswered after `abortMs` is aborted and recorded as a hang.
    async call(name, args, { abortMs = 60000 } = {}) {
        const id = this.nextId++;
        const start = Date.now();
        const sample = { name, start, ok: false, text: "", status: 0, hang: false };
        try {
            const response = await fetch(this.server.url, {
                method: "POST",
                headers: postHeaders(undefined, this.id),
                body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }),
                signal: AbortSignal.timeout(abortMs),
            });
            sample.status = response.status;
            const body = await response.text();
            let json;
            try {
                json = JSON.parse(body);
            } catch {
                json = undefined;
            }
            if (json?.result && json.result.isError !== true) {
                sample.ok = true;
                sample.result = json.result.structuredContent;
            } else {
                sample.text = json?.result?.content?.[0]?.text ?? json?.error?.message ?? body.slice(0, 300);
            }
        } catch (error) {
            sample.hang = error.name === "TimeoutError";
            sample.text = `${error.name}: ${error.message}`;
        }
        sample.end = Date.now();
        sample.ms = sample.end - start;
        return sample;
    }
}

/// Runs `workers` loops of `op(worker, seq)` (returning a sample) until `stop()` is called.
/// Resolves to every sample when all loops ended.
export function runLoad(workers, op) {
    let running = true;
    const samples = [];
    const loops = [];
    for (let worker = 0; worker < workers; worker += 1) {
        loops.push(
            (async () => {
                for (let seq = 0; running; seq += 1) {
                    samples.push(await op(worker, seq));
                }
            })(),
        );
    }
    return {
        samples,
        async stop() {
            running = false;
            await Promise.all(loops);
            return samples;
        },
    };
}

/// Every acknowledged lock_context of a run: its topic, version and content hash.
export class WriteLedger {
    constructor(project) {
        this.project = project;
        this.acked = [];
        this.attempted = 0;
    }

    /// A lock_context of a fresh content on `topic`; acknowledged ones are recorded.
    async write(session, topic, opts) {
        const content = `${topic} ${randomBytes(8).toString("hex")} written at ${Date.now()}`;
        this.attempted += 1;
        const sample = await session.call("lock_context", { project: this.project, topic, content }, opts);
        if (sample.ok) {
            this.acked.push({ topic, version: sample.result.version, hash: sha256Hex(content) });
        }
        return sample;
    }

    /// Compares the ledger with the database (as superuser, bypassing row-level security).
    /// Returns { acked, found, missing, halfWritten } where halfWritten counts topics whose
    /// version counter and stored versions disagree (gaps or a counter ahead of the rows).
    verify(database) {
        const project = this.project.replaceAll("'", "''");
        const rows = psqlAdmin(
            `SELECT c.topic || '|' || c.version || '|' || c.content_hash FROM mnemo.contexts c ` +
                `JOIN mnemo.projects p USING (project_id) WHERE p.name = '${project}'`,
            database,
        )
            .split("\n")
            .filter(Boolean);
        const stored = new Set(rows);
        let found = 0;
        const missing = [];
        for (const write of this.acked) {
            if (stored.has(`${write.topic}|${write.version}|${write.hash}`)) found += 1;
            else missing.push(write);
        }
        const halfWritten = Number(
            psqlAdmin(
                `SELECT count(*) FROM mnemo.topics t JOIN mnemo.projects p USING (project_id) ` +
                    `WHERE p.name = '${project}' AND (t.last_version <> ` +
                    `(SELECT count(*) FROM mnemo.contexts c WHERE c.project_id = t.project_id ` +
                    `AND c.topic = t.topic) OR t.last_version <> (SELECT max(version) ` +
                    `FROM mnemo.contexts c WHERE c.project_id = t.project_id AND c.topic = t.topic))`,
                database,
            ).trim(),
        );
        return { acked: this.acked.length, found, missing, halfWritten };
    }
}

/// Percentile `p` (0..100) of `values` (nearest rank); 0 for none.
export function percentile(values, p) {
    if (values.length === 0) return 0;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/// Counts of a sample list: { requests, errors, hangs, maxMs, p99Ms }.
export function summarize(samples) {
    return {
        requests: samples.length,
        errors: samples.filter((s) => !s.ok).length,
        hangs: samples.filter((s) => s.hang).length,
        maxMs: Math.max(0, ...samples.map((s) => s.ms)),
        p99Ms: percentile(
            samples.map((s) => s.ms),
            99,
        ),
    };
}

/// The distinct error texts of `samples` (first 120 characters, with counts), for reports.
export function errorKinds(samples) {
    const kinds = new Map();
    for (const s of samples) {
        if (s.ok) continue;
        const key = s.text.replace(/[0-9]+/g, "N").slice(0, 120);
        kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    return [...kinds.entries()].map(([text, count]) => `${count}× ${text}`);
}

/// A gauge or counter from mnemo's /metrics (sum over label sets matching `labels`).
export async function metric(server, name, labels = "") {
    const text = await (await fetch(`${server.base}/metrics`)).text();
    let total = 0;
    for (const line of text.split("\n")) {
        if (!line.startsWith(name)) continue;
        const rest = line.slice(name.length);
        if (!(rest.startsWith(" ") || rest.startsWith("{"))) continue;
        if (labels && !rest.includes(labels)) continue;
        total += Number(line.trim().split(/\s+/).pop());
    }
    return total;
}

/// Resident memory of a process in KiB (VmRSS), or 0 when unknown.
export function rssKiB(pid) {
    try {
        const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        return match ? Number(match[1]) : 0;
    } catch {
        return 0;
    }
}

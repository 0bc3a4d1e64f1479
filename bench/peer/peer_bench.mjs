// SPDX-License-Identifier: MIT
// mnemo vs the official MCP memory server (@modelcontextprotocol/server-memory), both over
// stdio under the same official SDK client, one call at a time: store / read by name / search
// at growing store sizes (mnemo up to a million items), start-up, RSS; tables and plots.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import {
    ms, printGoals, printLatencyTable, printRatioTable, summarize, writePlots,
} from "./report.mjs";
import {
    PACKAGES, callTool, createBenchDatabase, memoryOf, mnemoLaunch, peerLaunch, startServer,
} from "./servers.mjs";
import {
    SEARCH_WORD, checkPreloadMatchesServer, deleteMnemoTopics, itemName, itemText,
    preloadMnemo, runSql, tenantToken, writePeerFile,
} from "./workload.mjs";

const MIN_CALLS = 20;
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const USAGE = `usage: node bench/peer/peer_bench.mjs [options]
  --mnemo PATH          mnemo binary (default build/release/mnemo)
  --dsn DSN             superuser DSN of a running PostgreSQL: the bench creates a non-superuser
                        role and database for mnemo there and drops them at the end
                        (default $MNEMO_TEST_SOCKET_DSN, else $MNEMO_TEST_DSN)
  --database-url URL    instead of --dsn: a database mnemo's role already owns; the bench
                        uses a new project in it and deletes that project at the end
  --quick               smaller sizes and fewer calls (about a minute)
  --sizes LIST          mnemo's store sizes (default 1000,10000,50000,100000,1000000;
                        quick 1000,10000,100000)
  --peer-sizes LIST     server-memory's (default 1000,10000,50000; quick 1000,10000)
  --calls N             most calls per operation, size and server (default 1000; quick 300)
  --budget S            fewer calls where they would take longer than about S seconds, as
                        estimated from the warm-up, but at least ${MIN_CALLS} (default 30; quick 5);
                        writes at most items / 10 (the store grows by at most 10 %)
  --rounds N            rounds per operation, alternating which server goes first (default 4)
  --plots DIR           where the PNGs go (default docs/plots); "" for none
  --keep                keep the database (and print how to reach the project) for a look
                        afterwards, e.g. EXPLAIN of the search`;

const OPERATIONS = [
    { key: "read", label: "read one by name", mnemo: "recall_context", peer: "open_nodes" },
    { key: "search", label: `search (~1 % match)`, mnemo: "search_contexts", peer: "search_nodes" },
    { key: "write", label: "store one", mnemo: "lock_context", peer: "create_entities" },
];
const MNEMO = "mnemo";
const PEER = "server-memory";
const NEW_PREFIX = "bench-new/";

function parseOptions() {
    const { values } = parseArgs({
        options: {
            mnemo: { type: "string", default: join(REPO, "build/release/mnemo") },
            dsn: { type: "string", default: process.env.MNEMO_TEST_SOCKET_DSN ?? process.env.MNEMO_TEST_DSN },
            "database-url": { type: "string" },
            quick: { type: "boolean", default: false },
            sizes: { type: "string" },
            "peer-sizes": { type: "string" },
            calls: { type: "string" },
            budget: { type: "string" },
            rounds: { type: "string", default: "4" },
            plots: { type: "string", default: join(REPO, "docs/plots") },
            keep: { type: "boolean", default: false },
            help: { type: "boolean", short: "h", default: false },
        },
    });
    if (values.help) {
        console.log(USAGE);
        process.exit(0);
    }
    const list = (text) => text.split(",").map((x) => Number(x.trim())).filter((x) => x > 0);
    const options = {
        mnemo: resolve(values.mnemo),
        dsn: values.dsn,
        databaseUrl: values["database-url"],
        quick: values.quick,
        sizes: list(values.sizes ?? (values.quick ? "1000,10000,100000" : "1000,10000,50000,100000,1000000")),
        peerSizes: list(values["peer-sizes"] ?? (values.quick ? "1000,10000" : "1000,10000,50000")),
        calls: Number(values.calls ?? (values.quick ? 300 : 1000)),
        rounds: Number(values.rounds),
        budget: Number(values.budget ?? (values.quick ? 5 : 30)),
        plots: values.plots,
        keep: values.keep,
    };
    if (!options.databaseUrl && !options.dsn) {
        console.error(`${USAGE}\n\npeer_bench: give --dsn (or MNEMO_TEST_DSN) or --database-url`);
        process.exit(2);
    }
    return options;
}

function progress(text) {
    process.stderr.write(`[${(performance.now() / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
}

/// Calls for one operation at one size on one server (see --calls and --budget), from the
/// median latency of its warm-up calls.
function callsFor(options, op, size, warmupMs) {
    const affordable = Math.floor((options.budget * 1000) / Math.max(warmupMs, 0.01));
    const calls = Math.min(options.calls, Math.max(MIN_CALLS, affordable));
    return op.key === "write" ? Math.min(calls, Math.floor(size / 10)) : calls;
}

/// The arguments of call k of an operation at `size`; `pick` is the round's random item.
function argumentsFor(server, op, size, k, pick) {
    if (op.key === "read") {
        return server === MNEMO ? { topic: itemName(pick) } : { names: [itemName(pick)] };
    }
    if (op.key === "search") return { query: SEARCH_WORD };
    const name = `${NEW_PREFIX}${size}-${k}`;  // k: "warm-N" for warm-up writes
    const text = itemText(size + k + 1);
    return server === MNEMO
        ? { topic: name, content: text, priority: "reference" }
        : { entities: [{ name, entityType: "note", observations: [text] }] };
}

/// A small deterministic generator (mulberry32), so both servers read the same items.
function random(seed) {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/// Runs `op` at `size` on the servers given, in rounds alternating which goes first; the
/// same items in the same order for each. Returns Map server -> latency samples (ms).
async function measure(options, servers, op, size) {
    const samples = new Map(servers.map((s) => [s.name, []]));
    const next = random(size * 31 + op.key.length);
    // Warm-up: up to 20 calls (3 for the peer), at most about 2 s; not counted.
    const perRound = new Map();
    for (const server of servers) {
        const tool = op[server.name === MNEMO ? "mnemo" : "peer"];
        const warm = [];
        const began = performance.now();
        while (warm.length < (server.name === MNEMO ? 20 : 3) && (warm.length < 3 || performance.now() - began < 2000)) {
            const started = performance.now();
            await callTool(server, tool, argumentsFor(server.name, op, size, `warm-${warm.length}`, 1 + Math.floor(next() * size)));
            warm.push(performance.now() - started);
        }
        const estimate = median(warm.slice(1));
        perRound.set(server.name, Math.ceil(callsFor(options, op, size, estimate) / options.rounds));
    }
    const written = new Map(servers.map((s) => [s.name, 0]));
    for (let round = 0; round < options.rounds; ++round) {
        const picks = Array.from({ length: Math.max(...perRound.values()) }, () => 1 + Math.floor(next() * size));
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const server of order) {
            const tool = op[server.name === MNEMO ? "mnemo" : "peer"];
            for (let k = 0; k < perRound.get(server.name); ++k) {
                const index = written.get(server.name);
                const args = argumentsFor(server.name, op, size, index, picks[k]);
                const started = performance.now();
                await callTool(server, tool, args);
                samples.get(server.name).push(performance.now() - started);
                written.set(server.name, index + 1);
            }
        }
    }
    return samples;
}

/// Checks, once per size, that each server holds what the benchmark thinks it holds.
async function verify(servers, size) {
    const expectedHits = Math.floor(size / 100);
    for (const server of servers) {
        if (server.name === MNEMO) {
            const recalled = await callTool(server, "recall_context", { topic: itemName(size) });
            if (recalled.content !== itemText(size)) throw new Error(`mnemo: ${itemName(size)} holds ${JSON.stringify(recalled.content)}`);
            const found = await callTool(server, "search_contexts", { query: SEARCH_WORD });
            if (found.results.length !== Math.min(10, expectedHits)) throw new Error(`mnemo: search found ${found.results.length}`);
        } else {
            const opened = await callTool(server, "open_nodes", { names: [itemName(size)] });
            if (opened.entities?.[0]?.observations?.[0] !== itemText(size)) throw new Error(`peer: ${itemName(size)} missing`);
            const found = await callTool(server, "search_nodes", { query: SEARCH_WORD });
            if (found.entities.length !== expectedHits) throw new Error(`peer: search found ${found.entities.length}`);
        }
    }
}

function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function main() {
    const options = parseOptions();
    const began = performance.now();
    const suffix = randomBytes(4).toString("hex");
    const work = mkdtempSync(join(tmpdir(), "mnemo-peer-bench-"));
    const db = options.databaseUrl ? null : createBenchDatabase(options.dsn, suffix);
    const databaseUrl = options.databaseUrl ?? db.url;
    const project = options.databaseUrl ? `peer-bench-${suffix}` : "peer-bench";
    const secret = randomBytes(24).toString("hex");
    const token = tenantToken(secret, project);
    const memoryFile = join(work, "memory.jsonl");
    const mnemo = mnemoLaunch({ binary: options.mnemo, databaseUrl, project, secret, home: work, logPath: join(work, "mnemo.log") });
    const peer = peerLaunch({ memoryFile, cwd: work, logPath: join(work, "peer.log") });
    const open = [];
    try {
        // Row-level security binds every role but superusers: figures taken as one would not
        // include the policies' cost, and the preload would not be checked against them.
        if (runSql(databaseUrl, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").trim() !== "f") {
            throw new Error("mnemo's database role is a superuser (row-level security would not apply)");
        }
        // The first start applies mnemo's migrations; its first lock_context creates the project
        // and stores item 1, against which the SQL preload's expressions are checked.
        const first = await startServer(mnemo);
        await callTool(first, "lock_context", { topic: itemName(1), content: itemText(1), priority: "reference" });
        await first.close();
        const problems = checkPreloadMatchesServer(databaseUrl, token, 1);
        if (problems.length > 0) throw new Error(`the SQL preload would differ from lock_context: ${problems.join("; ")}`);

        progress("start-up: 5 rounds of spawn -> initialize reply, each server");
        const startup = { [MNEMO]: [], [PEER]: [] };
        for (let round = 0; round < 5; ++round) {
            for (const launch of round % 2 === 0 ? [mnemo, peer] : [peer, mnemo]) {
                const server = await startServer(launch);
                startup[server.name].push(server.startupMs);
                await server.close();
            }
        }
        const servers = { [MNEMO]: await startServer(mnemo), [PEER]: await startServer(peer) };
        open.push(...Object.values(servers));
        await new Promise((done) => setTimeout(done, 500));
        const idle = { [MNEMO]: memoryOf(servers[MNEMO].pid), [PEER]: memoryOf(servers[PEER].pid) };

        const sizes = [...new Set([...options.sizes, ...options.peerSizes])].sort((a, b) => a - b);
        const results = new Map();
        const atLargest = {};
        let loaded = 1;
        for (const size of sizes) {
            const active = [];
            if (options.sizes.includes(size)) {
                const started = performance.now();
                preloadMnemo(databaseUrl, token, loaded + 1, size);
                loaded = size;
                progress(`mnemo: ${size} items (preloaded with SQL in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
                active.push(servers[MNEMO]);
            }
            if (options.peerSizes.includes(size)) {
                writePeerFile(memoryFile, size);
                active.push(servers[PEER]);
            }
            await verify(active, size);
            for (const op of OPERATIONS) {
                const samples = await measure(options, active, op, size);
                for (const [name, values] of samples) {
                    const summary = summarize(values);
                    results.set(`${name}|${op.key}|${size}`, summary);
                    progress(`${name.padEnd(13)} ${String(size).padStart(7)} ${op.key.padEnd(6)} n=${summary.n} p50 ${ms(summary.p50)} ms`);
                }
            }
            for (const server of active) atLargest[server.name] = { size, ...memoryOf(server.pid) };
            if (active.includes(servers[MNEMO])) deleteMnemoTopics(databaseUrl, token, NEW_PREFIX);
        }

        const version = execFileSync(options.mnemo, ["--version"], { encoding: "utf8" }).trim();
        const title = `${version} vs server-memory ${PACKAGES.peer}; SDK client ${PACKAGES.sdk}; node ${process.versions.node}`;
        console.log(`== mnemo vs @modelcontextprotocol/server-memory ${PACKAGES.peer} (client: @modelcontextprotocol/sdk ${PACKAGES.sdk}, node ${process.versions.node}) ==`);
        console.log(`mnemo: ${options.mnemo} (${version}); database: ${db ? "new role and database on --dsn" : "--database-url"}; search word "${SEARCH_WORD}" (1 % of items)`);
        console.log("\nLatency per call, one call at a time over stdio (writes at size N grow the store to at most 1.1 N):\n");
        printLatencyTable(results, OPERATIONS, sizes, [MNEMO, PEER]);
        console.log("\nmnemo relative to server-memory at the sizes both ran:\n");
        printRatioTable(results, OPERATIONS, sizes);
        console.log("\nStart-up (spawn -> initialize reply, median of 5) and memory of the server process (VmRSS; peak VmHWM):\n");
        for (const name of [MNEMO, PEER].filter((n) => atLargest[n])) {
            const large = atLargest[name];
            console.log(`  ${name.padEnd(13)} start-up ${ms(median(startup[name]))} ms (all: ${startup[name].map(ms).join(", ")}); ` +
                `RSS idle ${idle[name].rssMiB.toFixed(1)} MiB; at ${large.size} items ${large.rssMiB.toFixed(1)} MiB (peak ${large.peakMiB.toFixed(1)} MiB)`);
        }
        console.log("\nThe issue's goals for mnemo:\n");
        const shared = sizes.filter((size) => options.sizes.includes(size) && options.peerSizes.includes(size));
        printGoals(results, options.sizes, shared, median(startup[MNEMO]), idle[MNEMO].rssMiB);
        if (options.plots) {
            const pngs = writePlots(results, OPERATIONS, sizes, options.plots, work, title);
            console.log(`\nplots: ${pngs.map((p) => p.replace(`${REPO}/`, "")).join(", ")}`);
        }
        if (options.keep) {
            console.log(`kept: psql '${databaseUrl}', then BEGIN; SELECT set_config('mnemo.tenant', '${token}', true); (project ${project})`);
        } else if (options.databaseUrl) await callTool(servers[MNEMO], "delete_project", { name: project, confirm: true });
        console.log(`took ${((performance.now() - began) / 1000).toFixed(0)} s`);
    } finally {
        for (const server of open) await server.close().catch(() => {});
        if (!options.keep) db?.drop();
        rmSync(work, { recursive: true, force: true });
    }
}

main().catch((error) => {
    console.error(`peer_bench: ${error.stack ?? error}`);
    process.exit(1);
});

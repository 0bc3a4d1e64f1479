// SPDX-License-Identifier: MIT
// The reliability scenarios of issue 7. Each starts mnemo over HTTP on a database behind a
// FaultProxy, injects one fault under load and returns a row: its figures and the promises it
// checked (a broken promise is a failure with the evidence).
import { randomBytes } from "node:crypto";

import {
    errorKinds,
    metric,
    pgctl,
    proxiedDatabase,
    psqlAdmin,
    rssKiB,
    runLoad,
    Session,
    sleep,
    startMnemo,
    summarize,
    WriteLedger,
} from "./lib.mjs";

const ACQUIRE_MS = 3000;
/// A request's deadline: the acquire timeout plus one second for its statement.
const DEADLINE_MS = ACQUIRE_MS + 1000;
/// The blackhole's statement bound (MNEMO_STATEMENT_TIMEOUT_MS). A request runs two statements
/// (the session lookup, then the tool's), each bounded, beside one shared acquire deadline.
const BLACKHOLE_STATEMENT_MS = 1000;
const BLACKHOLE_DEADLINE_MS = ACQUIRE_MS + 2 * BLACKHOLE_STATEMENT_MS;

/// Collects checks and figures for one scenario's row.
class Row {
    constructor(name, promise) {
        this.name = name;
        this.promise = promise;
        this.figures = {};
        this.failures = [];
        this.notes = [];
    }

    check(ok, what) {
        if (!ok) this.failures.push(what);
    }

    get passed() {
        return this.failures.length === 0;
    }
}

function project(label) {
    return `rel-${label}-${randomBytes(3).toString("hex")}`;
}

/// Shared setup: a proxied database, mnemo on it, a session with a project. `body` gets
/// { setup, server, session, name } and fills `row`; everything is torn down after.
async function withMnemo(row, env, body) {
    const setup = await proxiedDatabase();
    let server;
    try {
        server = await startMnemo(setup, { MNEMO_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_MS), ...env });
        const session = await Session.open(server);
        const name = project(row.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+/, "").slice(0, 24));
        const created = await session.call("create_project", { name });
        if (!created.ok) throw new Error(`create_project failed: ${created.text}`);
        await body({ setup, server, session, name });
    } catch (error) {
        row.failures.push(`scenario error: ${error.message}`);
        if (server) row.notes.push(server.stderr().slice(-2000));
    } finally {
        await server?.stop("SIGTERM");
        await setup.close();
    }
    return row;
}

/// Load of `writers` lock_context loops (recorded in `ledger`) and `readers` recall loops.
function writeLoad(ledger, session, writers, readers, topic) {
    return runLoad(writers + readers, (worker, seq) =>
        worker < writers
            ? ledger.write(session, `load/w${worker}/t${seq % 3}`, { abortMs: 30000 })
            : session.call("recall_context", { project: ledger.project, topic }, { abortMs: 30000 }),
    );
}

/// Figures common to the load scenarios, plus the deadline and ledger checks.
function loadFigures(row, samples, ledger, database, deadlineMs = DEADLINE_MS) {
    const sum = summarize(samples);
    const verified = ledger.verify(database);
    Object.assign(row.figures, {
        requests: sum.requests,
        errors: sum.errors,
        "max ms": sum.maxMs,
        "writes acked/found": `${verified.acked}/${verified.found}`,
    });
    const late = samples.filter((s) => s.ms > deadlineMs);
    row.check(late.length === 0, `${late.length} requests took longer than ${deadlineMs} ms (max ${sum.maxMs} ms)`);
    row.check(verified.found === verified.acked, `${verified.acked - verified.found} acknowledged writes missing`);
    row.check(verified.halfWritten === 0, `${verified.halfWritten} topics with half-written versions`);
    const kinds = errorKinds(samples);
    if (kinds.length > 0) row.notes.push(`errors: ${kinds.slice(0, 4).join("; ")}`);
    const last = samples.filter((s) => !s.ok).pop();
    if (last) row.notes.push(`last error in full: ${last.text}`);
    return sum;
}

/// The first moment after `since` from which every request started succeeded, as ms after
/// `since` (0 when no request started after `since` failed).
function recoveryMs(samples, since) {
    const failedAfter = samples.filter((s) => !s.ok && s.start >= since);
    return failedAfter.length === 0 ? 0 : Math.max(...failedAfter.map((s) => s.end)) - since;
}

async function restartUnderLoad(mode) {
    const row = new Row(
        `PostgreSQL restart -m ${mode} under HTTP load`,
        "every request answered within its deadline; recovery ≤ 1 s after the database accepts; no acknowledged write lost",
    );
    const durability = psqlAdmin("SHOW synchronous_commit").trim();
    if (durability !== "on") {
        row.failures.push(`the cluster has synchronous_commit = ${durability}; acknowledged commits may be lost by any crash (scripts/reliability sets it on)`);
        return row;
    }
    return withMnemo(row, {}, async ({ setup, session, name }) => {
        const ledger = new WriteLedger(name);
        await ledger.write(session, "load/read", {});
        const load = writeLoad(ledger, session, 6, 2, "load/read");
        await sleep(2000);
        const down = Date.now();
        pgctl("restart", "-m", mode, "-w");
        const up = Date.now();
        await sleep(4000);
        const samples = await load.stop();
        loadFigures(row, samples, ledger, setup.db.name);
        const recovery = recoveryMs(samples, up);
        row.figures["restart ms"] = up - down;
        row.figures["recovery ms"] = recovery;
        row.check(recovery <= 1000, `recovery took ${recovery} ms after the database accepted`);
    });
}

async function blackhole() {
    const row = new Row(
        "Blackhole 10 s",
        "no request past its deadline; errors say the database is unreachable, not pool exhausted; recovery after",
    );
    const env = { MNEMO_STATEMENT_TIMEOUT_MS: String(BLACKHOLE_STATEMENT_MS) };
    return withMnemo(row, env, async ({ setup, session, name }) => {
        const ledger = new WriteLedger(name);
        await ledger.write(session, "load/read", {});
        const load = writeLoad(ledger, session, 4, 2, "load/read");
        await sleep(2000);
        setup.proxy.blackhole(true);
        // Fresh requests during the blackhole, beside the loops' calls that were in flight.
        const probes = [];
        for (let second = 0; second < 10; second += 1) {
            probes.push(session.call("recall_context", { project: name, topic: "load/read" }, { abortMs: 30000 }));
            await sleep(1000);
        }
        setup.proxy.blackhole(false);
        const lifted = Date.now();
        await sleep(4000);
        const samples = [...(await load.stop()), ...(await Promise.all(probes))];
        loadFigures(row, samples, ledger, setup.db.name, BLACKHOLE_DEADLINE_MS);
        const recovery = recoveryMs(samples, lifted);
        row.figures["recovery ms"] = recovery;
        row.check(recovery <= 1000, `recovery took ${recovery} ms after the blackhole was lifted`);
        const hangs = samples.filter((s) => s.hang).length;
        row.check(hangs === 0, `${hangs} requests hung (aborted by the client after 30 s)`);
        const exhausted = samples.filter((s) => !s.ok && !/unreachable|unavailable/i.test(s.text));
        for (const sample of exhausted.slice(0, 3)) row.notes.push(`unclear error in full: ${sample.text}`);
        row.check(
            exhausted.length === 0,
            `${exhausted.length} errors do not say the database is unreachable (e.g. "${exhausted[0]?.text.slice(0, 160)}")`,
        );
    });
}

async function terminateIdle() {
    const row = new Row(
        "All backends terminated while idle",
        "the next requests succeed without a user-visible error",
    );
    return withMnemo(row, {}, async ({ setup, session, name }) => {
        const ledger = new WriteLedger(name);
        // Warm the pool with concurrent calls so several connections are idle in it.
        await Promise.all([0, 1, 2, 3].map((i) => ledger.write(session, `warm/${i}`, {})));
        await sleep(500);
        const killed = psqlAdmin(
            `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity ` +
                `WHERE datname = '${setup.db.name}' AND pid <> pg_backend_pid()`,
        ).trim();
        await sleep(200);
        const samples = [];
        for (let round = 0; round < 5; round += 1) {
            samples.push(...(await Promise.all([0, 1, 2, 3].map((i) => ledger.write(session, `after/${i}`, {})))));
        }
        const sum = summarize(samples);
        const verified = ledger.verify(setup.db.name);
        Object.assign(row.figures, {
            "backends killed": Number(killed),
            requests: sum.requests,
            errors: sum.errors,
            "max ms": sum.maxMs,
            "writes acked/found": `${verified.acked}/${verified.found}`,
        });
        row.check(Number(killed) > 0, "no backend was terminated (the pool held none)");
        row.check(sum.errors === 0, `${sum.errors} requests failed: ${errorKinds(samples).join("; ")}`);
        row.check(verified.found === verified.acked, "acknowledged writes missing");
    });
}

async function coldStart() {
    const row = new Row(
        "Cold start: 300 ms–3 s connect",
        "first requests succeed within the acquire timeout; concurrent connects ≤ the limit (2)",
    );
    const setup = await proxiedDatabase();
    let server;
    try {
        setup.proxy.setConnectDelay(300, 3000);
        const started = Date.now();
        server = await startMnemo(setup, { MNEMO_ACQUIRE_TIMEOUT_MS: "10000" });
        const startMs = Date.now() - started;
        const session = await Session.open(server);
        // Three projects × 8 concurrent writes: up to 15 connections wanted (quota 5 each).
        const ledgers = [];
        for (let p = 0; p < 3; p += 1) {
            const name = project(`cold${p}`);
            const created = await session.call("create_project", { name });
            row.check(created.ok, `create_project failed: ${created.text}`);
            ledgers.push(new WriteLedger(name));
        }
        const samples = await Promise.all(
            Array.from({ length: 24 }, (_, i) => ledgers[i % 3].write(session, `cold/${i}`, { abortMs: 30000 })),
        );
        const sum = summarize(samples);
        Object.assign(row.figures, {
            "mnemo start ms": startMs,
            requests: sum.requests,
            errors: sum.errors,
            "max ms": sum.maxMs,
            "connects seen": setup.proxy.stats.accepted,
            "max concurrent connects": setup.proxy.stats.maxConnecting,
        });
        row.check(sum.errors === 0, `${sum.errors} first requests failed: ${errorKinds(samples).join("; ")}`);
        row.check(sum.maxMs <= 10000, `a first request took ${sum.maxMs} ms (acquire timeout 10000)`);
        row.check(
            setup.proxy.stats.maxConnecting <= 2,
            `${setup.proxy.stats.maxConnecting} connects in flight at once (limit 2)`,
        );
    } catch (error) {
        row.failures.push(`scenario error: ${error.message}`);
    } finally {
        await server?.stop("SIGTERM");
        await setup.close();
    }
    return row;
}

async function maxConnections() {
    const row = new Row(
        "max_connections (12) below mnemo's budget (20)",
        "backs off on 53300, keeps serving with what it gets; logs each lowering once, then at most a line a minute",
    );
    psqlAdmin("ALTER SYSTEM SET max_connections = 12");
    pgctl("restart", "-m", "fast", "-w");
    const started = Date.now();  // Before mnemo starts: bounds how long it ran.
    try {
        await withMnemo(row, { MNEMO_ACQUIRE_TIMEOUT_MS: "5000" }, async ({ setup, server, session, name }) => {
            // Four projects × quota 5 = 20 concurrent leases wanted; the server has 9 slots.
            const names = [name];
            for (let i = 1; i < 4; i += 1) {
                names.push(`${name}-${i}`);
                await session.call("create_project", { name: `${name}-${i}` });
            }
            const ledgers = names.map((n) => new WriteLedger(n));
            const load = runLoad(20, (worker, seq) =>
                ledgers[worker % 4].write(session, `mc/w${worker}/t${seq % 3}`, { abortMs: 30000 }),
            );
            await sleep(12000);
            const samples = await load.stop();
            const sum = summarize(samples);
            let acked = 0;
            let found = 0;
            for (const ledger of ledgers) {
                const v = ledger.verify(setup.db.name);
                acked += v.acked;
                found += v.found;
            }
            // pqpool's promise (pqpool/README.md): one line per lowering from the configured
            // budget, at most one "still lowered" line per 60 s, one line per recovery.
            const log = server.stderr();
            const lowered = (log.match(/no free connection slots/g) ?? []).length;
            const reminders = (log.match(/budget still lowered/g) ?? []).length;
            const recoveries = (log.match(/budget back at the configured/g) ?? []).length;
            const lowerings = await metric(server, "mnemo_pool_budget_lowerings_total");
            const refusals = await metric(server, "mnemo_pool_backpressure_refusals_total");
            const ranMinutes = Math.floor((Date.now() - started) / 60000);
            const budget = await metric(server, "mnemo_pool_effective_budget");
            Object.assign(row.figures, {
                requests: sum.requests,
                errors: sum.errors,
                "max ms": sum.maxMs,
                "p99 ms": sum.p99Ms,
                "writes acked/found": `${acked}/${found}`,
                "effective budget": budget,
                "lowerings logged/counted": `${lowered}/${lowerings}`,
                "53300 refusals": refusals,
                "reminder lines": reminders,
            });
            row.check(sum.errors === 0, `${sum.errors} requests failed: ${errorKinds(samples).slice(0, 3).join("; ")}`);
            row.check(found === acked, `${acked - found} acknowledged writes missing`);
            row.check(budget < 20, `effective budget ${budget}, expected below the configured 20`);
            row.check(lowerings >= 1 && refusals >= lowerings, `${lowerings} lowerings counted, ${refusals} refusals`);
            row.check(lowered === lowerings, `${lowered} lowering lines for ${lowerings} lowerings counted`);
            row.check(recoveries <= lowered, `${recoveries} recovery lines for ${lowered} lowerings`);
            row.check(
                reminders <= ranMinutes,
                `${reminders} "still lowered" lines in ${ranMinutes} whole minutes (at most one a minute)`,
            );
        });
    } finally {
        psqlAdmin("ALTER SYSTEM RESET max_connections");
        pgctl("restart", "-m", "fast", "-w");
    }
    return row;
}

async function sigkill() {
    const row = new Row(
        "mnemo SIGKILL during concurrent writes",
        "after restart every acknowledged write is present, no half-written versions, sessions continue",
    );
    const setup = await proxiedDatabase();
    let first;
    let second;
    try {
        first = await startMnemo(setup, { MNEMO_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_MS) });
        const session = await Session.open(first);
        const name = project("kill");
        await session.call("create_project", { name });
        const ledger = new WriteLedger(name);
        const load = runLoad(8, (worker, seq) =>
            ledger.write(session, `kill/w${worker % 4}/t${seq % 2}`, { abortMs: 10000 }),
        );
        await sleep(2000);
        first.child.kill("SIGKILL");
        const samples = await load.stop(); // only the calls in flight fail
        await first.exited;
        second = await startMnemo(setup, { MNEMO_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_MS) });
        session.server = second; // the same Mcp-Session-Id, on the restarted process
        const after = await ledger.write(session, "kill/after", {});
        const verified = ledger.verify(setup.db.name);
        const sum = summarize(samples);
        Object.assign(row.figures, {
            requests: sum.requests,
            "errors (killed in flight)": sum.errors,
            "writes acked/found": `${verified.acked}/${verified.found}`,
            "half-written topics": verified.halfWritten,
        });
        row.check(verified.found === verified.acked, `${verified.acked - verified.found} acknowledged writes missing`);
        row.check(verified.halfWritten === 0, `${verified.halfWritten} topics with half-written versions`);
        row.check(after.ok, `the session did not continue after the restart: ${after.text}`);
    } catch (error) {
        row.failures.push(`scenario error: ${error.message}`);
    } finally {
        await first?.stop("SIGKILL");
        await second?.stop("SIGTERM");
        await setup.close();
    }
    return row;
}

async function leakedLease() {
    const row = new Row(
        "A leaked lease (a lock_context stuck 65 s on its connection)",
        "reported with the tool name, counted in metrics",
    );
    // The stalled statement must outlive the 60 s leak threshold: lift the statement bound
    // (MNEMO_STATEMENT_TIMEOUT_MS, which would otherwise drop the connection at 15 s).
    return withMnemo(row, { MNEMO_STATEMENT_TIMEOUT_MS: "120000" }, async ({ setup, server, session, name }) => {
        const ledger = new WriteLedger(name);
        await ledger.write(session, "leak/warm", {});
        // Only the statement carrying the marker hangs: the session lookup and other calls work.
        setup.proxy.stallOnMatch("leak-marker");
        const stuck = session.call("lock_context", { project: name, topic: "leak/stuck", content: "leak-marker" }, { abortMs: 120000 });
        await sleep(65000);
        const leaks = await metric(server, "mnemo_pool_leaks_total");
        setup.proxy.stallOnMatch(null);
        await stuck;
        const report = server.stderr().split("\n").find((line) => line.includes("connection leak suspected")) ?? "";
        Object.assign(row.figures, { "leaks counted": leaks, "report names": report ? /by '([^']*)'/.exec(report)?.[1] ?? "?" : "-" });
        row.check(leaks >= 1, "mnemo_pool_leaks_total did not count the lease");
        row.check(/by 'lock_context'/.test(report), `the leak report does not name the tool: ${report.slice(0, 300)}`);
    });
}

async function overload() {
    const row = new Row(
        "10× overload for 60 s (budget 4, 40 clients)",
        "memory bounded; p99 of admitted requests bounded; excess gets a fast clear error",
    );
    const env = {
        MNEMO_POOL_MAX_CONNECTIONS: "4",
        MNEMO_PROJECT_MAX_CONNECTIONS: "4",
        MNEMO_POOL_MAX_WAITING: "8",
    };
    return withMnemo(row, env, async ({ setup, server, session, name }) => {
        const ledger = new WriteLedger(name);
        await ledger.write(session, "load/read", {});
        const load = runLoad(40, (worker, seq) =>
            worker % 2 === 0
                ? ledger.write(session, `ol/w${worker}/t${seq % 3}`, { abortMs: 30000 })
                : session.call("recall_context", { project: name, topic: "load/read" }, { abortMs: 30000 }),
        );
        const rss = [];
        for (let second = 0; second < 60; second += 1) {
            await sleep(1000);
            rss.push(rssKiB(server.child.pid));
        }
        const samples = await load.stop();
        const admitted = samples.filter((s) => s.ok);
        const refused = samples.filter((s) => !s.ok);
        const sumAdmitted = summarize(admitted);
        const sumRefused = summarize(refused);
        const verified = ledger.verify(setup.db.name);
        const settled = rss[9];
        const peak = Math.max(...rss.slice(10));
        Object.assign(row.figures, {
            requests: samples.length,
            errors: refused.length,
            "admitted p99 ms": sumAdmitted.p99Ms,
            "refused p99 ms": sumRefused.p99Ms,
            "RSS at 10 s / peak after (MiB)": `${(settled / 1024).toFixed(1)}/${(peak / 1024).toFixed(1)}`,
            "writes acked/found": `${verified.acked}/${verified.found}`,
        });
        row.check(peak <= settled * 1.25 + 10240, `RSS grew from ${settled} KiB to ${peak} KiB`);
        row.check(sumAdmitted.p99Ms <= DEADLINE_MS, `p99 of admitted requests ${sumAdmitted.p99Ms} ms`);
        const unclear = refused.filter((s) => !/overloaded|Connection pool timeout/.test(s.text));
        row.check(unclear.length === 0, `${unclear.length} refusals without a clear error: ${errorKinds(unclear).slice(0, 2).join("; ")}`);
        // Fast: well under the wait of a caller that is admitted but gets no connection (the
        // acquire timeout). A refusal still waits for its session lookup, which queues too.
        row.check(
            sumRefused.p99Ms <= ACQUIRE_MS / 4,
            `p99 of refusals ${sumRefused.p99Ms} ms, expected ≤ ${ACQUIRE_MS / 4} ms (¼ of the acquire timeout)`,
        );
        row.check(verified.found === verified.acked, "acknowledged writes missing");
        const kinds = errorKinds(refused);
        if (kinds.length > 0) row.notes.push(`errors: ${kinds.slice(0, 3).join("; ")}`);
    });
}

/// Every scenario, in order. `fast` ones run in CI (scripts/reliability --fast).
export const SCENARIOS = [
    { id: "restart-fast", fast: true, run: () => restartUnderLoad("fast") },
    { id: "restart-immediate", fast: true, run: () => restartUnderLoad("immediate") },
    { id: "blackhole", fast: true, run: blackhole },
    { id: "terminate-idle", fast: true, run: terminateIdle },
    { id: "cold-start", fast: true, run: coldStart },
    { id: "max-connections", fast: true, run: maxConnections },
    { id: "sigkill", fast: true, run: sigkill },
    { id: "leaked-lease", fast: false, run: leakedLease },
    { id: "overload", fast: false, run: overload },
];

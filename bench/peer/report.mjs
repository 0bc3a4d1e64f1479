// SPDX-License-Identifier: MIT
// Figures from latency samples, the printed tables, and the plots (gnuplot data files, then
// bench/peer/latency.gp run by gnuplot).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

/// The q-quantile of `sorted` (ascending), nearest rank: the smallest sample with at least
/// q of the samples at or below it (p99 of 100 samples is the 99th smallest).
export function quantile(sorted, q) {
    const rank = Math.max(1, Math.ceil(q * sorted.length));
    return sorted[rank - 1];
}

/// { n, p50, p99, callsPerSecond } of latency samples in ms; calls/s is one call at a time:
/// n divided by the sum of the latencies.
export function summarize(samples) {
    const sorted = [...samples].sort((a, b) => a - b);
    const total = sorted.reduce((sum, x) => sum + x, 0);
    return {
        n: sorted.length,
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        callsPerSecond: (1000 * sorted.length) / total,
    };
}

/// A latency in ms with three significant digits.
export function ms(value) {
    if (value >= 100) return value.toFixed(0);
    if (value >= 10) return value.toFixed(1);
    if (value >= 1) return value.toFixed(2);
    return value.toFixed(3);
}

function rate(value) {
    return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function ratio(value) {
    return value >= 100 ? `${value.toFixed(0)}x` : `${value.toPrecision(3)}x`;
}

/// Prints rows (arrays of strings) as a Markdown table with aligned columns.
export function printTable(header, rows) {
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const line = (cells) =>
        `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(" | ")} |`;
    console.log(line(header));
    console.log(`|${widths.map((w, c) => (c === 0 ? `-${"-".repeat(w)}-` : `-${"-".repeat(w)}:`)).join("|")}|`);
    for (const row of rows) console.log(line(row));
}

/// The latency table: one row per (operation, size, server) measured.
/// results: Map "server|op|size" -> summary.
export function printLatencyTable(results, operations, sizes, servers) {
    const rows = [];
    for (const op of operations) {
        for (const size of sizes) {
            for (const server of servers) {
                const s = results.get(`${server}|${op.key}|${size}`);
                if (!s) continue;
                rows.push([`${op.label}`, String(size), server, String(s.n), ms(s.p50), ms(s.p99),
                    rate(s.callsPerSecond)]);
            }
        }
    }
    printTable(["operation", "items", "server", "calls", "p50 ms", "p99 ms", "calls/s"], rows);
}

/// The ratio table at the sizes both servers ran: mnemo's calls/s over the peer's, and the
/// peer's p50 and p99 over mnemo's.
export function printRatioTable(results, operations, sizes) {
    const rows = [];
    for (const op of operations) {
        for (const size of sizes) {
            const m = results.get(`mnemo|${op.key}|${size}`);
            const p = results.get(`server-memory|${op.key}|${size}`);
            if (!m || !p) continue;
            rows.push([op.label, String(size), ratio(m.callsPerSecond / p.callsPerSecond),
                ratio(p.p50 / m.p50), ratio(p.p99 / m.p99)]);
        }
    }
    printTable(["operation", "items", "calls/s mnemo/peer", "p50 peer/mnemo", "p99 peer/mnemo"],
        rows);
}

/// Writes one gnuplot data file per server (size, then p50 and p99 of each operation; "NaN"
/// where not measured) and runs latency.gp, which writes peer-<op>.png into `plotDir`.
/// Returns the PNG paths.
export function writePlots(results, operations, sizes, plotDir, workDir, title) {
    mkdirSync(plotDir, { recursive: true });
    for (const server of ["mnemo", "server-memory"]) {
        const lines = [`# items ${operations.map((op) => `${op.key}_p50 ${op.key}_p99`).join(" ")}`];
        for (const size of sizes) {
            const cells = operations.flatMap((op) => {
                const s = results.get(`${server}|${op.key}|${size}`);
                return s ? [s.p50.toFixed(4), s.p99.toFixed(4)] : ["NaN", "NaN"];
            });
            if (cells.every((c) => c === "NaN")) continue;
            lines.push(`${size} ${cells.join(" ")}`);
        }
        writeFileSync(join(workDir, `${server}.dat`), `${lines.join("\n")}\n`);
    }
    const outputs = [];
    operations.forEach((op, index) => {
        const png = join(plotDir, `peer-${op.key}.png`);
        execFileSync("gnuplot", [
            "-e", `mnemo='${join(workDir, "mnemo.dat")}'`,
            "-e", `peer='${join(workDir, "server-memory.dat")}'`,
            "-e", `column=${2 + 2 * index}`,
            "-e", `operation='${op.label}'`,
            "-e", `subtitle='${title}'`,
            "-e", `output='${png}'`,
            join(HERE, "latency.gp"),
        ], { stdio: ["ignore", "inherit", "inherit"] });
        outputs.push(png);
    });
    return outputs;
}

/// The issue's goals for mnemo, each with the measured figures and "met" or "NOT met".
/// sizes: mnemo's sizes; shared: the sizes both servers ran.
export function printGoals(results, sizes, shared, startupMs, idleMiB) {
    const verdict = (ok) => (ok ? "met" : "NOT met");
    const at = shared.includes(50_000) ? 50_000 : shared[shared.length - 1];
    const lines = [];
    for (const key of ["write", "read"]) {
        const m = results.get(`mnemo|${key}|${at}`);
        const p = results.get(`server-memory|${key}|${at}`);
        if (!m || !p) continue;
        const r = m.callsPerSecond / p.callsPerSecond;
        lines.push(`${key} calls/s at ${at} items >= 100x the peer's: ${ratio(r)} — ${verdict(r >= 100)}`);
    }
    // Issue 15: a search matching 1 % at 10 000 items, at least 10x the peer's calls/s.
    const m = results.get(`mnemo|search|10000`);
    const p = results.get(`server-memory|search|10000`);
    if (m && p) {
        const r = m.callsPerSecond / p.callsPerSecond;
        lines.push(`search calls/s at 10000 items >= 10x the peer's: ${ratio(r)} — ${verdict(r >= 10)}`);
    }
    const small = sizes[0];
    const large = sizes[sizes.length - 1];
    for (const key of ["write", "read", "search"]) {
        const a = results.get(`mnemo|${key}|${small}`);
        const b = results.get(`mnemo|${key}|${large}`);
        if (!a || !b || small === large) continue;
        lines.push(`${key} p50 at ${large} items <= 2x p50 at ${small}: ${ms(b.p50)} vs ${ms(a.p50)} ms ` +
            `(${ratio(b.p50 / a.p50)}) — ${verdict(b.p50 <= 2 * a.p50)}`);
    }
    lines.push(`RSS idle <= 20 MB: ${idleMiB.toFixed(1)} MiB — ${verdict(idleMiB * 1.048576 <= 20)}`);
    lines.push(`start-up <= 50 ms: ${ms(startupMs)} ms — ${verdict(startupMs <= 50)}`);
    for (const line of lines) console.log(`  ${line}`);
}

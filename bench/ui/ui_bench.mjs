// SPDX-License-Identifier: MIT
// The /ui project page of a project with 10 000 contexts: time until usable, measured in
// Debian's headless chromium, beside a baseline page load (/healthz) in the same run.
//
// usage: node bench/ui/ui_bench.mjs [--contexts 10,10000] [--rounds 40]
// Env:   MNEMO_TEST_DSN  superuser DSN of a PostgreSQL cluster (scripts/pg-cluster)
//        MNEMO_BINARY    the mnemo executable (default build/release/mnemo)
//        MNEMO_CHROMIUM  the browser (default /usr/bin/chromium)
// The fixtures and puppeteer-core are the UI tests' (test/e2e, test/ui: `npm ci` there first,
// as test/ui/run.sh does).
//
// "Usable" is the moment the page has rendered the project's contexts by priority, its newest
// handovers and the first level of its topic tree (body[data-ready], performance mark
// "mnemo-ready"), counted from the start of the navigation: the HTML, the CSS, the JavaScript
// modules and three API calls (each with its token lookup), all over loopback. The baseline
// is the browser's load of /healthz (a tiny JSON document) from the same server.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

import { createTestDatabase } from "../../test/e2e/harness.mjs";
import { connectHttp, createToken, startHttpServer } from "../../test/e2e/http_harness.mjs";
import { launchBrowser } from "../../test/ui/browser.mjs";

const { values: options } = parseArgs({
    options: {
        contexts: { type: "string", default: "10,10000" },
        rounds: { type: "string", default: "40" },
    },
});
const sizes = options.contexts.split(",").map(Number);
const rounds = Number(options.rounds);
process.env.MNEMO_BINARY ??= resolve(new URL("../../build/release/mnemo", import.meta.url).pathname);

function psql(db, sql) {
    const url = new URL(process.env.MNEMO_TEST_DSN);
    url.pathname = `/${db.name}`;
    execFileSync("psql", [url.toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], { stdio: ["ignore", "ignore", "inherit"] });
}

/// `count` contexts (1 in 200 always_check, 1 in 10 important, the rest reference) in 100
/// folders, 200 handovers: bulk-loaded as the server would store them (the documents are
/// generated columns).
function populate(db, project, count) {
    psql(db, `
WITH p AS (SELECT project_id FROM mnemo.projects WHERE owner = 'bench' AND name = '${project}')
INSERT INTO mnemo.topics (project_id, topic, last_version, latest_version, latest_priority, latest_at)
SELECT p.project_id, format('area-%s/topic-%s', i % 100, i), 1, 1,
       CASE WHEN i % 200 = 0 THEN 'always_check' WHEN i % 10 = 0 THEN 'important' ELSE 'reference' END,
       now() - i * interval '1 minute'
FROM p, generate_series(1, ${count}) i;
INSERT INTO mnemo.contexts (project_id, topic, version, content, preview, priority, tags,
                            content_hash, size_bytes, created_at)
SELECT t.project_id, t.topic, 1, c.text, left(c.text, 500), t.latest_priority, '{bench}',
       encode(sha256(convert_to(c.text, 'UTF8')), 'hex'), octet_length(c.text), t.latest_at
FROM mnemo.topics t
JOIN mnemo.projects p ON p.project_id = t.project_id AND p.owner = 'bench' AND p.name = '${project}',
LATERAL (SELECT format('Decision on %s: the pool budget stays at twenty connections and every acquire waits at most the timeout. %s',
                       t.topic, repeat('The reasons, the alternatives and what it changed. ', 12)) AS text) c;
INSERT INTO mnemo.handovers (project_id, summary, completed, pending, created_at)
SELECT p.project_id, format('Session %s: worked on the pool and the search.', i), '["one", "two"]', '["three"]',
       now() - i * interval '1 hour'
FROM mnemo.projects p, generate_series(1, 200) i WHERE p.owner = 'bench' AND p.name = '${project}';
ANALYZE mnemo.topics; ANALYZE mnemo.contexts; ANALYZE mnemo.handovers;`);
}

function quantile(sorted, q) {
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/// One load of `url` in a fresh tab (the same browser session: its cookie); `measure` runs in
/// the page and returns milliseconds since the navigation started.
async function timeLoad(context, url, measure) {
    const page = await context.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(url, { waitUntil: "load" });
    const ms = await page.evaluate(measure);
    await page.close();
    return ms;
}

const untilUsable = async () => {
    await new Promise((done) => {
        const check = () => (document.body.dataset.ready ? done() : setTimeout(check, 2));
        check();
    });
    if (document.body.dataset.ready !== "p") throw new Error(document.querySelector("main").textContent);
    return performance.getEntriesByName("mnemo-ready")[0].startTime;
};

const db = createTestDatabase();
const server = await startHttpServer(db);
const browser = await launchBrowser();
try {
    const token = createToken(db, "bench");
    const client = (await connectHttp(server.url, token)).client;
    for (const size of sizes) {
        await client.callTool({ name: "create_project", arguments: { name: `bench-${size}` } });
        populate(db, `bench-${size}`, size);
    }
    await client.close();
    const context = await browser.createBrowserContext();
    const first = await context.newPage();
    await first.setCookie({ name: "mnemo_ui", value: token, url: `${server.base}/ui`, httpOnly: true, sameSite: "Strict" });
    await first.close();

    // Interleaved: each round loads the baseline and every page once, so a busy machine
    // slows them alike. The first three rounds warm the server and the browser.
    const pages = [["baseline: /healthz page load", `${server.base}/healthz`,
                    () => performance.getEntriesByType("navigation")[0].loadEventEnd]];
    for (const size of sizes) {
        pages.push([`/ui project page, ${size} contexts`, `${server.base}/ui/#/p/bench-${size}`, untilUsable]);
    }
    const rows = pages.map(([name]) => [name, []]);
    for (let round = 0; round < rounds + 3; round++) {
        for (const [i, [, url, measure]] of pages.entries()) {
            const ms = await timeLoad(context, url, measure);
            if (round >= 3) rows[i][1].push(ms);
        }
    }
    for (const [, times] of rows) times.sort((a, b) => a - b);
    const baseline = rows[0][1];
    const base50 = quantile(baseline, 0.5);
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(`# mnemo /ui bench: ${rounds} rounds each, chromium ${await browser.version()}, loopback, load average ${load}`);
    console.log("| page | p50 ms | p90 ms | max ms | p50 / baseline p50 |");
    console.log("|---|---:|---:|---:|---:|");
    for (const [name, times] of rows) {
        const p50 = quantile(times, 0.5);
        console.log(`| ${name} | ${p50.toFixed(1)} | ${quantile(times, 0.9).toFixed(1)} | ${times[times.length - 1].toFixed(1)} | ${(p50 / base50).toFixed(1)} |`);
    }
} finally {
    await browser.close();
    await server.stop();
    db.drop();
}

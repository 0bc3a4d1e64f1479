// SPDX-License-Identifier: MIT
// The server, live: the pool and tool latency from the numbers behind /metrics, every 3 s.
import { get } from "./api.js";
import { h, replace } from "./dom.js";
import { lineChart } from "./chart.js";

const kEveryMs = 3000;
const kSamples = 40;
let timer = null;
let generation = 0;  // a newer visit (or leaving the page) ends older refresh loops

export function stopLive() {
    clearTimeout(timer);
    timer = null;
    generation++;
}

function legend(items) {
    return h("p", { class: "legend" }, items.map(([cls, text]) => h("span", { class: `key ${cls}` }, text)));
}

export async function showLive(main) {
    const samples = [];
    const charts = h("div", { class: "charts" });
    const table = h("div", {});
    const figures = h("p", { class: "counts" });
    replace(main, h("h1", { tabindex: "-1" }, "Server, live"),
        h("p", { class: "muted" }, `Refreshed every ${kEveryMs / 1000} s from the numbers behind /metrics. Projects: yours only; the pool and tool figures are the server's.`),
        figures, charts, table);
    const tick = async () => {
        const now = await get("live");
        const prev = samples[samples.length - 1];
        // Tool latency over the interval: the increase of the latency sum over the calls.
        const calls = prev ? now.tools.calls - prev.tools.calls : 0;
        now.latency_ms = calls > 0 ? (now.tools.latency_sum_ms - prev.tools.latency_sum_ms) / calls : 0;
        now.calls_per_s = prev ? (calls * 1000) / Math.max(1, now.at_ms - prev.at_ms) : 0;
        samples.push(now);
        if (samples.length > kSamples) samples.shift();
        replace(figures,
            `in use ${now.pool.in_use} · idle ${now.pool.idle} · waiting ${now.pool.waiting} · budget ${now.pool.budget} · `,
            `acquire wait p50 ${now.acquire_wait_ms.p50.toFixed(2)} ms, p99 ${now.acquire_wait_ms.p99.toFixed(2)} ms · `,
            `timeouts ${now.timeouts} · tool calls ${now.tools.calls} (${now.tools.errors} errors)`);
        replace(charts,
            h("figure", {}, h("figcaption", {}, "Pool connections"),
              lineChart("Pool connections: in use, idle, waiting", [
                  { cls: "s1", values: samples.map((s) => s.pool.in_use) },
                  { cls: "s2", values: samples.map((s) => s.pool.idle) },
                  { cls: "s3", values: samples.map((s) => s.pool.waiting) }]),
              legend([["s1", "in use"], ["s2", "idle"], ["s3", "waiting"]])),
            h("figure", {}, h("figcaption", {}, "Tool latency (mean per interval) and acquire wait p50"),
              lineChart("Tool latency and acquire wait in milliseconds", [
                  { cls: "s1", values: samples.map((s) => s.latency_ms) },
                  { cls: "s3", values: samples.map((s) => s.acquire_wait_ms.p50) }], { unit: " ms" }),
              legend([["s1", "tool latency"], ["s3", "acquire wait p50"]])));
        replace(table, now.projects.length
            ? h("table", { class: "files" },
                h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Project"), h("th", { scope: "col" }, "In use"), h("th", { scope: "col" }, "Waiting"))),
                h("tbody", {}, now.projects.map((p) => h("tr", {}, h("td", {}, p.project), h("td", {}, p.in_use), h("td", {}, p.waiting)))))
            : h("p", { class: "muted" }, "None of your projects holds or waits for a connection right now."));
        document.body.setAttribute("data-live-samples", String(samples.length));
    };
    await tick();
    const mine = generation;
    const loop = () => {
        timer = setTimeout(async () => {
            try {
                await tick();
            } catch {
                // The next tick tries again; the page keeps the last figures.
            }
            if (mine === generation) loop();
        }, kEveryMs);
    };
    loop();
}

// SPDX-License-Identifier: MIT
// A small line chart in SVG (attributes only: no inline style, as the CSP requires).

const kNs = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}) {
    const el = document.createElementNS(kNs, tag);
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
    return el;
}

/// series: [{label, cls, values: [number]}] sharing one x axis (samples, oldest first).
export function lineChart(title, series, { width = 600, height = 160, unit = "" } = {}) {
    const pad = { left: unit ? 64 : 44, right: 8, top: 10, bottom: 18 };
    const all = series.flatMap((s) => s.values).filter(Number.isFinite);
    // At least 1 (connections, ms): an idle server draws flat lines at the bottom.
    const top = Math.max(1, ...all) * 1.1;
    const n = Math.max(2, ...series.map((s) => s.values.length));
    const x = (i) => pad.left + (i * (width - pad.left - pad.right)) / (n - 1);
    const y = (v) => height - pad.bottom - (v / top) * (height - pad.top - pad.bottom);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title });
    const label = (v) => (top < 10 ? v.toFixed(2) : Math.round(v).toString());
    for (const frac of [0, 0.5, 1]) {
        const v = (top / 1.1) * frac;
        root.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: "grid" }));
        const text = svg("text", { x: pad.left - 4, y: y(v) + 4, class: "axis", "text-anchor": "end" });
        text.textContent = `${label(v)}${unit}`;
        root.append(text);
    }
    for (const s of series) {
        const points = s.values.map((v, i) => `${x(i)},${y(Number.isFinite(v) ? v : 0)}`).join(" ");
        root.append(svg("polyline", { points, class: `line ${s.cls}`, fill: "none" }));
    }
    return root;
}

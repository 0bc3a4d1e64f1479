// SPDX-License-Identifier: MIT
// DOM helpers: every piece of stored content becomes a text node, never HTML.

/// Creates an element. `props`: attributes (class, href, aria-*, data-*...), `on*` functions
/// as listeners, and `hidden`/`disabled` booleans. Children: nodes, strings (as text), arrays,
/// null/false (skipped).
export function h(tag, props = {}, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(props ?? {})) {
        if (value === null || value === undefined || value === false) continue;
        if (name.startsWith("on") && typeof value === "function") {
            el.addEventListener(name.slice(2), value);
        } else if (name === "hidden" || name === "disabled" || name === "checked" ||
                   name === "selected" || name === "required") {
            el[name] = Boolean(value);
        } else if (name === "value") {
            el.value = value;
        } else {
            el.setAttribute(name, String(value));
        }
    }
    append(el, children);
    return el;
}

function append(el, children) {
    for (const child of children) {
        if (child === null || child === undefined || child === false) continue;
        if (Array.isArray(child)) append(el, child);
        else if (child instanceof Node) el.appendChild(child);
        else el.appendChild(document.createTextNode(String(child)));
    }
}

/// Replaces the children of `el`.
export function replace(el, ...children) {
    el.replaceChildren();
    append(el, children);
    return el;
}

const kWord = /[\p{L}\p{N}]+/gu;

/// `text` with the words the search matched inside <mark> (marks: [{text, prefix}] as the
/// server's search returns them). Text nodes only.
export function highlight(text, marks) {
    const out = document.createDocumentFragment();
    const wanted = (marks ?? []).filter((m) => m.text);
    let last = 0;
    for (const match of String(text ?? "").matchAll(kWord)) {
        const word = match[0].toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
        const hit = wanted.some((m) => (m.prefix ? word.startsWith(m.text) : word === m.text));
        if (!hit) continue;
        out.append(document.createTextNode(text.slice(last, match.index)));
        out.append(h("mark", {}, match[0]));
        last = match.index + match[0].length;
    }
    out.append(document.createTextNode(String(text ?? "").slice(last)));
    return out;
}

/// A timestamp for people: local date and time, minutes.
export function when(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    return date.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    });
}

/// How long ago, roughly ("3 h ago").
export function ago(iso) {
    const ms = Date.now() - new Date(iso).getTime();
    if (!Number.isFinite(ms)) return "";
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
}

/// A short notice for screen readers and eyes.
export function toast(message, kind = "info") {
    const el = document.getElementById("toast");
    el.className = `toast ${kind}`;
    el.textContent = message;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { el.textContent = ""; el.className = "toast"; }, 6000);
}

// SPDX-License-Identifier: MIT
// A context: its versions, a diff between any two, edit (locks a new version), archive, restore.
import { get, post } from "./api.js";
import { diffLines } from "./diff.js";
import { h, replace, toast, when } from "./dom.js";
import { contextHref } from "./project.js";

function diffView(older, newer) {
    const lines = diffLines(older.content ?? "", newer.content ?? "");
    const added = lines.filter((l) => l.op === "+").length;
    const removed = lines.filter((l) => l.op === "-").length;
    return h("div", { class: "diff-wrap" },
        h("p", { class: "muted" }, `v${older.version} → v${newer.version}: ${added} lines added, ${removed} removed`),
        h("pre", { class: "diff", "aria-label": `Changes from version ${older.version} to ${newer.version}` },
          lines.map((l) => h("span", { class: l.op === "+" ? "add" : l.op === "-" ? "del" : "same" },
                             `${l.op} ${l.text}\n`))));
}

function versionSelect(id, label, versions, selected) {
    return [h("label", { for: id }, label),
        h("select", { id }, versions.map((v) => h("option", { value: v.version, selected: v.version === selected },
            `v${v.version}${v.archived_at ? " (archived)" : ""}`)))];
}

export async function showContext(main, project, topic, params, session) {
    const data = await get("versions", { p: project, topic });
    const versions = data.versions;
    const shown = Number(params.get("v")) || data.latest_version || versions[0].version;
    const current = await get("version", { p: project, topic, v: shown });
    const canWrite = session.can_write;
    const reload = (v) => {
        const target = `${contextHref(project, topic)}${v ? `?v=${v}` : ""}`;
        if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
        else location.hash = target;
    };

    const change = async (endpoint, body, done) => {
        try {
            await post(endpoint, { project, topic, ...body });
            toast(done);
            reload(body.version && endpoint === "restore" ? body.version : undefined);
        } catch (error) {
            toast(error.message, "error");
        }
    };
    const archive = (v) => {
        const always = v.priority === "always_check";
        if (!confirm(`Archive version ${v.version} of “${topic}”?${always ? " It is an always_check rule." : ""}`)) return;
        change("archive", { version: v.version, force: always }, `Archived v${v.version}`);
    };

    const rows = versions.map((v) => h("tr", { class: v.archived_at ? "archived" : "" },
        h("td", {}, h("a", { href: `${contextHref(project, topic)}?v=${v.version}`, "aria-current": v.version === shown ? "true" : null }, `v${v.version}`)),
        h("td", {}, v.priority),
        h("td", {}, h("time", { datetime: v.created_at }, when(v.created_at))),
        h("td", {}, v.archived_at ? `archived ${when(v.archived_at)}` : "live"),
        h("td", {}, canWrite
            ? (v.archived_at
                ? h("button", { type: "button", class: "small", onclick: () => change("restore", { version: v.version }, `Restored v${v.version}`) }, "Restore")
                : h("button", { type: "button", class: "small danger", onclick: () => archive(v) }, "Archive"))
            : null)));

    // Diff: any two versions.
    const older = versions.length > 1 ? versions[1].version : versions[0].version;
    const [fromLabel, fromSelect] = versionSelect("diff-from", "From", versions, older);
    const [toLabel, toSelect] = versionSelect("diff-to", "To", versions, versions[0].version);
    const diffOut = h("div", { id: "diff-out" });
    const diffForm = h("form", { class: "inline", onsubmit: async (event) => {
        event.preventDefault();
        try {
            const [a, b] = await Promise.all([
                get("version", { p: project, topic, v: fromSelect.value }),
                get("version", { p: project, topic, v: toSelect.value })]);
            replace(diffOut, diffView(a, b));
        } catch (error) {
            replace(diffOut, h("p", { class: "error", role: "alert" }, error.message));
        }
    } }, fromLabel, fromSelect, toLabel, toSelect, h("button", { type: "submit" }, "Compare"));

    // Edit: the shown version's text, saved as a new version.
    let editor = null;
    if (canWrite) {
        const text = h("textarea", { id: "edit-content", rows: 12, spellcheck: "false" });
        text.value = current.content ?? "";
        const priority = h("select", { id: "edit-priority" },
            ["always_check", "important", "reference"].map((p) => h("option", { value: p, selected: p === current.priority }, p)));
        const tags = h("input", { id: "edit-tags", type: "text", value: (current.tags ?? []).join(", "), autocomplete: "off" });
        editor = h("details", { class: "card", id: "editor" },
            h("summary", {}, "Edit (locks a new version)"),
            h("form", { onsubmit: (event) => {
                event.preventDefault();
                const list = tags.value.split(",").map((t) => t.trim()).filter(Boolean);
                change("edit", { content: text.value, priority: priority.value, tags: list }, "Saved a new version");
            } },
              h("label", { for: "edit-content" }, "Content"), text,
              h("div", { class: "inline" }, h("label", { for: "edit-priority" }, "Priority"), priority,
                h("label", { for: "edit-tags" }, "Tags"), tags),
              h("button", { type: "submit" }, "Save as a new version")));
    }

    replace(main,
        h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Projects"), " / ",
          h("a", { href: `#/p/${encodeURIComponent(project)}` }, project)),
        h("h1", { tabindex: "-1" }, topic),
        h("p", { class: "meta" },
          `v${current.version} · ${current.priority} · ${when(current.created_at)} · ${current.size_bytes} bytes`,
          current.archived_at ? h("span", { class: "badge" }, "archived") : null,
          current.guard ? h("span", { class: "badge guard" }, "guard") : null,
          (current.tags ?? []).length ? h("span", { class: "tags" }, current.tags.map((t) => h("span", { class: "tag" }, t))) : null),
        h("pre", { class: "content", id: "content" }, current.content ?? ""),
        canWrite ? null : h("p", { class: "muted" }, "Read-only token: viewing only."),
        editor,
        h("section", { class: "card", "aria-labelledby": "diff-h" }, h("h2", { id: "diff-h" }, "Compare versions"), diffForm, diffOut),
        h("section", { "aria-labelledby": "versions-h" }, h("h2", { id: "versions-h" }, `Versions (${versions.length})`),
          h("div", { class: "scroll" }, h("table", { class: "versions" },
            h("thead", {}, h("tr", {}, ["Version", "Priority", "Locked", "State", ""].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, rows)))));
}

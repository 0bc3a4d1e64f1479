// SPDX-License-Identifier: MIT
// A project: contexts by priority, handovers timeline, topic tree; search; file changes.
import { get } from "./api.js";
import { ago, h, highlight, replace, when } from "./dom.js";
import { downloadLink, uploadForm } from "./transfer.js";

const kPriorities = [
    ["always_check", "Always check", "Rules the assistant reads at every start."],
    ["important", "Important", "Decisions and notes shown at every start (previews)."],
    ["reference", "Reference", "Everything else, found by search."],
];

export function contextHref(project, topic) {
    return `#/p/${encodeURIComponent(project)}/c/${topic.split("/").map(encodeURIComponent).join("/")}`;
}

function searchForm(project, query = "") {
    const input = h("input", {
        id: "search", type: "search", name: "q", value: query, placeholder: "Search this project  ( / )",
        "aria-label": `Search ${project}`, autocomplete: "off",
    });
    return h("form", { class: "search", role: "search", onsubmit: (event) => {
        event.preventDefault();
        const q = input.value.trim();
        if (q) location.hash = `#/p/${encodeURIComponent(project)}/search?q=${encodeURIComponent(q)}`;
    } }, input, h("button", { type: "submit" }, "Search"));
}

function projectHeader(project, title) {
    return [
        h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Projects"), " / ",
          h("a", { href: `#/p/${encodeURIComponent(project)}` }, project)),
        h("h1", { tabindex: "-1" }, title),
        searchForm(project),
    ];
}

/// A context in a list: topic, version, tags, preview. A `guard` (Claude Code hooks) shows
/// as a badge where one exists.
function contextItem(project, c, marks) {
    return h("li", { class: "item" },
        h("a", { href: contextHref(project, c.topic), class: "title" }, highlight(c.topic, marks)),
        h("span", { class: "muted" }, ` v${c.version}`),
        c.guard ? h("span", { class: "badge guard", title: String(c.guard.reason ?? c.guard) }, "guard") : null,
        c.match ? h("span", { class: "badge" }, c.match === "all" ? "all words" : c.match === "some" ? "some words" : "similar word") : null,
        (c.tags ?? []).length ? h("span", { class: "tags" }, c.tags.map((t) => h("span", { class: "tag" }, t))) : null,
        c.preview ? h("p", { class: "preview" }, highlight(c.preview, marks)) : null);
}

function handoverItem(item) {
    const list = (label, values) => (values?.length
        ? h("div", {}, h("h4", {}, label), h("ul", {}, values.map((v) => h("li", {}, String(v)))))
        : null);
    return h("li", { class: "event" },
        h("p", { class: "when" }, h("time", { datetime: item.created_at }, when(item.created_at)),
          ` · ${ago(item.created_at)}`,
          // Automatic handovers (Claude Code hooks) are marked where the flag exists.
          item.automatic ? h("span", { class: "badge auto" }, "automatic") : null),
        h("p", { class: "summary" }, item.summary),
        list("Completed", item.completed),
        list("Pending", item.pending),
        item.notes ? h("details", {}, h("summary", {}, "Notes"), h("pre", { class: "content" }, item.notes)) : null);
}

async function handoverTimeline(project) {
    const list = h("ol", { class: "timeline" });
    const more = h("button", { type: "button", hidden: true }, "Older handovers");
    let before = 0;
    const load = async () => {
        const page = await get("handovers", { p: project, before });
        for (const item of page.handovers) list.append(handoverItem(item));
        if (page.handovers.length) before = page.handovers[page.handovers.length - 1].handover_id;
        more.hidden = !page.more;
        if (!list.children.length) list.append(h("li", { class: "muted" }, "No handovers yet (the assistant writes one with sleep)."));
    };
    more.addEventListener("click", () => load());
    await load();
    return h("section", { "aria-labelledby": "handovers-h" }, h("h2", { id: "handovers-h" }, "Handovers"), list, more);
}

/// One level of the topic tree; folders expand in place (buttons, so the keyboard works).
/// Returns the list and a promise of its first rows.
function topicLevel(project, prefix) {
    const ul = h("ul", { class: "tree" });
    ul.loaded = get("topics", { p: project, prefix }).then((level) => {
        for (const folder of level.folders) {
            const li = h("li", {});
            const button = h("button", { type: "button", class: "folder", "aria-expanded": "false" },
                             folder.name, h("span", { class: "muted" }, ` (${folder.topics})`));
            button.addEventListener("click", () => {
                const open = button.getAttribute("aria-expanded") === "true";
                button.setAttribute("aria-expanded", String(!open));
                if (open) li.querySelector("ul")?.remove();
                else li.append(topicLevel(project, folder.path));
            });
            li.append(button);
            ul.append(li);
        }
        for (const topic of level.topics) {
            ul.append(h("li", {}, h("a", { href: contextHref(project, topic.topic) }, topic.name || topic.topic),
                        h("span", { class: `muted prio-${topic.priority}` }, ` v${topic.version} · ${topic.priority}`)));
        }
        if (level.more_folders || level.more_topics) ul.append(h("li", { class: "muted" }, "… more (use search)"));
        if (!ul.children.length) ul.append(h("li", { class: "muted" }, "No live topics."));
    }).catch((error) => ul.append(h("li", { class: "error" }, error.message)));
    return ul;
}

export async function showProject(main, project, session) {
    const tree = topicLevel(project, "");
    const [overview, timeline] = await Promise.all([get("project", { p: project }), handoverTimeline(project), tree.loaded]);
    const sections = kPriorities.map(([priority, title, help]) => {
        const items = overview.contexts.filter((c) => c.priority === priority);
        const count = overview.counts[priority];
        return h("section", { class: "card", "aria-labelledby": `h-${priority}` },
            h("h2", { id: `h-${priority}` }, `${title} `, h("span", { class: "muted" }, `(${count}${count >= 10000 ? "+" : ""})`)),
            h("p", { class: "muted" }, help),
            items.length ? h("ul", { class: "plain" }, items.map((c) => contextItem(project, c))) : h("p", { class: "muted" }, "None."),
            count > items.length ? h("p", { class: "muted" }, `The ${items.length} most recent; the topic tree and search find the rest.`) : null);
    });
    replace(main,
        ...projectHeader(project, project),
        overview.description ? h("p", {}, overview.description) : null,
        h("p", { class: "counts" },
          h("a", { href: `#/p/${encodeURIComponent(project)}/files` }, `file index (${overview.counts.files} files)`),
          session.features?.export ? [" · ", downloadLink(project)] : null),
        h("div", { class: "columns" },
          h("div", { class: "col" }, sections),
          h("div", { class: "col" },
            timeline,
            h("section", { "aria-labelledby": "tree-h" }, h("h2", { id: "tree-h" }, "Topics"), tree),
            session.features?.import ? uploadForm(session, { project }) : null)));
}

export async function showSearch(main, project, params) {
    const q = params.get("q") ?? "";
    const offset = Number(params.get("offset") ?? 0) || 0;
    const found = await get("search", { p: project, q, offset });
    const header = projectHeader(project, `Search: ${q}`);
    header[2].querySelector("input").value = q;
    const pager = h("p", { class: "pager" },
        offset > 0 ? h("a", { href: `#/p/${encodeURIComponent(project)}/search?q=${encodeURIComponent(q)}&offset=${Math.max(0, offset - 20)}` }, "Previous") : null,
        found.more ? h("a", { href: `#/p/${encodeURIComponent(project)}/search?q=${encodeURIComponent(q)}&offset=${offset + 20}` }, "Next") : null);
    replace(main, ...header,
        found.results.length
            ? h("ol", { class: "plain results", start: offset + 1 }, found.results.map((c) => contextItem(project, c, found.highlight)))
            : h("p", { class: "muted" }, "Nothing found."),
        pager);
}

export async function showFiles(main, project) {
    const data = await get("files", { p: project });
    replace(main,
        ...projectHeader(project, "File index: recent changes"),
        h("p", { class: "muted" }, `${data.files} files indexed (scan_project_files).`),
        data.changes.length
            ? h("table", { class: "files" },
                h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "Change"), h("th", { scope: "col" }, "Path"))),
                h("tbody", {}, data.changes.map((c) => h("tr", {},
                    h("td", {}, h("time", { datetime: c.changed_at }, when(c.changed_at))),
                    h("td", { class: `change-${c.change}` }, c.change),
                    h("td", { class: "path" }, c.path)))))
            : h("p", { class: "muted" }, "No changes recorded yet."));
}

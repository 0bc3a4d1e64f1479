// SPDX-License-Identifier: MIT
// Download a project (its `mnemo export`) and upload a file: a mnemo export or server-memory's
// memory.json, previewed (a dry run) before it is imported.
import { upload } from "./api.js";
import { h, replace, toast } from "./dom.js";

const kFormats = [
    ["auto", "Detect the format"],
    ["mnemo", "mnemo export (JSON Lines)"],
    ["server-memory", "server-memory (memory.json)"],
];

/// A link that downloads `project` as `mnemo export --project` writes it (JSON Lines).
export function downloadLink(project) {
    return h("a", { id: "export", class: "button", download: "",
                    href: `/ui/api/export?p=${encodeURIComponent(project)}` }, "Download this project");
}

function mib(bytes) {
    return `${Math.round((bytes / 1048576) * 10) / 10} MiB`;
}

// The kinds of records in the order of the file, singular and plural.
const kKinds = [
    ["projects", "project", "projects"],
    ["contexts", "context", "contexts"],
    ["handovers", "handover", "handovers"],
    ["files", "file", "files"],
    ["file_changes", "file change", "file changes"],
];

/// One line per kind of record: "7 contexts would be added, 2 already present".
function countLines(report) {
    const verb = report.dry_run ? "would be added" : "added";
    const known = kKinds.filter(([kind]) => report.counts[kind]);
    const other = Object.keys(report.counts).filter((kind) => !kKinds.some(([k]) => k === kind));
    const lines = [...known, ...other.map((kind) => [kind, kind, kind])].map(([kind, one, many]) => {
        const c = report.counts[kind];
        return h("li", {}, `${c.added} ${c.added === 1 ? one : many} ${verb}, ${c.unchanged} already present`);
    });
    if (report.skipped) lines.push(h("li", {}, `${report.skipped} records of unknown types skipped`));
    return lines.length ? h("ul", { class: "counts-list" }, lines) : h("p", { class: "muted" }, "The file holds no records.");
}

function added(report) {
    return Object.values(report.counts).reduce((sum, c) => sum + c.added, 0);
}

/// The upload form, for a session that may write (else null). On a project page `project` is
/// where the file goes; on the projects page the user may name one (else the file's own).
export function uploadForm(session, { project = null } = {}) {
    if (!session.can_write) return null;
    const file = h("input", { id: "import-file", type: "file", required: true,
                              accept: ".jsonl,.ndjson,.json,application/json" });
    const format = h("select", { id: "import-format" },
                     kFormats.map(([value, label]) => h("option", { value }, label)));
    const target = project ? null : h("input", {
        id: "import-project", type: "text", autocomplete: "off", spellcheck: "false",
        placeholder: "the file's own", "aria-describedby": "import-help",
    });
    const out = h("div", { id: "import-result" });
    const problem = (message) => replace(out, h("p", { class: "error", role: "alert" }, message));

    const send = async (dryRun) => {
        const chosen = file.files[0];
        if (!chosen) return problem("Choose a file first.");
        if (chosen.size > session.max_upload_bytes) {
            return problem(`${chosen.name} is ${mib(chosen.size)}; the most an upload may be is ` +
                           `${mib(session.max_upload_bytes)} (MNEMO_UI_MAX_UPLOAD_BYTES). ` +
                           "Use `mnemo import` for larger files.");
        }
        replace(out, h("p", { class: "muted", role: "status" }, dryRun ? "Checking…" : "Importing…"));
        const params = { format: format.value, project: project ?? (target.value.trim() || undefined),
                         dry_run: dryRun ? 1 : 0 };
        let report;
        try {
            report = await upload("import", params, chosen);
        } catch (error) {
            return problem(error.message);
        }
        const into = report.projects.join(", ") || "no project";
        if (dryRun) {
            const nothing = added(report) === 0;
            const confirm = nothing ? null : h("button", { type: "button", id: "import-confirm",
                                                           onclick: () => send(false) }, "Import");
            const cancel = h("button", { type: "button", class: "link", onclick: () => replace(out) },
                             nothing ? "Close" : "Cancel");
            replace(out, h("div", { class: "preview-box", role: "status" },
                h("p", {}, h("strong", {}, "Preview"), ` (nothing changed yet): ${chosen.name} into ${into}`),
                countLines(report),
                nothing ? h("p", {}, "Nothing new: every record is already present.") : null,
                h("p", { class: "inline" }, confirm, cancel)));
            (confirm ?? cancel).focus();
            return;
        }
        replace(out, h("div", { class: "preview-box", role: "status" },
            h("p", {}, h("strong", {}, "Imported"), ` ${chosen.name} into ${into}`), countLines(report)));
        toast(`Imported ${chosen.name} into ${into}`);
        // The page shows what arrived (the router renders the current page again).
        window.dispatchEvent(new HashChangeEvent("hashchange"));
    };

    return h("section", { class: "card upload", "aria-labelledby": "import-h" },
        h("h2", { id: "import-h" }, project ? "Upload into this project" : "Upload a file"),
        h("p", { id: "import-help", class: "muted" },
          "A mnemo export (.jsonl, e.g. from “Download this project” or `mnemo export`) or " +
          "server-memory's memory.json. You see what would change before anything is written; " +
          `importing twice adds nothing twice. At most ${mib(session.max_upload_bytes)}.`),
        h("form", { class: "inline", onsubmit: (event) => { event.preventDefault(); send(true); } },
          h("label", { for: "import-file" }, "File"), file,
          h("label", { for: "import-format" }, "Format"), format,
          target ? [h("label", { for: "import-project" }, "Into project"), target] : null,
          h("button", { type: "submit" }, "Preview")),
        out);
}

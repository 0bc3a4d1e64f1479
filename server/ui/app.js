// SPDX-License-Identifier: MIT
// The memory browser: session, login, routing (#/...) and the projects list.
import { ApiError, dropPrefetched, get, post, prefetch, setCsrf } from "./api.js";
import { ago, h, replace, toast } from "./dom.js";
import { showFiles, showProject, showSearch } from "./project.js";
import { uploadForm } from "./transfer.js";

// The context and live pages load their modules when first shown.
let live = null;
const stopLive = () => live?.stopLive();

const main = document.getElementById("main");
/// The session: {user, can_write, auth, csrf, max_upload_bytes, features}; null until known.
export let session = null;

async function loadSession() {
    try {
        session = await get("session");
        setCsrf(session.csrf);
    } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 401) throw error;
        session = null;
    }
    renderChrome();
}

function renderChrome() {
    const nav = document.getElementById("nav");
    const who = document.getElementById("who");
    if (!session) {
        replace(nav);
        replace(who);
        return;
    }
    replace(nav, h("a", { href: "#/" }, "Projects"), h("a", { href: "#/live" }, "Server"));
    const name = session.user === "" ? "local owner" : session.user;
    replace(who, h("span", {}, name, session.can_write ? "" : " (read-only)"),
            session.auth === "token"
                ? h("button", { type: "button", class: "link", onclick: logout }, "Log out")
                : null);
}

async function logout() {
    try {
        await post("logout");
    } finally {
        session = null;
        setCsrf("");
        renderChrome();
        location.hash = "#/login";
    }
}

function showLogin() {
    const input = h("input", {
        id: "token", name: "token", type: "password", autocomplete: "off", required: true,
        spellcheck: "false", "aria-describedby": "token-help",
    });
    const problem = h("p", { class: "error", role: "alert" });
    const form = h("form", { class: "card login", onsubmit: async (event) => {
        event.preventDefault();
        problem.textContent = "";
        try {
            await post("login", { token: input.value });
            input.value = "";
            dropPrefetched();
            await loadSession();
            if (location.hash === "#/") route();
            else location.hash = "#/";
        } catch (error) {
            problem.textContent = error.message;
            input.focus();
        }
    } },
    h("h1", { tabindex: "-1" }, "Log in"),
    h("label", { for: "token" }, "Token"),
    input,
    h("p", { id: "token-help", class: "muted" },
      "Paste a token from `mnemo token create --user NAME` once; the browser keeps a session " +
      "cookie that scripts cannot read."),
    h("button", { type: "submit" }, "Log in"),
    problem);
    replace(main, form);
    input.focus();
}

async function showProjects() {
    const data = await get("projects");
    const list = data.projects;
    const rows = list.map((p) => h("li", { class: "card project" },
        h("a", { href: `#/p/${encodeURIComponent(p.name)}`, class: "title" }, p.name),
        p.description ? h("p", { class: "muted" }, p.description) : null,
        h("p", { class: "counts" },
          `${p.contexts} live contexts · ${p.topics} topics · ${p.handovers} handovers · `,
          h("span", { title: p.last_activity }, `active ${ago(p.last_activity)}`))));
    replace(main,
        h("h1", { tabindex: "-1" }, "Projects"),
        list.length === 0
            ? h("p", { class: "muted" }, "No projects yet: an assistant creates them with create_project or lock_context.")
            : h("ul", { class: "plain projects" }, rows),
        data.more ? h("p", { class: "muted" }, "Showing the first 200 projects.") : null,
        session.features?.import ? uploadForm(session) : null);
}

/// Parses "#/p/NAME/c/TOPIC?x=y" into {parts, params}.
function parseHash() {
    const hash = location.hash.replace(/^#/, "") || "/";
    const [path, query = ""] = hash.split("?");
    const parts = path.split("/").filter((part) => part !== "").map(decodeURIComponent);
    // A topic keeps its empty segments ("a//b"): everything after "/c/", decoded piecewise.
    const at = path.indexOf("/c/");
    const topic = at >= 0 ? path.slice(at + 3).split("/").map(decodeURIComponent).join("/") : "";
    return { parts, params: new URLSearchParams(query), topic };
}

let routing = 0;

export async function route() {
    const ticket = ++routing;
    stopLive();
    document.body.removeAttribute("data-ready");
    const { parts, params, topic } = parseHash();
    if (!session) await loadSession().catch(() => {});
    if (!session) {
        // The hashchange this causes renders the login page (once).
        if (parts[0] !== "login") location.hash = "#/login";
        else showLogin();
        return;
    }
    try {
        if (parts[0] === "p" && parts[1]) {
            const project = parts[1];
            if (parts[2] === "c" && topic !== "") {
                const { showContext } = await import("./context.js");
                await showContext(main, project, topic, params, session);
            } else if (parts[2] === "search") {
                await showSearch(main, project, params);
            } else if (parts[2] === "files") {
                await showFiles(main, project);
            } else {
                await showProject(main, project, session);
            }
        } else if (parts[0] === "live") {
            live = await import("./live.js");
            await live.showLive(main);
        } else if (parts[0] === "login") {
            location.hash = "#/";
            return;
        } else {
            await showProjects();
        }
        if (ticket !== routing) return;
        document.body.setAttribute("data-ready", parts[0] ?? "projects");
        // When the page became usable, for bench/ui (ms since the navigation started).
        performance.mark("mnemo-ready");
        main.querySelector("h1")?.focus({ preventScroll: true });
    } catch (error) {
        if (ticket !== routing) return;
        if (error instanceof ApiError && error.status === 401) {
            session = null;
            renderChrome();
            location.hash = "#/login";
            return;
        }
        replace(main, h("h1", { tabindex: "-1" }, "Something went wrong"),
                h("p", { class: "error", role: "alert" }, error.message),
                h("p", {}, h("a", { href: "#/" }, "Back to the projects")));
        document.body.setAttribute("data-ready", "error");
    }
}

window.addEventListener("hashchange", route);
document.addEventListener("keydown", (event) => {
    // "/" focuses the search box, as on many sites; not while typing.
    if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName)) {
        const box = document.getElementById("search");
        if (box) {
            event.preventDefault();
            box.focus();
        }
    }
});
// A project page's reads start beside the session check (one round trip less to usable).
{
    const { parts } = parseHash();
    if (parts[0] === "p" && parts[1] && parts.length === 2) {
        prefetch("project", { p: parts[1] });
        prefetch("handovers", { p: parts[1], before: 0 });
        prefetch("topics", { p: parts[1], prefix: "" });
    }
}
loadSession().then(() => { if (!session) dropPrefetched(); }).then(route).catch((error) => {
    replace(main, h("p", { class: "error", role: "alert" }, error.message));
    toast(error.message, "error");
});

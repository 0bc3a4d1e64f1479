// SPDX-License-Identifier: MIT
// The /ui memory browser in Debian's headless chromium: login, project page, search, version
// diff, edit, archive and restore, read-only tokens, isolation between users, CSRF, CSP and
// content that must stay text. The screenshots in docs/ui.md come from here.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { createTestDatabase } from "../e2e/harness.mjs";
import { connectHttp, createToken, startHttpServer } from "../e2e/http_harness.mjs";

import { launchBrowser, logIn, openPage, ready, shot } from "./browser.mjs";

const kXss = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">';

async function call(client, name, args) {
    const result = await client.callTool({ name, arguments: args });
    assert.ok(!result.isError, `${name}: ${JSON.stringify(result.content)}`);
    return result;
}

/// A call of the API from inside the page (its cookie, its origin). `csrf`: true sends the
/// session's token, false none.
async function pageApi(page, method, endpoint, body, { csrf = true } = {}) {
    return page.evaluate(async (method, endpoint, body, csrf) => {
        const headers = { "Content-Type": "application/json" };
        if (csrf) headers["X-CSRF-Token"] = (await (await fetch("/ui/api/session")).json()).csrf;
        const response = await fetch(`/ui/api/${endpoint}`, {
            method, headers, body: method === "POST" ? JSON.stringify(body) : undefined,
        });
        return { status: response.status, body: await response.json() };
    }, method, endpoint, body, csrf);
}

describe("/ui memory browser", () => {
    let db;
    let server;
    let browser;
    const tokens = {};

    before(async () => {
        db = createTestDatabase();
        tokens.alice = createToken(db, "alice");
        tokens.aliceRead = createToken(db, "alice", "read");
        tokens.bob = createToken(db, "bob");
        server = await startHttpServer(db);
        const alice = (await connectHttp(server.url, tokens.alice)).client;
        await call(alice, "create_project", { name: "notes", description: "What the assistant learned about this repository" });
        const lock = (topic, content, priority, tags = []) =>
            call(alice, "lock_context", { project: "notes", topic, content, priority, tags });
        await lock("rules/testing", "Always run the tests before a commit.\nUse ctest.", "always_check", ["ci"]);
        await lock("rules/testing", "Always run the tests before a commit.\nUse ctest -R NAME for one test.\nNever skip CI.", "always_check", ["ci"]);
        await lock("rules/style", "Never commit without clang-format.", "always_check");
        await lock("architecture/pool", "One pool per database; a project waits at most the acquire timeout (MNEMO_ACQUIRE_TIMEOUT_MS) for its quota.", "important", ["pool"]);
        await lock("architecture/search", "Search ranks exact matches first, then partial, then typos.", "reference");
        await lock("xss-probe", kXss, "reference");
        await call(alice, "sleep", { project: "notes", summary: "Wired the pool timeouts into the HTTP transport.",
                                     completed: ["pool timeout error text"], pending: ["document the metrics"] });
        await call(alice, "sleep", { project: "notes", summary: "Added the memory browser.", completed: ["/ui"], pending: [] });
        await alice.close();
        const bob = (await connectHttp(server.url, tokens.bob)).client;
        await call(bob, "create_project", { name: "bob-private" });
        await call(bob, "lock_context", { project: "bob-private", topic: "secret", content: "bob's only", priority: "important" });
        await bob.close();
        browser = await launchBrowser();
    });

    after(async () => {
        await browser?.close();
        await server?.stop();
        db?.drop();
    });

    test("log in with a pasted token; the projects list shows only the user's projects", async () => {
        const page = await openPage(browser);
        await page.goto(`${server.base}/ui`);
        await page.waitForSelector("#token");
        await shot(page, "login");
        await page.type("#token", tokens.alice);
        await page.keyboard.press("Enter");
        await ready(page, "projects");
        const text = await page.$eval("main", (el) => el.textContent);
        assert.match(text, /notes/);
        assert.doesNotMatch(text, /bob-private/);
        assert.equal(await page.evaluate(() => document.cookie), "", "the session cookie is HttpOnly");
        await shot(page, "projects");
        assert.deepEqual(page.problems, []);
        await page.closeAll();
    });

    test("a wrong token is refused on the login page", async () => {
        const page = await openPage(browser);
        await page.goto(`${server.base}/ui`);
        await page.waitForSelector("#token");
        await page.type("#token", `mnemo_${"0".repeat(64)}`);
        await page.keyboard.press("Enter");
        await page.waitForFunction(() => document.querySelector(".login .error")?.textContent.includes("unknown or revoked"));
        await page.closeAll();
    });

    test("project page: contexts by priority, handovers timeline, topic tree (keyboard)", async () => {
        const page = await logIn(browser, server, tokens.alice);
        await page.goto(`${server.base}/ui/#/p/notes`);
        await ready(page, "p");
        const text = await page.$eval("main", (el) => el.textContent);
        for (const expected of ["Always check", "rules/testing", "Important", "architecture/pool", "Reference",
                                "architecture/search", "Handovers", "Added the memory browser.",
                                "document the metrics"]) {
            assert.ok(text.includes(expected), `the project page shows ${expected}`);
        }
        // Newest handover first.
        const summaries = await page.$$eval(".timeline .summary", (els) => els.map((el) => el.textContent));
        assert.deepEqual(summaries, ["Added the memory browser.", "Wired the pool timeouts into the HTTP transport."]);
        // The topic tree opens with the keyboard alone.
        await page.waitForSelector("button.folder");
        await page.focus("button.folder");
        const folder = await page.evaluate(() => document.activeElement.textContent);
        assert.match(folder, /^architecture\//);
        await page.keyboard.press("Enter");
        await page.waitForFunction(() => [...document.querySelectorAll(".tree .tree a")].some((a) => a.textContent === "pool"));
        await shot(page, "project");
        // The file index's changes, one link away.
        await page.click('a[href="#/p/notes/files"]');
        await page.waitForFunction(() => document.querySelector("h1")?.textContent === "File index: recent changes");
        assert.match(await page.$eval("main", (el) => el.textContent), /No changes recorded yet/);
        assert.deepEqual(page.problems, []);
        await page.closeAll();
    });

    test("search (keyboard: '/' then Enter) uses the search engine and highlights matches", async () => {
        const page = await logIn(browser, server, tokens.alice);
        await page.goto(`${server.base}/ui/#/p/notes`);
        await ready(page, "p");
        await page.keyboard.press("/");
        assert.equal(await page.evaluate(() => document.activeElement.id), "search");
        await page.keyboard.type("acquire timeouts");
        await page.keyboard.press("Enter");
        await ready(page, "p");
        await page.waitForSelector(".results");
        const topics = await page.$$eval(".results .title", (els) => els.map((el) => el.textContent));
        assert.equal(topics[0], "architecture/pool");
        const marks = await page.$$eval(".results mark", (els) => els.map((el) => el.textContent.toLowerCase()));
        assert.ok(marks.includes("acquire") && marks.includes("timeout"), `highlighted: ${marks}`);
        await shot(page, "search");
        assert.deepEqual(page.problems, []);
        await page.closeAll();
    });

    test("versions: a diff between two versions", async () => {
        const page = await logIn(browser, server, tokens.alice);
        await page.goto(`${server.base}/ui/#/p/notes/c/rules/testing`);
        await ready(page, "p");
        assert.equal(await page.$eval("h1", (el) => el.textContent), "rules/testing");
        await page.select("#diff-from", "1");
        await page.select("#diff-to", "2");
        await page.click("#diff-out ~ *, form.inline button[type=submit]");
        await page.waitForSelector("#diff-out .add");
        const added = await page.$$eval("#diff-out .add", (els) => els.map((el) => el.textContent));
        const removed = await page.$$eval("#diff-out .del", (els) => els.map((el) => el.textContent));
        assert.deepEqual(added, ["+ Use ctest -R NAME for one test.\n", "+ Never skip CI.\n"]);
        assert.deepEqual(removed, ["- Use ctest.\n"]);
        await shot(page, "versions-diff");
        assert.deepEqual(page.problems, []);
        await page.closeAll();
    });

    test("edit locks a new version; archive and restore it", async () => {
        const page = await logIn(browser, server, tokens.alice);
        await page.goto(`${server.base}/ui/#/p/notes/c/rules/style`);
        await ready(page, "p");
        await page.click("#editor summary");
        await page.$eval("#edit-content", (el) => { el.value = ""; });
        await page.type("#edit-content", "Never commit without clang-format-14 -i on every changed file.");
        await page.click("#editor button[type=submit]");
        await page.waitForFunction(() => document.querySelectorAll("table.versions tbody tr").length === 2);
        let versions = (await pageApi(page, "GET", "versions?p=notes&topic=rules%2Fstyle")).body;
        assert.equal(versions.latest_version, 2);
        const latest = (await pageApi(page, "GET", "version?p=notes&topic=rules%2Fstyle&v=2")).body;
        assert.equal(latest.content, "Never commit without clang-format-14 -i on every changed file.");
        assert.equal(latest.priority, "always_check");

        // Archive v2 (an always_check rule: the page asks, the test accepts).
        await ready(page, "p");
        await page.click("table.versions tbody tr:first-child button.danger");
        await page.waitForFunction(() => document.querySelector("table.versions tbody tr:first-child")?.classList.contains("archived"));
        versions = (await pageApi(page, "GET", "versions?p=notes&topic=rules%2Fstyle")).body;
        assert.equal(versions.latest_version, 1, "archiving the latest makes the previous one latest");
        assert.ok(versions.versions[0].archived_at);
        await ready(page, "p");
        await shot(page, "archived");

        // Restore it.
        await page.click("table.versions tbody tr:first-child button.small:not(.danger)");
        await page.waitForFunction(() => !document.querySelector("table.versions tbody tr:first-child")?.classList.contains("archived"));
        versions = (await pageApi(page, "GET", "versions?p=notes&topic=rules%2Fstyle")).body;
        assert.equal(versions.latest_version, 2);
        assert.equal(versions.versions[0].archived_at, null);
        // Restoring what is live is refused.
        const again = await pageApi(page, "POST", "restore", { project: "notes", topic: "rules/style", version: 2 });
        assert.equal(again.status, 409);
        assert.deepEqual(page.problems, []);
        await page.closeAll();
    });

    test("content with <script> and <img onerror> is shown as text and never runs", async () => {
        const page = await logIn(browser, server, tokens.alice);
        await page.goto(`${server.base}/ui/#/p/notes`);
        await ready(page, "p");
        await page.goto(`${server.base}/ui/#/p/notes/c/xss-probe`);
        await ready(page, "p");
        assert.equal(await page.$eval("#content", (el) => el.textContent), kXss);
        await page.goto(`${server.base}/ui/#/p/notes/search?q=script`);
        await ready(page, "p");
        assert.equal(await page.evaluate(() => document.querySelectorAll("main img, main script").length), 0);
        assert.equal(await page.evaluate(() => window.__xss), undefined);
        assert.deepEqual(page.problems, []);
        await shot(page, "xss-as-text");
        await page.closeAll();
    });

    test("a read-scope token sees but cannot change: edit refused", async () => {
        const page = await logIn(browser, server, tokens.aliceRead);
        assert.match(await page.$eval("#who", (el) => el.textContent), /read-only/);
        await page.goto(`${server.base}/ui/#/p/notes/c/rules/testing`);
        await ready(page, "p");
        assert.equal(await page.$("#editor"), null, "no editor for a read token");
        assert.equal(await page.$("table.versions button"), null, "no archive buttons");
        const edit = await pageApi(page, "POST", "edit", { project: "notes", topic: "rules/testing", content: "changed" });
        assert.equal(edit.status, 403);
        assert.match(edit.body.error, /read-only/);
        const archive = await pageApi(page, "POST", "archive", { project: "notes", topic: "rules/testing", force: true });
        assert.equal(archive.status, 403);
        const versions = (await pageApi(page, "GET", "versions?p=notes&topic=rules%2Ftesting")).body;
        assert.equal(versions.latest_version, 2, "nothing changed");
        // Logging out ends the session: back to the login page, the API refuses.
        await page.click("#who button");
        await page.waitForSelector("#token");
        assert.equal((await pageApi(page, "GET", "projects", undefined, { csrf: false })).status, 401);
        await page.closeAll();
    });

    test("another user's project is invisible", async () => {
        const bob = await logIn(browser, server, tokens.bob);
        const text = await bob.$eval("main", (el) => el.textContent);
        assert.match(text, /bob-private/);
        assert.doesNotMatch(text, /\bnotes\b/);
        for (const endpoint of ["project?p=notes", "versions?p=notes&topic=rules%2Ftesting", "search?p=notes&q=tests"]) {
            const answer = await pageApi(bob, "GET", endpoint);
            assert.equal(answer.status, 404, endpoint);
        }
        const edit = await pageApi(bob, "POST", "edit", { project: "notes", topic: "rules/testing", content: "bob was here" });
        assert.equal(edit.status, 404);
        await bob.closeAll();
        const alice = await logIn(browser, server, tokens.alice);
        assert.equal((await pageApi(alice, "GET", "project?p=bob-private")).status, 404);
        await alice.closeAll();
    });

    test("a POST without the CSRF token, or from another origin, is refused", async () => {
        const page = await logIn(browser, server, tokens.alice);
        const before = (await pageApi(page, "GET", "versions?p=notes&topic=rules%2Ftesting")).body.versions.length;
        const bare = await pageApi(page, "POST", "edit", { project: "notes", topic: "rules/testing", content: "csrf" }, { csrf: false });
        assert.equal(bare.status, 403);
        assert.match(bare.body.error, /CSRF/);
        const wrong = await page.evaluate(async () => (await fetch("/ui/api/edit", {
            method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": "0".repeat(64) },
            body: JSON.stringify({ project: "notes", topic: "rules/testing", content: "csrf" }) })).status);
        assert.equal(wrong, 403);
        // The right token with the cookie, but sent by another site's page.
        const cookie = `mnemo_ui=${tokens.alice}`;
        const csrf = (await (await fetch(`${server.base}/ui/api/session`, { headers: { Cookie: cookie } })).json()).csrf;
        const foreign = await fetch(`${server.base}/ui/api/edit`, {
            method: "POST",
            headers: { Cookie: cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json", Origin: "https://evil.example" },
            body: JSON.stringify({ project: "notes", topic: "rules/testing", content: "csrf" }),
        });
        assert.equal(foreign.status, 403);
        // A form post (no JSON) is refused too.
        const form = await fetch(`${server.base}/ui/api/edit`, {
            method: "POST", headers: { Cookie: cookie, "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
            body: "project=notes&topic=rules%2Ftesting&content=csrf",
        });
        assert.equal(form.status, 415);
        const after = (await pageApi(page, "GET", "versions?p=notes&topic=rules%2Ftesting")).body.versions.length;
        assert.equal(after, before, "nothing was written");
        await page.closeAll();
    });

    test("headers: strict CSP, HttpOnly SameSite=Strict cookie; the API needs a session", async () => {
        const page = await fetch(`${server.base}/ui`);
        const csp = page.headers.get("content-security-policy");
        assert.match(csp, /default-src 'self'/);
        assert.match(csp, /script-src 'self';/);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
        assert.equal(page.headers.get("x-frame-options"), "DENY");
        const html = await page.text();
        assert.doesNotMatch(html, /<script>|style=|<style/, "no inline script or style");
        assert.doesNotMatch(html, /https?:\/\//, "nothing loaded from elsewhere");
        const login = await fetch(`${server.base}/ui/api/login`, {
            method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: tokens.alice }) });
        assert.equal(login.status, 200);
        const cookie = login.headers.get("set-cookie");
        assert.match(cookie, /HttpOnly/);
        assert.match(cookie, /SameSite=Strict/);
        assert.match(cookie, /Path=\/ui/);
        assert.equal((await fetch(`${server.base}/ui/api/projects`)).status, 401);
        assert.equal((await fetch(`${server.base}/ui/api/projects`, { headers: { Cookie: "mnemo_ui=mnemo_nope" } })).status, 401);
    });

    test("phone width: the project page fits and the live view charts the pool", async () => {
        const page = await logIn(browser, server, tokens.alice, { phone: true });
        await page.goto(`${server.base}/ui/#/p/notes`);
        await ready(page, "p");
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
        await shot(page, "phone-project");
        await page.closeAll();

        const live = await logIn(browser, server, tokens.alice);
        await live.goto(`${server.base}/ui/#/live`);
        await ready(live, "live");
        await live.waitForFunction(() => Number(document.body.dataset.liveSamples) >= 2, { timeout: 10000 });
        assert.ok((await live.$$("svg.chart polyline")).length >= 4);
        assert.match(await live.$eval("main", (el) => el.textContent), /acquire wait p50/);
        await shot(live, "live");
        assert.deepEqual(live.problems, []);
        await live.closeAll();
    });
});

describe("/ui with MNEMO_AUTH=none on loopback", () => {
    test("no login: the local owner's projects at once", async () => {
        const db = createTestDatabase();
        const server = await startHttpServer(db, { env: { MNEMO_AUTH: "none" } });
        const browser = await launchBrowser();
        try {
            const client = (await connectHttp(server.url)).client;
            await call(client, "create_project", { name: "local-notes" });
            await client.close();
            const page = await openPage(browser);
            await page.goto(`${server.base}/ui`);
            await ready(page, "projects");
            assert.match(await page.$eval("main", (el) => el.textContent), /local-notes/);
            assert.equal(await page.$("#token"), null);
            // Writes still need the CSRF token.
            const bare = await pageApi(page, "POST", "edit", { project: "local-notes", topic: "t", content: "x" }, { csrf: false });
            assert.equal(bare.status, 403);
            const edit = await pageApi(page, "POST", "edit", { project: "local-notes", topic: "t", content: "x", priority: "reference" });
            assert.equal(edit.status, 200, JSON.stringify(edit.body));
            assert.equal(edit.body.version, 1);
            await page.closeAll();
        } finally {
            await browser.close();
            await server.stop();
            db.drop();
        }
    });
});

// SPDX-License-Identifier: MIT
// /ui download and upload in Debian's headless chromium: a project downloaded from its page is
// `mnemo export`'s file; uploaded into another user's memory (preview, then import) its
// contexts appear, and a second upload adds nothing; a malformed file shows its line; a read
// token, a missing CSRF token and an oversized body are refused.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { createTestDatabase, mnemoBinary, serverEnv } from "../e2e/harness.mjs";
import { connectHttp, createToken, startHttpServer } from "../e2e/http_harness.mjs";

import { launchBrowser, logIn, ready, shot } from "./browser.mjs";

async function call(client, name, args) {
    const result = await client.callTool({ name, arguments: args });
    assert.ok(!result.isError, `${name}: ${JSON.stringify(result.content)}`);
    return result;
}

/// The records of a JSON Lines file.
function records(text) {
    return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/// Waits for the one finished download in `dir`; returns its name.
async function downloaded(dir) {
    const deadline = Date.now() + 10000;
    for (;;) {
        const done = readdirSync(dir).filter((name) => !name.endsWith(".crdownload"));
        if (done.length === 1) return done[0];
        if (Date.now() > deadline) throw new Error(`no download in ${dir}: ${readdirSync(dir)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

/// POST /ui/api/import from inside the page (its cookie and origin) with `text` as the file.
async function pageUpload(page, query, text, { csrf = true } = {}) {
    return page.evaluate(async (query, text, csrf) => {
        const headers = { "Content-Type": "application/octet-stream" };
        if (csrf) headers["X-CSRF-Token"] = (await (await fetch("/ui/api/session")).json()).csrf;
        const response = await fetch(`/ui/api/import?${query}`, { method: "POST", headers, body: text });
        return { status: response.status, body: await response.json() };
    }, query, text, csrf);
}

/// Chooses `file` in the page's upload form and asks for the preview.
async function preview(page, file) {
    const input = await page.waitForSelector("#import-file");
    await input.uploadFile(file);
    await page.click(".upload button[type=submit]");
    await page.waitForSelector("#import-result .preview-box, #import-result .error");
    return page.$eval("#import-result", (el) => el.textContent);
}

/// Sends a POST's head announcing `length` bytes and 16 of them; resolves with the answer that
/// arrives while the rest is unsent (rejects after 5 s without one).
function announce(server, path, length, token, csrf) {
    return new Promise((resolve, reject) => {
        const socket = connect(server.port, "127.0.0.1", () => {
            socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
                         `Cookie: mnemo_ui=${token}\r\nX-CSRF-Token: ${csrf}\r\n` +
                         `Content-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n` +
                         '{"type":"header"');
        });
        let text = "";
        socket.setTimeout(5000, () => {
            socket.destroy();
            reject(new Error(`no answer while the body was unsent: ${text}`));
        });
        socket.on("data", (chunk) => {
            text += chunk.toString("utf8");
            if (text.includes("\r\n\r\n") && text.trimEnd().endsWith("}")) {
                socket.destroy();
                resolve(text);
            }
        });
        socket.on("error", reject);
    });
}

describe("/ui download and upload", () => {
    let db;
    let server;
    let browser;
    let dir;
    let exported;  // `mnemo export --project notes --user alice`'s file
    const tokens = {};

    before(async () => {
        db = createTestDatabase();
        dir = mkdtempSync(join(tmpdir(), "mnemo-ui-transfer-"));
        tokens.alice = createToken(db, "alice");
        tokens.aliceRead = createToken(db, "alice", "read");
        tokens.bob = createToken(db, "bob");
        server = await startHttpServer(db);
        const alice = (await connectHttp(server.url, tokens.alice)).client;
        await call(alice, "create_project", { name: "notes", description: "what the assistant learned" });
        await call(alice, "create_project", { name: "empty" });
        const lock = (topic, content, priority) => call(alice, "lock_context", { project: "notes", topic, content, priority });
        await lock("rules/testing", "Run the tests before a commit.", "always_check");
        await lock("rules/testing", "Run the tests before a commit; ctest -R NAME runs one.", "always_check");
        await lock("architecture/pool", "One pool per database, quotas per project.", "important");
        await lock("xss", '<img src=x onerror="window.__xss = 1">', "reference");
        await call(alice, "sleep", { project: "notes", summary: "Wired the download.", completed: ["export"], pending: [] });
        await alice.close();
        exported = join(dir, "notes.jsonl");
        writeFileSync(exported, execFileSync(mnemoBinary(), ["export", "--project", "notes", "--user", "alice"],
                                             { env: serverEnv(db), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
        browser = await launchBrowser();
    });

    after(async () => {
        await browser?.close();
        await server?.stop();
        db?.drop();
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test("download a project from its page: mnemo export's records, as an attachment", async () => {
        const downloads = join(dir, "downloads");
        mkdirSync(downloads);
        const page = await logIn(browser, server, tokens.alice, { downloads });
        await page.goto(`${server.base}/ui/#/p/notes`);
        await ready(page, "p");
        await page.click("#export");
        const name = await downloaded(downloads);
        assert.match(name, /^mnemo-notes-\d{4}-\d{2}-\d{2}\.jsonl$/);
        const file = records(readFileSync(join(downloads, name), "utf8"));
        assert.equal(file[0].type, "header");
        assert.equal(file[0].format, "mnemo-export");
        assert.equal(file[0].owner, "alice");
        assert.deepEqual(file.map((r) => r.type),
                         ["header", "project", "context", "context", "context", "context", "handover", "end"]);
        assert.deepEqual(file.filter((r) => r.type === "context").map((r) => `${r.topic}@${r.version}`),
                         ["architecture/pool@1", "rules/testing@1", "rules/testing@2", "xss@1"]);
        assert.deepEqual(file.at(-1), { type: "end", projects: 1, contexts: 4, handovers: 1, files: 0, file_changes: 0 });
        // The same records as the command line's export (the header's time aside).
        assert.deepEqual(file.slice(1), records(readFileSync(exported, "utf8")).slice(1));
        assert.deepEqual(page.problems, []);
        await page.closeAll();

        // A read token may download; another user finds no such project.
        const read = await fetch(`${server.base}/ui/api/export?p=notes`, { headers: { Cookie: `mnemo_ui=${tokens.aliceRead}` } });
        assert.equal(read.status, 200);
        assert.match(read.headers.get("content-disposition"), /^attachment; filename="mnemo-notes-/);
        assert.equal((await read.text()).split("\n").length, file.length + 1);
        const bob = await fetch(`${server.base}/ui/api/export?p=notes`, { headers: { Cookie: `mnemo_ui=${tokens.bob}` } });
        assert.equal(bob.status, 404);
    });

    test("upload into another user's memory: preview, import, contexts appear; again adds nothing", async () => {
        const page = await logIn(browser, server, tokens.bob);
        const text = await preview(page, exported);
        assert.match(text, /Preview \(nothing changed yet\): notes\.jsonl into notes/);
        assert.match(text, /4 contexts would be added, 0 already present/);
        assert.match(text, /1 handover would be added/);
        await shot(page, "import-preview");
        const listed = await page.evaluate(async () => (await (await fetch("/ui/api/projects")).json()).projects);
        assert.deepEqual(listed, [], "the preview wrote nothing");
        await page.click("#import-confirm");
        await page.waitForFunction(() => [...document.querySelectorAll(".project .title")].some((a) => a.textContent === "notes"));
        await ready(page, "projects");
        const versions = await page.evaluate(async () => (await fetch("/ui/api/versions?p=notes&topic=rules%2Ftesting")).json());
        assert.equal(versions.latest_version, 2);

        // The same file again: nothing new, nothing to confirm; the API says so too.
        const again = await preview(page, exported);
        assert.match(again, /0 contexts would be added, 4 already present/);
        assert.match(again, /Nothing new/);
        assert.equal(await page.$("#import-confirm"), null);
        const direct = await pageUpload(page, "", readFileSync(exported, "utf8"));
        assert.equal(direct.status, 200, JSON.stringify(direct.body));
        assert.deepEqual(direct.body.counts.contexts, { added: 0, unchanged: 4 });
        assert.deepEqual(direct.body.counts.handovers, { added: 0, unchanged: 1 });
        assert.deepEqual(page.problems, []);
        await page.closeAll();
    });

    test("upload on a project page goes into that project", async () => {
        const page = await logIn(browser, server, tokens.alice);
        await page.goto(`${server.base}/ui/#/p/empty`);
        await ready(page, "p");
        assert.match(await preview(page, exported), /into empty/);
        await page.click("#import-confirm");
        await page.waitForFunction(() => document.querySelector("main")?.textContent.includes("architecture/pool"));
        await ready(page, "p");
        assert.equal(await page.evaluate(() => window.__xss), undefined, "imported content stays text");
        assert.deepEqual(page.problems, []);
        await page.closeAll();
    });

    test("a malformed file: its line number in the page, nothing written", async () => {
        const bad = join(dir, "bad.jsonl");
        writeFileSync(bad, [
            JSON.stringify({ type: "header", format: "mnemo-export", version: 1 }),
            JSON.stringify({ type: "project", project: "broken" }),
            JSON.stringify({ type: "context", project: "broken", topic: "a", version: 1, priority: "reference",
                             tags: [], content: "x", created_at: "2026-01-01T00:00:00Z" }),
            "{ not json",
            "",
        ].join("\n"));
        const page = await logIn(browser, server, tokens.alice);
        const text = await preview(page, bad);
        assert.match(text, /line 4/);
        assert.equal(await page.$("#import-confirm"), null);
        const direct = await pageUpload(page, "", readFileSync(bad, "utf8"));
        assert.equal(direct.status, 400);
        assert.match(direct.body.error, /^line 4: /);
        const projects = await page.evaluate(async () => (await (await fetch("/ui/api/projects")).json()).projects.map((p) => p.name));
        assert.ok(!projects.includes("broken"), "nothing of the file was written");
        await page.closeAll();
    });

    test("refused: a read token (403), no CSRF token (403), a body over the limit (413, unread)", async () => {
        const file = readFileSync(exported, "utf8");
        const read = await logIn(browser, server, tokens.aliceRead);
        assert.equal(await read.$("#import-file"), null, "no upload form for a read token");
        const refused = await pageUpload(read, "project=notes", file);
        assert.equal(refused.status, 403);
        assert.match(refused.body.error, /read-only/);
        await read.closeAll();

        const page = await logIn(browser, server, tokens.alice);
        const bare = await pageUpload(page, "project=copy", file, { csrf: false });
        assert.equal(bare.status, 403);
        assert.match(bare.body.error, /CSRF/);
        const csrf = await page.evaluate(async () => (await (await fetch("/ui/api/session")).json()).csrf);
        await page.closeAll();
        const projects = await (await fetch(`${server.base}/ui/api/projects`, { headers: { Cookie: `mnemo_ui=${tokens.alice}` } })).json();
        assert.ok(!projects.projects.some((p) => p.name === "copy"), "nothing was written");

        // 1 GiB announced, 16 bytes sent: the 413 arrives while the body is still unsent.
        const answer = await announce(server, "/ui/api/import", 1 << 30, tokens.alice, csrf);
        assert.match(answer, /^HTTP\/1\.1 413 /);
        assert.match(answer, /the limit is 33554432 bytes \(MNEMO_UI_MAX_UPLOAD_BYTES\)/);
        // Beyond the server's 4 MiB but within the upload's limit: read and checked (line 1 is no record).
        const big = await fetch(`${server.base}/ui/api/import?dry_run=1`, {
            method: "POST", body: "x".repeat(5 << 20),
            headers: { Cookie: `mnemo_ui=${tokens.alice}`, "X-CSRF-Token": csrf, "Content-Type": "application/octet-stream" } });
        assert.equal(big.status, 400);
        assert.match((await big.json()).error, /^line 1: /);
        // The upload's limit is its own: another change keeps the server's (4 MiB).
        const edit = await announce(server, "/ui/api/edit", 5 << 20, tokens.alice, csrf);
        assert.match(edit, /^HTTP\/1\.1 413 [^]*the limit is 4194304 bytes \(MNEMO_MAX_BODY_BYTES\)/);
    });
});

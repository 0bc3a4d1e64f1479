// SPDX-License-Identifier: MIT
// The project file index through the official SDK client: scan_project_files over stdio (a
// generated tree: ignores, traversal refused, incremental rescans, progress, cancellation),
// index_files / query_files over stdio and Streamable HTTP, and scan_project_files refused over
// HTTP.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

import {
    callError,
    callOk,
    createTestDatabase,
    mnemoBinary,
    serverEnv,
    uniqueProject,
} from "./harness.mjs";
import { connectHttp, createToken, startHttpServer } from "./http_harness.mjs";

/// Writes `files` (relative path → content) under `root`.
function writeTree(root, files) {
    for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), content);
    }
}

/// `mnemo serve --stdio` under an SDK client, started in `cwd` (the tree it scans).
async function startStdioIn(db, cwd, project) {
    const transport = new StdioClientTransport({
        command: mnemoBinary(),
        args: ["serve", "--stdio", "--project", project],
        env: serverEnv(db),
        cwd,
        stderr: "pipe",
    });
    let stderr = "";
    transport.stderr.on("data", (chunk) => {
        stderr += chunk.toString("utf8");
        if (process.env.MNEMO_E2E_LOG === "1") process.stderr.write(chunk);
    });
    const client = new Client({ name: "mnemo-e2e-files", version: "1.0.0" }, { capabilities: {} });
    await client.connect(transport);
    return { client, stderr: () => stderr };
}

function paths(found) {
    return found.files.map((file) => file.path).sort();
}

describe("file index over stdio", () => {
    let db;
    let tree;
    let outside;
    let server;
    const project = uniqueProject("files");

    before(async () => {
        db = createTestDatabase();
        tree = mkdtempSync(join(tmpdir(), "mnemo-e2e-tree-"));
        outside = mkdtempSync(join(tmpdir(), "mnemo-e2e-outside-"));
        writeTree(outside, { "secret.txt": "outside the root" });
        mkdirSync(join(tree, ".git"));
        writeTree(tree, {
            ".git/HEAD": "ref: refs/heads/main\n",
            ".gitignore": "build/\n*.log\n",
            ".mnemoignore": "private/\n",
            "README.md": "# Demo project\n## Usage\n",
            "src/pool.cpp": "// Pool: hands out connections fairly.\nclass Pool {};\n",
            "src/util.py": '"""Helpers for the demo."""\ndef helper():\n    pass\n',
            "build/out.o": "binary",
            "debug.log": "noise",
            "private/notes.md": "# Private\n",
        });
        symlinkSync(outside, join(tree, "escape"));
        for (let i = 0; i < 1200; ++i) writeTree(tree, { [`bulk/f${i}.txt`]: `file ${i}\n` });
        server = await startStdioIn(db, tree, project);
    });

    after(async () => {
        await server?.client.close();
        rmSync(tree, { recursive: true, force: true });
        rmSync(outside, { recursive: true, force: true });
        db?.drop();
    });

    it("scans the tree with progress, honouring ignores and staying inside the root", async () => {
        const progress = [];
        const result = await server.client.callTool(
            { name: "scan_project_files", arguments: {} },
            undefined,
            { onprogress: (update) => progress.push(update) },
        );
        assert.notEqual(result.isError, true, result.content?.[0]?.text);
        const scan = result.structuredContent;
        assert.equal(scan.files_seen, 1205, JSON.stringify(scan)); // 1200 + 3 sources + 2 ignore files
        assert.equal(scan.added, 1205);
        assert.equal(scan.files_read, 1205);
        assert.equal(scan.skipped.ignored, 3); // build/, debug.log, private/
        assert.equal(scan.skipped.outside_root, 1); // escape -> outside
        // Reports every 500 files (the last one may still be in flight when the result comes).
        assert.ok(progress.some((p) => p.progress === 500 && p.total === 1205), JSON.stringify(progress));
        for (let i = 1; i < progress.length; ++i) {
            assert.ok(progress[i].progress > progress[i - 1].progress, "strictly increasing");
        }

        const found = await callOk(server.client, "query_files", { query: "connections" });
        assert.deepEqual(paths(found), ["src/pool.cpp"]);
        assert.equal(found.files[0].language, "cpp");
        assert.equal(found.files[0].summary, "Pool: hands out connections fairly. — defines: Pool");
        const docs = await callOk(server.client, "query_files", { type: "markdown" });
        assert.deepEqual(paths(docs), ["README.md"]);
        assert.equal(docs.files[0].summary, "Demo project / Usage");
        const hidden = await callOk(server.client, "query_files", { query: "secret" });
        assert.equal(hidden.total, 0);
    });

    it("rescans read only what changed, and report deletions", async () => {
        const same = await callOk(server.client, "scan_project_files", {});
        assert.equal(same.files_read, 0);
        assert.equal(same.unchanged, 1205);
        assert.equal(same.batches, 0);

        writeTree(tree, { "src/pool.cpp": "// Pool: now with quotas.\nclass Pool {};\n", "src/new.go": "package x\nfunc Run() {}\n" });
        unlinkSync(join(tree, "src/util.py"));
        const changed = await callOk(server.client, "scan_project_files", { path: "src" });
        assert.equal(changed.path, "src");
        assert.equal(changed.files_read, 2);
        assert.equal(changed.added, 1);
        assert.equal(changed.modified, 1);
        assert.equal(changed.deleted, 1);
        const since = await callOk(server.client, "query_files", { changed_since: "2000-01-01T00:00:00Z", path_prefix: "src/" });
        assert.deepEqual(since.deleted.map((d) => d.path), ["src/util.py"]);
    });

    it("refuses paths that leave the root", async () => {
        for (const path of ["..", "../etc", "src/../..", "/etc", "escape"]) {
            const message = await callError(server.client, "scan_project_files", { path });
            assert.match(message, /'\.\.'|outside the project root/, `${path}: ${message}`);
        }
    });

    it("pages query_files with cursors and refuses a foreign cursor", async () => {
        const seen = [];
        let cursor;
        for (let page = 0; page < 20; ++page) {
            const found = await callOk(server.client, "query_files", {
                path_prefix: "bulk/",
                limit: 200,
                ...(cursor ? { cursor } : {}),
            });
            assert.equal(found.total, 1200);
            seen.push(...found.files.map((file) => file.path));
            cursor = found.next_cursor;
            if (!cursor) break;
        }
        assert.equal(seen.length, 1200);
        assert.equal(new Set(seen).size, 1200, "no file twice");
        const first = await callOk(server.client, "query_files", { path_prefix: "bulk/", limit: 1 });
        const message = await callError(server.client, "query_files", { path_prefix: "src/", cursor: first.next_cursor });
        assert.match(message, /invalid cursor/);
    });

    it("a cancelled scan stops early and leaves the server usable", async () => {
        const big = join(tree, "big");
        for (let i = 0; i < 2000; ++i) writeTree(big, { [`d${i % 20}/g${i}.txt`]: `g ${i}\n` });
        const controller = new AbortController();
        const call = server.client.callTool({ name: "scan_project_files", arguments: { path: "big" } }, undefined, {
            signal: controller.signal,
            onprogress: (update) => {
                if (update.progress >= 500) controller.abort("enough");
            },
        });
        await assert.rejects(call);
        // The server notices between batches: what it wrote so far stays, nothing more comes.
        const count = async () =>
            (await callOk(server.client, "query_files", { path_prefix: "big/", limit: 1 })).total;
        let total = await count();
        for (let stable = 0; stable < 3; ) {
            await new Promise((resolve) => setTimeout(resolve, 300));
            const now = await count();
            stable = now === total ? stable + 1 : 0;
            total = now;
        }
        assert.ok(total < 2000, `the cancelled scan indexed ${total} of 2000 files`);
        assert.match(server.stderr(), /"request_cancelled"|"cancelled":true/);
        const resumed = await callOk(server.client, "scan_project_files", { path: "big" });
        assert.equal(resumed.added + resumed.unchanged, 2000);
    });

    it("wake_up lists files changed since the last handover", async () => {
        await callOk(server.client, "sleep", { summary: "indexed the demo" });
        writeTree(tree, { "src/after.rs": "pub fn after() {}\n" });
        await callOk(server.client, "scan_project_files", { path: "src" });
        const woke = await callOk(server.client, "wake_up", {});
        assert.equal(woke.files_changed.count, 1, JSON.stringify(woke.files_changed));
        assert.deepEqual(woke.files_changed.recent.map((r) => [r.path, r.change]), [["src/after.rs", "added"]]);
    });
});

describe("file index over Streamable HTTP", () => {
    let db;
    let server;
    let alice;
    let bob;

    before(async () => {
        db = createTestDatabase();
        alice = createToken(db, "alice");
        bob = createToken(db, "bob");
        server = await startHttpServer(db);
    });

    after(async () => {
        await server?.stop("SIGTERM");
        db?.drop();
    });

    it("scan_project_files is refused and points to index_files", async () => {
        const { client } = await connectHttp(server.url, alice);
        const project = uniqueProject("http-scan");
        await callOk(client, "create_project", { name: project });
        const message = await callError(client, "scan_project_files", { project });
        assert.match(message, /index_files/);
        await client.close();
    });

    it("index_files and query_files work, validate input and keep users apart", async () => {
        const a = await connectHttp(server.url, alice);
        const project = uniqueProject("http-index");
        await callOk(a.client, "create_project", { name: project });
        const files = [];
        for (let i = 0; i < 30; ++i) files.push({ path: `src/m${i}.ts`, size: 100 + i, mtime: 1700000000 + i });
        files.push({ path: "docs/design.md", size: 5, mtime: 1700000000.25, summary: "Connection pool design", hash: "a".repeat(64) });
        const indexed = await callOk(a.client, "index_files", { project, files });
        assert.equal(indexed.added, 31);
        const again = await callOk(a.client, "index_files", { project, files });
        assert.equal(again.unchanged, 31);
        const modified = await callOk(a.client, "index_files", {
            project,
            files: [{ ...files[30], hash: "b".repeat(64) }],
            deleted: ["src/m0.ts"],
        });
        assert.equal(modified.modified, 1);
        assert.equal(modified.deleted, 1);

        const found = await callOk(a.client, "query_files", { project, query: "pool design" });
        assert.deepEqual(paths(found), ["docs/design.md"]);
        assert.equal(found.files[0].hash, "b".repeat(64));
        assert.equal(found.files[0].kind, "unread");
        const typed = await callOk(a.client, "query_files", { project, type: "typescript", limit: 10 });
        assert.equal(typed.total, 29);
        assert.ok(typed.next_cursor);
        const next = await callOk(a.client, "query_files", { project, type: "typescript", limit: 10, cursor: typed.next_cursor });
        assert.equal(next.files.length, 10);
        assert.ok(next.files[0].path > typed.files.at(-1).path);

        for (const [bad, pattern] of [
            [{ path: "../etc/passwd", size: 1, mtime: 1 }, /files\[0\]\.path '\.\.\/etc\/passwd' holds a '\.\.' segment/],
            [{ path: "/etc/passwd", size: 1, mtime: 1 }, /absolute/],
            [{ path: "a.txt", size: 1, mtime: 1700000000000 }, /milliseconds/],
        ]) {
            const message = await callError(a.client, "index_files", { project, files: [bad] });
            assert.match(message, pattern);
        }
        for (const mtime of ["yesterday", "2026-02-30T00:00:00Z", "2026-12-06T05:51:20"]) {
            const message = await callError(a.client, "index_files", { project, files: [{ path: "a.txt", size: 1, mtime }] });
            assert.match(message, /ISO 8601 date-time with 'Z' or an offset/, mtime);
        }
        // The mtime query_files returns is one index_files takes back: the file stays unchanged.
        const listed = await callOk(a.client, "query_files", { project, path_prefix: "docs/" });
        const design = listed.files[0];
        assert.equal(design.mtime, "2023-11-14T22:13:20.25Z", "to the fraction of a second");
        const roundTrip = await callOk(a.client, "index_files", {
            project,
            files: [{ path: design.path, size: design.size, mtime: design.mtime, hash: design.hash, summary: design.summary }],
        });
        assert.equal(roundTrip.unchanged, 1, JSON.stringify(roundTrip));
        const offset = await callOk(a.client, "index_files", {
            project,
            files: [{ path: "src/m1.ts", size: 101, mtime: "2023-11-14T23:13:21.000+01:00" }],
        });
        assert.equal(offset.unchanged, 1, "1700000001 s, written with an offset");
        // `files` is required ([] when only deleting).
        assert.match(await callError(a.client, "index_files", { project, deleted: ["src/m1.ts"] }), /files/);
        const onlyDeleted = await callOk(a.client, "index_files", { project, files: [], deleted: ["src/m1.ts"] });
        assert.equal(onlyDeleted.deleted, 1);
        const tooMany = Array.from({ length: 1001 }, (_, i) => ({ path: `x/${i}`, size: 1, mtime: 1 }));
        assert.match(await callError(a.client, "index_files", { project, files: tooMany }), /at most 1000/);

        // Bob's project of the same name is another project: he sees none of Alice's files.
        const b = await connectHttp(server.url, bob);
        await callOk(b.client, "create_project", { name: project });
        const bobs = await callOk(b.client, "query_files", { project });
        assert.equal(bobs.total, 0);
        const rows = await callOk(b.client, "query_database", { project, sql: "SELECT count(*) FROM mnemo.files" });
        assert.equal(rows.rows[0][0], 0);
        assert.deepEqual(rows.column_types, ["bigint"]);
        await a.client.close();
        await b.client.close();
    });
});

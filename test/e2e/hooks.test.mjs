// SPDX-License-Identifier: MIT
// Claude Code hooks end to end: the real `mnemo hook EVENT` process (answers, and never in the
// way when the database is down, slow or the event malformed), `mnemo hooks install|uninstall|
// status` on real settings files, and POST /hooks/claude-code (tokens, scopes, users apart).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

import { callOk, createTestDatabase, mnemoBinary, serverEnv, startServer, uniqueProject } from "./harness.mjs";
import { connectHttp, createToken, freePort, startHttpServer } from "./http_harness.mjs";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "claude_code");
const EVENTS = {
    SessionStart: "session_start.json",
    UserPromptSubmit: "user_prompt_submit.json",
    PreToolUse: "pre_tool_use_bash.json",
    PreCompact: "pre_compact.json",
    SessionEnd: "session_end.json",
};

/// A fixture event with `changes` applied.
function event(name, changes = {}) {
    return { ...JSON.parse(readFileSync(join(FIXTURES, EVENTS[name]), "utf8")), ...changes };
}

/// Runs `mnemo hook <name>` with `body` on stdin; returns { code, stdout, stderr, ms }.
function runHook(name, body, env) {
    return new Promise((resolve) => {
        const started = process.hrtime.bigint();
        const child = spawn(mnemoBinary(), ["hook", name], { env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("close", (code) => {
            resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 });
        });
        child.stdin.on("error", () => {});  // the hook may leave before reading it all
        child.stdin.end(typeof body === "string" ? body : JSON.stringify(body));
    });
}

/// A project directory (with .git, so the project is its name) under a fresh temporary dir.
function projectDirectory(label) {
    const name = uniqueProject(label);
    const dir = join(mkdtempSync(join(tmpdir(), "mnemo-hooks-")), name);
    mkdirSync(join(dir, ".git"), { recursive: true });
    return { name, dir };
}

describe("mnemo hook EVENT (the real process)", () => {
    let db;
    let project;

    before(() => {
        db = createTestDatabase();
        project = projectDirectory("hook");
    });
    after(() => {
        db?.drop();
        if (project) rmSync(dirname(project.dir), { recursive: true, force: true });
    });

    it("briefs, guards and stays quiet when nothing is relevant", async () => {
        const server = await startServer(db, { project: project.name });
        try {
            await callOk(server.client, "lock_context", {
                topic: "rules/no-force-push",
                content: "Never force-push to main; open a pull request instead.",
                priority: "always_check",
                guard: { pattern: "git\\s+push\\s+.*--force", decision: "deny" },
            });
            const recalled = await callOk(server.client, "recall_context", { topic: "rules/no-force-push" });
            assert.deepEqual(recalled.guard, { pattern: "git\\s+push\\s+.*--force", decision: "deny" });
        } finally {
            await server.client.close();
        }
        const env = serverEnv(db);
        const cwd = project.dir;
        const start = await runHook("SessionStart", event("SessionStart", { cwd }), env);
        assert.equal(start.code, 0, start.stderr);
        const briefing = JSON.parse(start.stdout).hookSpecificOutput;
        assert.equal(briefing.hookEventName, "SessionStart");
        assert.match(briefing.additionalContext, /rules\/no-force-push/);
        assert.match(briefing.additionalContext, new RegExp(`project '${project.name}'`));

        const deny = await runHook("PreToolUse", event("PreToolUse", { cwd }), env);
        assert.equal(deny.code, 0, deny.stderr);
        const decision = JSON.parse(deny.stdout).hookSpecificOutput;
        assert.equal(decision.permissionDecision, "deny");
        assert.match(decision.permissionDecisionReason, /Never force-push to main/);

        const safe = await runHook(
            "PreToolUse",
            event("PreToolUse", { cwd, tool_input: { command: "ls -la" } }),
            env,
        );
        assert.equal(safe.code, 0);
        assert.equal(safe.stdout, "", "no guard, nothing relevant: nothing printed");
        const unrelated = await runHook(
            "UserPromptSubmit",
            event("UserPromptSubmit", { cwd, prompt: "write a haiku about autumn leaves" }),
            env,
        );
        assert.equal(unrelated.code, 0);
        assert.equal(unrelated.stdout, "");
    });

    it("stores an automatic handover at SessionEnd that the next SessionStart shows", async () => {
        const transcript = join(dirname(project.dir), "transcript.jsonl");
        writeFileSync(transcript, readFileSync(join(FIXTURES, "transcript.jsonl")));
        const env = serverEnv(db);
        const end = await runHook(
            "SessionEnd",
            event("SessionEnd", { cwd: project.dir, transcript_path: transcript }),
            env,
        );
        assert.equal(end.code, 0, end.stderr);
        assert.equal(end.stdout, "");
        const start = await runHook("SessionStart", event("SessionStart", { cwd: project.dir }), env);
        const text = JSON.parse(start.stdout).hookSpecificOutput.additionalContext;
        assert.match(text, /automatic/);
        assert.match(text, /all 42 tests pass/);
        assert.doesNotMatch(text, /sk-ant|hunter2|Secret Lane/);
    });

    it("sets up a database it finds empty (migrations run when the schema is missing)", async () => {
        const fresh = createTestDatabase();
        try {
            const transcript = join(dirname(project.dir), "fresh-transcript.jsonl");
            writeFileSync(transcript, readFileSync(join(FIXTURES, "transcript.jsonl")));
            const env = serverEnv(fresh);
            const end = await runHook(
                "PreCompact",
                event("PreCompact", { cwd: project.dir, transcript_path: transcript }),
                env,
            );
            assert.equal(end.code, 0, end.stderr);
            const start = await runHook("SessionStart", event("SessionStart", { cwd: project.dir }), env);
            assert.match(JSON.parse(start.stdout).hookSpecificOutput.additionalContext, /automatic/);
        } finally {
            fresh.drop();
        }
    });

    it("exits 0 with nothing on stdout, within the bound, when the database is down", async () => {
        const port = await freePort();  // nothing listens there: a stopped database
        const env = serverEnv(db, { DATABASE_URL: `postgresql://nobody@127.0.0.1:${port}/none` });
        // A readable transcript, so that PreCompact and SessionEnd do reach for the database.
        const transcript = join(dirname(project.dir), "down-transcript.jsonl");
        writeFileSync(transcript, readFileSync(join(FIXTURES, "transcript.jsonl")));
        for (const name of Object.keys(EVENTS)) {
            const body = event(name, { cwd: project.dir, transcript_path: transcript });
            const result = await runHook(name, body, env);
            assert.equal(result.code, 0, `${name}: ${result.stderr}`);
            assert.equal(result.stdout, "", `${name} printed nothing`);
            assert.ok(result.ms < 2000 + 1000, `${name} took ${result.ms} ms`);
            // Refused connects are retried until the bound, as serve retries them.
            assert.match(result.stderr, /hook_skipped|hook_timeout/);
        }
    });

    it("gives up at MNEMO_HOOK_TIMEOUT_MS when the database accepts but never answers", async () => {
        const sockets = [];
        const blackhole = createServer((socket) => sockets.push(socket));
        await new Promise((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
        try {
            const env = serverEnv(db, {
                DATABASE_URL: `postgresql://nobody@127.0.0.1:${blackhole.address().port}/none`,
                MNEMO_HOOK_TIMEOUT_MS: "400",
            });
            for (const name of ["SessionStart", "UserPromptSubmit", "PreToolUse"]) {
                const result = await runHook(name, event(name, { cwd: project.dir }), env);
                assert.equal(result.code, 0);
                assert.equal(result.stdout, "");
                assert.ok(result.ms < 400 + 1000, `${name} took ${result.ms} ms`);
                assert.match(result.stderr, /hook_timeout|hook_skipped/);
            }
        } finally {
            for (const socket of sockets) socket.destroy();
            blackhole.close();
        }
    });

    it("ignores malformed events and unknown event names, saying why on stderr", async () => {
        const env = serverEnv(db);
        for (const [name, body, reason] of [
            ["SessionStart", "{not json", /not valid JSON/],
            ["SessionStart", { cwd: project.dir }, /session_id/],
            ["PreToolUse", event("SessionEnd", { cwd: project.dir }), /installed for 'PreToolUse'/],
            ["Stop", event("SessionStart"), /unknown event/],
        ]) {
            const result = await runHook(name, body, env);
            assert.equal(result.code, 0);
            assert.equal(result.stdout, "");
            assert.match(result.stderr, reason);
        }
    });
});

describe("mnemo hooks install|uninstall|status", () => {
    let home;
    let settings;
    const run = (...args) =>
        spawnSync(mnemoBinary(), ["hooks", ...args], {
            env: { ...process.env, HOME: home },
            cwd: home,
            encoding: "utf8",
        });

    before(() => {
        home = mkdtempSync(join(tmpdir(), "mnemo-hooks-home-"));
        settings = join(home, ".claude", "settings.json");
    });
    after(() => rmSync(home, { recursive: true, force: true }));

    it("creates the file, keeps other settings, is idempotent and uninstalls only its own", () => {
        let result = run("status");
        assert.equal(result.status, 0);
        assert.match(result.stdout, /user .*settings\.json: no file/);

        result = run("install");
        assert.equal(result.status, 0, result.stderr);
        const created = JSON.parse(readFileSync(settings, "utf8"));
        assert.deepEqual(Object.keys(created.hooks).sort(), [
            "PreCompact", "PreToolUse", "SessionEnd", "SessionStart", "UserPromptSubmit",
        ]);
        assert.equal(created.hooks.SessionStart[0].hooks[0].command, `${mnemoBinary()} hook SessionStart`);

        // A file with the user's own settings and hooks.
        const mine = {
            model: "opus",
            env: { FOO: "bar" },
            hooks: {
                PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "~/audit.sh" }] }],
                Stop: [{ hooks: [{ type: "command", command: "notify-send done" }] }],
            },
        };
        writeFileSync(settings, JSON.stringify(mine, null, 2));
        assert.equal(run("install").status, 0);
        const once = readFileSync(settings, "utf8");
        result = run("install");
        assert.equal(result.status, 0);
        assert.match(result.stdout, /nothing changed/);
        assert.equal(readFileSync(settings, "utf8"), once, "twice equals once");
        const merged = JSON.parse(once);
        assert.equal(merged.model, "opus");
        assert.deepEqual(merged.env, { FOO: "bar" });
        assert.deepEqual(merged.hooks.Stop, mine.hooks.Stop);
        assert.deepEqual(merged.hooks.PreToolUse[0], mine.hooks.PreToolUse[0]);
        assert.equal(merged.hooks.PreToolUse.length, 2);

        result = run("status");
        assert.match(result.stdout, /user .*installed: .*SessionStart \(command\)/);

        assert.equal(run("uninstall").status, 0);
        assert.deepEqual(JSON.parse(readFileSync(settings, "utf8")), mine);
        result = run("uninstall");
        assert.match(result.stdout, /nothing changed/);
    });

    it("refuses a settings file that is not valid JSON and leaves it untouched", () => {
        const broken = '{"model": "opus",, }';
        writeFileSync(settings, broken);
        for (const action of ["install", "uninstall"]) {
            const result = run(action);
            assert.equal(result.status, 1);
            assert.match(result.stderr, /is not valid JSON/);
            assert.equal(readFileSync(settings, "utf8"), broken);
        }
        assert.match(run("status").stdout, /not valid JSON/);
    });

    it("writes project and local scopes under the git root, and http hooks with a token variable", () => {
        const repo = join(home, "repo");
        mkdirSync(join(repo, ".git"), { recursive: true });
        mkdirSync(join(repo, "sub"), { recursive: true });
        const inRepo = (...args) =>
            spawnSync(mnemoBinary(), ["hooks", ...args], {
                env: { ...process.env, HOME: home },
                cwd: join(repo, "sub"),
                encoding: "utf8",
            });
        let result = inRepo("install", "--scope", "project", "--http", "https://mnemo.example.com", "--token-env", "MNEMO_TOKEN");
        assert.equal(result.status, 0, result.stderr);
        const project = JSON.parse(readFileSync(join(repo, ".claude", "settings.json"), "utf8"));
        const hook = project.hooks.UserPromptSubmit[0].hooks[0];
        assert.equal(hook.type, "http");
        assert.equal(hook.url, "https://mnemo.example.com/hooks/claude-code");
        assert.deepEqual(hook.headers, { Authorization: "Bearer $MNEMO_TOKEN" });
        assert.deepEqual(hook.allowedEnvVars, ["MNEMO_TOKEN"]);
        result = inRepo("install", "--scope", "local");
        assert.equal(result.status, 0, result.stderr);
        assert.ok(existsSync(join(repo, ".claude", "settings.local.json")));
        result = inRepo("install", "--http", "https://x.example.com");
        assert.equal(result.status, 2);
        assert.match(result.stderr, /--http and --token-env go together/);
    });
});

describe("POST /hooks/claude-code", () => {
    let db;
    let server;
    let alice;
    let aliceRead;
    let bob;
    const cwd = "/home/someone/work/shared-name";

    before(async () => {
        db = createTestDatabase();
        alice = createToken(db, "alice");
        aliceRead = createToken(db, "alice", "read");
        bob = createToken(db, "bob");
        server = await startHttpServer(db);
    });
    after(async () => {
        await server?.stop();
        db?.drop();
    });

    const post = (body, token) =>
        fetch(`${server.base}/hooks/claude-code`, {
            method: "POST",
            headers: {
                "Content-Type": "application/json",
                ...(token ? { Authorization: `Bearer ${token}` } : {}),
            },
            body: JSON.stringify(body),
        });

    it("needs a token: none or an unknown one is 401", async () => {
        let response = await post(event("SessionStart", { cwd }));
        assert.equal(response.status, 401);
        response = await post(event("SessionStart", { cwd }), "mnemo_" + "0".repeat(64));
        assert.equal(response.status, 401);
        response = await fetch(`${server.base}/hooks/claude-code`);
        assert.equal(response.status, 405);
    });

    it("answers with the token user's memory only", async () => {
        const { client } = await connectHttp(server.url, alice);
        try {
            await callOk(client, "create_project", { name: "shared-name" });
            await callOk(client, "lock_context", {
                project: "shared-name",
                topic: "rules/no-force-push",
                content: "Never force-push to main.",
                priority: "always_check",
                guard: { pattern: "push.*--force", decision: "deny" },
            });
        } finally {
            await client.close();
        }
        let response = await post(event("PreToolUse", { cwd }), alice);
        assert.equal(response.status, 200);
        const answer = await response.json();
        assert.equal(answer.hookSpecificOutput.permissionDecision, "deny");
        response = await post(event("SessionStart", { cwd }), aliceRead);
        assert.equal(response.status, 200, "a read token may read");
        assert.match((await response.json()).hookSpecificOutput.additionalContext, /no-force-push/);
        // Bob's project of the same name is another project: no guard, no briefing.
        response = await post(event("PreToolUse", { cwd }), bob);
        assert.equal(response.status, 200);
        assert.equal(await response.text(), "");
        response = await post(event("SessionStart", { cwd }), bob);
        assert.equal(await response.text(), "");
    });

    it("refuses a read token a handover and a malformed event", async () => {
        let response = await post(event("SessionEnd", { cwd }), aliceRead);
        assert.equal(response.status, 403);
        assert.match((await response.json()).error, /read-only/);
        response = await post(event("PreCompact", { cwd }), aliceRead);
        assert.equal(response.status, 403);
        response = await post({ hook_event_name: "SessionStart" }, alice);
        assert.equal(response.status, 400);
        assert.match((await response.json()).error, /session_id/);
    });
});

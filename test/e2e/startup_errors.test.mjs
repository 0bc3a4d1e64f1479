// A DATABASE_URL that can never work stops mnemo at once, with a message that names the
// mistake and no password; one that may work later (a server not up yet) keeps retrying.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { TIME_SCALE, mnemoBinary } from "./harness.mjs";

const dsn = new URL(process.env.MNEMO_TEST_DSN);
const home = mkdtempSync(join(tmpdir(), "mnemo-e2e-startup-"));
after(() => rmSync(home, { recursive: true, force: true }));

/// Runs `mnemo serve --stdio` with `url`; resolves { code, stderr, ms } when it exits, or
/// { code: null } when it is still running after `limitMs` (then it is killed).
function serve(url, limitMs, extraEnv = {}) {
    return new Promise((resolve) => {
        const env = Object.fromEntries(
            Object.entries(process.env).filter(([name]) => !name.startsWith("MNEMO_")),
        );
        const started = performance.now();
        const child = spawn(mnemoBinary(), ["serve", "--stdio", "--project", "startup"], {
            env: { ...env, DATABASE_URL: url, MNEMO_HOME: home, MNEMO_SECRET: "s".repeat(32), ...extraEnv },
            cwd: home,
            stdio: ["pipe", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (chunk) => (stderr += chunk.toString("utf8")));
        const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
        child.on("exit", (code, signal) => {
            clearTimeout(timer);
            resolve({ code: signal ? null : code, stderr, ms: performance.now() - started });
        });
    });
}

function withPath(pathname, user, search = "") {
    const url = new URL(dsn);
    url.pathname = pathname;
    if (user) url.username = user;
    url.password = "hunter2";
    url.search = search;
    return url.toString();
}

describe("start-up with a DATABASE_URL that can never work", () => {
    const cases = [
        ["an unknown database", withPath("/mnemo_no_such_database"), /database "mnemo_no_such_database" does not exist/],
        ["an unknown role", withPath("/postgres", "mnemo_no_such_role"), /role "mnemo_no_such_role" does not exist/],
        ["an invalid sslmode", withPath("/postgres", "", "?sslmode=bogus"), /invalid sslmode value/],
    ];
    for (const [what, url, cause] of cases) {
        it(`${what}: exits non-zero within 2 s, names the cause, hides the password`, async () => {
            const run = await serve(url, 10000);
            assert.notEqual(run.code, null, "still running after 10 s");
            assert.notEqual(run.code, 0);
            assert.ok(run.ms <= 2000 * TIME_SCALE, `took ${run.ms.toFixed(0)} ms`);
            assert.match(run.stderr, cause);
            assert.match(run.stderr, /retrying cannot fix that/);
            assert.doesNotMatch(run.stderr, /hunter2/);
        });
    }

    it("a server that is not listening yet is retried until the acquire timeout", async () => {
        const url = new URL(dsn);
        url.port = "1"; // nothing listens there: connection refused, which may change
        const run = await serve(url.toString(), 10000, { MNEMO_ACQUIRE_TIMEOUT_MS: "1500" });
        assert.notEqual(run.code, null, "still running after 10 s");
        assert.notEqual(run.code, 0);
        assert.ok(run.ms >= 1500, `gave up after ${run.ms.toFixed(0)} ms, before the acquire timeout`);
        assert.doesNotMatch(run.stderr, /retrying cannot fix that/);
    });
});

describe("the command line", () => {
    it("names an unknown command and lists the real ones", async () => {
        const run = spawnSync(mnemoBinary(), ["bogus"], { encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /unknown command 'bogus' \(commands: [a-z, ]+; see mnemo --help\)/);
        for (const command of ["serve", "migrate", "doctor", "token", "hook", "hooks", "export", "import", "pg"]) {
            assert.match(run.stderr, new RegExp(`[ (]${command}[,;]`), command);
        }
    });
});

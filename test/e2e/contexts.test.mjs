// SPDX-License-Identifier: MIT
// Contexts through the SDK client: lock, recall, search, explore, check, unlock, and
// concurrent locks of one topic.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
    callError,
    callOk,
    createTestDatabase,
    sha256Hex,
    startServer,
    uniqueProject,
} from "./harness.mjs";

const DEPLOY_TOPIC = "rules/deploy-process";
const DEPLOY_V1 = "Deploys happen on Tuesdays through the blue-green pipeline.";
const DEPLOY_V2 = "Deploys happen on Thursdays through the canary pipeline, after QA signs off.";
const GIT_TOPIC = "rules/git";
const GIT_RULE = "Never push to main; open a pull request and wait for review.";

describe("context round trip", () => {
    const project = uniqueProject("roundtrip");
    let db;
    let server;
    let client;

    before(async () => {
        db = createTestDatabase();
        server = await startServer(db);
        client = server.client;
    });

    after(async () => {
        await server?.client.close();
        db?.drop();
    });

    it("create_project creates the project once", async () => {
        const created = await callOk(client, "create_project", {
            name: project,
            description: "e2e",
        });
        assert.equal(created.project, project);
        assert.equal(created.created, true);
        const again = await callOk(client, "create_project", { name: project });
        assert.equal(again.project, project);
        assert.equal(again.created, false);
    });

    it("lock_context stores version 1 with its tags", async () => {
        const locked = await callOk(client, "lock_context", {
            project,
            topic: DEPLOY_TOPIC,
            content: DEPLOY_V1,
            tags: ["deploy", "ops"],
        });
        assert.equal(locked.project, project);
        assert.equal(locked.topic, DEPLOY_TOPIC);
        assert.equal(locked.version, 1);
        assert.deepEqual(locked.tags, ["deploy", "ops"]);
        assert.equal(locked.priority, "reference");
        assert.equal(locked.priority_inferred, true);
        assert.equal(locked.size_bytes, Buffer.byteLength(DEPLOY_V1, "utf8"));
        assert.equal(locked.content_hash, sha256Hex(DEPLOY_V1));
    });

    it("a second lock_context of the topic stores version 2", async () => {
        const locked = await callOk(client, "lock_context", {
            project,
            topic: DEPLOY_TOPIC,
            content: DEPLOY_V2,
            tags: ["deploy", "ops"],
        });
        assert.equal(locked.topic, DEPLOY_TOPIC);
        assert.equal(locked.version, 2);
        assert.equal(locked.content_hash, sha256Hex(DEPLOY_V2));
    });

    it("an always_check rule is inferred from 'never'", async () => {
        const locked = await callOk(client, "lock_context", {
            project,
            topic: GIT_TOPIC,
            content: GIT_RULE,
            tags: ["git"],
        });
        assert.equal(locked.version, 1);
        assert.equal(locked.priority, "always_check");
        assert.equal(locked.priority_inferred, true);
    });

    it("recall_context returns the latest version exactly", async () => {
        const recalled = await callOk(client, "recall_context", { project, topic: DEPLOY_TOPIC });
        assert.equal(recalled.found, true);
        assert.equal(recalled.topic, DEPLOY_TOPIC);
        assert.equal(recalled.version, 2);
        assert.equal(recalled.content, DEPLOY_V2);
        assert.deepEqual(recalled.tags, ["deploy", "ops"]);
        assert.deepEqual(recalled.live_versions, [1, 2]);
        assert.equal(recalled.archived_at, null);
    });

    it("recall_context with version 1 returns the first content", async () => {
        const recalled = await callOk(client, "recall_context", {
            project,
            topic: DEPLOY_TOPIC,
            version: 1,
        });
        assert.equal(recalled.version, 1);
        assert.equal(recalled.content, DEPLOY_V1);
    });

    it("recall_context of an unknown version is an error", async () => {
        const message = await callError(client, "recall_context", {
            project,
            topic: DEPLOY_TOPIC,
            version: 3,
        });
        assert.match(message, /no context 'rules\/deploy-process' version 3/);
    });

    it("search_contexts finds the latest version by a content word", async () => {
        const found = await callOk(client, "search_contexts", { project, query: "canary" });
        assert.equal(found.project, project);
        assert.deepEqual(
            found.results.map((r) => [r.topic, r.version]),
            [[DEPLOY_TOPIC, 2]],
        );
        assert.equal(found.next_cursor, undefined);
    });

    it("search_contexts does not match superseded versions", async () => {
        const found = await callOk(client, "search_contexts", { project, query: "tuesdays" });
        assert.deepEqual(found.results, []);
    });

    it("search_contexts finds a topic by a partial word", async () => {
        const found = await callOk(client, "search_contexts", { project, query: "deplo" });
        assert.deepEqual(
            found.results.map((r) => r.topic),
            [DEPLOY_TOPIC],
        );
    });

    it("explore_context_tree shows both topics under 'rules'", async () => {
        const tree = await callOk(client, "explore_context_tree", { project });
        assert.deepEqual(tree, {
            project,
            prefix: "",
            topics: 2,
            children: [
                {
                    name: "rules",
                    path: "rules",
                    topics: 2,
                    children: [
                        {
                            name: "deploy-process",
                            path: DEPLOY_TOPIC,
                            topics: 1,
                            version: 2,
                            versions: 2,
                            priority: "reference",
                        },
                        {
                            name: "git",
                            path: GIT_TOPIC,
                            topics: 1,
                            version: 1,
                            versions: 1,
                            priority: "always_check",
                        },
                    ],
                },
            ],
        });
    });

    it("check_contexts finds the always_check rule for 'git push origin main'", async () => {
        const checked = await callOk(client, "check_contexts", {
            project,
            text: "git push origin main",
        });
        assert.equal(checked.project, project);
        assert.equal(checked.count, 1);
        assert.equal(checked.relevant.length, 1);
        const [rule] = checked.relevant;
        assert.equal(rule.topic, GIT_TOPIC);
        assert.equal(rule.priority, "always_check");
        assert.equal(rule.version, 1);
        assert.equal(rule.content, GIT_RULE);
    });

    it("check_contexts finds nothing for unrelated text", async () => {
        const checked = await callOk(client, "check_contexts", {
            project,
            text: "bake a lemon cake",
        });
        assert.equal(checked.count, 0);
        assert.deepEqual(checked.relevant, []);
    });

    it("unlock_context refuses an always_check context without force", async () => {
        const message = await callError(client, "unlock_context", { project, topic: GIT_TOPIC });
        assert.match(message, /force/);
        const recalled = await callOk(client, "recall_context", { project, topic: GIT_TOPIC });
        assert.equal(recalled.content, GIT_RULE);
    });

    it("unlock_context archives every live version", async () => {
        const unlocked = await callOk(client, "unlock_context", { project, topic: DEPLOY_TOPIC });
        assert.equal(unlocked.topic, DEPLOY_TOPIC);
        assert.deepEqual(unlocked.matched, [1, 2]);
        assert.deepEqual(unlocked.archived, [1, 2]);
        assert.equal(unlocked.always_check, false);
    });

    it("recall_context after unlocking every version is an error that says how to read them", async () => {
        const message = await callError(client, "recall_context", { project, topic: DEPLOY_TOPIC });
        assert.match(message, /no context 'rules\/deploy-process'/);
        assert.match(message, /every version is archived \(1, 2\); read one with recall_context and version=2/);
        const never = await callError(client, "recall_context", { project, topic: "rules/never-locked" });
        assert.doesNotMatch(never, /archived/);
    });

    it("an archived version stays readable by number", async () => {
        const recalled = await callOk(client, "recall_context", {
            project,
            topic: DEPLOY_TOPIC,
            version: 1,
        });
        assert.equal(recalled.content, DEPLOY_V1);
        assert.equal(typeof recalled.archived_at, "string");
        assert.deepEqual(recalled.live_versions, []);
    });

    it("archived topics leave search_contexts and explore_context_tree", async () => {
        const found = await callOk(client, "search_contexts", { project, query: "canary" });
        assert.deepEqual(found.results, []);
        const tree = await callOk(client, "explore_context_tree", { project });
        assert.equal(tree.topics, 1);
        assert.deepEqual(
            tree.children[0].children.map((c) => c.path),
            [GIT_TOPIC],
        );
    });

    it("unlocking an already archived topic is an error", async () => {
        const message = await callError(client, "unlock_context", { project, topic: DEPLOY_TOPIC });
        assert.match(message, /no live context 'rules\/deploy-process'/);
    });
});

describe("concurrent locks through one client", () => {
    const project = uniqueProject("concurrency");
    const topic = "load/counter";
    let db;
    let server;

    before(async () => {
        db = createTestDatabase();
        server = await startServer(db);
        await callOk(server.client, "create_project", { name: project });
    });

    after(async () => {
        await server?.client.close();
        db?.drop();
    });

    let results;

    it("20 parallel lock_context calls take versions 1..20 exactly once", async () => {
        const calls = Array.from({ length: 20 }, (_, i) =>
            callOk(server.client, "lock_context", {
                project,
                topic,
                content: `parallel write number ${i}`,
                priority: "reference",
            }),
        );
        results = await Promise.all(calls);
        const versions = results.map((r) => r.version).sort((a, b) => a - b);
        assert.deepEqual(
            versions,
            Array.from({ length: 20 }, (_, i) => i + 1),
        );
        // Each call's content landed under the version it was told.
        for (const [i, result] of results.entries()) {
            assert.equal(result.content_hash, sha256Hex(`parallel write number ${i}`));
        }
    });

    it("the topic then holds 20 live versions, the latest being 20", async () => {
        const recalled = await callOk(server.client, "recall_context", { project, topic });
        assert.equal(recalled.version, 20);
        const last = results.findIndex((r) => r.version === 20);
        assert.equal(recalled.content, `parallel write number ${last}`);
        assert.deepEqual(
            recalled.live_versions,
            Array.from({ length: 20 }, (_, i) => i + 1),
        );
        const byVersion = await callOk(server.client, "query_database", {
            project,
            sql:
                "SELECT count(*), count(DISTINCT version), min(version), max(version) " +
                "FROM mnemo.contexts",
        });
        assert.deepEqual(byVersion.rows, [[20, 20, 1, 20]]);
    });

    it("two mnemo processes locking one topic in parallel take versions 21..40", async () => {
        const other = await startServer(db);
        try {
            const lock = (client, i) =>
                callOk(client, "lock_context", { project, topic, content: `cross-process ${i}` });
            const results = await Promise.all(
                Array.from({ length: 20 }, (_, i) =>
                    lock(i % 2 === 0 ? server.client : other.client, i),
                ),
            );
            assert.deepEqual(
                results.map((r) => r.version).sort((a, b) => a - b),
                Array.from({ length: 20 }, (_, i) => i + 21),
            );
        } finally {
            await other.client.close();
        }
    });
});

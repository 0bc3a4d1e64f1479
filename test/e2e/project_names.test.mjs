// One rule for project names: the directory default, --project, MNEMO_PROJECT and create_project
// normalise the same way, and a name that cannot be made one is said at start-up.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { callError, callOk, createTestDatabase, startServer } from "./harness.mjs";

describe("project names", () => {
    let db;
    before(() => {
        db = createTestDatabase();
    });
    after(() => db?.drop());

    it("a directory 'My Cool.Project' is the project my-cool-project, as --project 'My Cool.Project' is", async () => {
        const dir = join(db.home, "My Cool.Project");
        mkdirSync(dir, { recursive: true });
        for (const options of [{ cwd: dir }, { project: "My Cool.Project" }, { extraEnv: { MNEMO_PROJECT: "MY COOL.PROJECT" } }]) {
            const { client } = await startServer(db, options);
            try {
                const listed = await callOk(client, "list_projects", {});
                assert.equal(listed.default, "my-cool-project", JSON.stringify(options));
            } finally {
                await client.close();
            }
        }
    });

    it("create_project names the normalised project", async () => {
        const { client } = await startServer(db, { project: "names" });
        try {
            const created = await callOk(client, "create_project", { name: "Team Notes" });
            assert.match(created.message, /'Team Notes' became 'team-notes'/);
            const listed = await callOk(client, "list_projects", {});
            assert.ok(listed.projects.some((p) => p.name === "team-notes"));
            const refused = await callError(client, "create_project", { name: "日本" });
            assert.match(refused, /'日本' cannot be made a project name/);
        } finally {
            await client.close();
        }
    });

    it("a directory '日本' gives a warning at start-up naming what to pass", async () => {
        const dir = join(db.home, "日本");
        mkdirSync(dir, { recursive: true });
        const { client, stderr } = await startServer(db, { cwd: dir });
        try {
            assert.match(stderr(), /"event":"no_default_project"/);
            assert.match(stderr(), /pass --project NAME or set MNEMO_PROJECT/);
            const error = await callError(client, "recall_context", { topic: "x" });
            assert.match(error, /No project selected/);
        } finally {
            await client.close();
        }
    });
});

// /readyz answers within a probe's second, also when the database stops answering or goes
// away, and its body gives away no address, path or server message.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { FaultProxy } from "../fault/proxy.mjs";
import { TIME_SCALE, createTestDatabase } from "./harness.mjs";
import { startHttpServer } from "./http_harness.mjs";

describe("/readyz", () => {
    let db;
    let proxy;
    let server;

    before(async () => {
        db = createTestDatabase();
        const direct = new URL(db.url);
        proxy = new FaultProxy({ host: direct.hostname, port: Number(direct.port) });
        await proxy.start();
        const proxied = new URL(db.url);
        proxied.host = `127.0.0.1:${proxy.port}`;
        server = await startHttpServer(db, { env: { DATABASE_URL: proxied.toString(), MNEMO_AUTH: "none" } });
    });

    after(async () => {
        await server?.stop();
        await proxy?.stop();
        db?.drop();
    });

    async function probe() {
        const started = performance.now();
        const response = await fetch(`${server.base}/readyz`);
        return { status: response.status, body: await response.text(), ms: performance.now() - started };
    }

    function assertRevealsNothing(body) {
        assert.deepEqual(JSON.parse(body), { status: "database unreachable" });
        assert.doesNotMatch(body, /127\.0\.0\.1|\/tmp|\/var\/run|socket|port|FATAL|connection/i);
    }

    it("is 200 while the database answers", async () => {
        const ready = await probe();
        assert.equal(ready.status, 200, ready.body);
        assert.equal(JSON.parse(ready.body).status, "ready");
    });

    it("is 503 within 2 s while the database does not answer, then ready again", async () => {
        proxy.blackhole(true);
        try {
            const down = await probe();
            assert.equal(down.status, 503, down.body);
            assert.ok(down.ms <= 2000 * TIME_SCALE, `answered after ${down.ms.toFixed(0)} ms`);
            assertRevealsNothing(down.body);
            assert.match(server.stderr(), /readyz_database_unreachable/);
        } finally {
            proxy.blackhole(false);
        }
        let again;
        for (let i = 0; i < 50; i += 1) {
            again = await probe();
            if (again.status === 200) break;
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.equal(again.status, 200, again.body);
    });

    it("is 503 within 2 s when the database is gone", async () => {
        await proxy.stop();
        const down = await probe();
        assert.equal(down.status, 503, down.body);
        assert.ok(down.ms <= 2000 * TIME_SCALE, `answered after ${down.ms.toFixed(0)} ms`);
        assertRevealsNothing(down.body);
    });
});

// SPDX-License-Identifier: MIT
// Self-test of FaultProxy against a local echo server: every fault does what it says.
import assert from "node:assert/strict";
import { connect, createServer } from "node:net";
import { after, before, describe, it } from "node:test";

import { FaultProxy } from "./proxy.mjs";

/// Connects to 127.0.0.1:port; resolves to { socket, received(), waitFor(n), closed }.
function client(port) {
    return new Promise((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port, noDelay: true });
        let data = Buffer.alloc(0);
        const waiters = [];
        const closed = new Promise((done) => {
            socket.on("error", (error) => done(error.code));
            socket.on("close", () => done("close"));
        });
        socket.on("data", (chunk) => {
            data = Buffer.concat([data, chunk]);
            for (const waiter of [...waiters]) {
                if (data.length >= waiter.n) {
                    waiters.splice(waiters.indexOf(waiter), 1);
                    waiter.resolve(data);
                }
            }
        });
        socket.once("error", reject);
        socket.once("connect", () => {
            socket.off("error", reject);
            resolve({
                socket,
                closed,
                received: () => data,
                waitFor: (n) =>
                    data.length >= n
                        ? Promise.resolve(data)
                        : new Promise((done) => waiters.push({ n, resolve: done })),
            });
        });
    });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe("FaultProxy", () => {
    let echo;
    let proxy;

    before(async () => {
        echo = createServer((socket) => {
            socket.on("error", () => {}); // resets are part of the test
            socket.pipe(socket);
        });
        await new Promise((resolve) => echo.listen(0, "127.0.0.1", resolve));
        proxy = new FaultProxy({ host: "127.0.0.1", port: echo.address().port });
        await proxy.start();
    });

    after(async () => {
        await proxy.stop();
        await new Promise((resolve) => echo.close(resolve));
    });

    it("forwards bytes both ways unchanged", async () => {
        const c = await client(proxy.port);
        const payload = Buffer.from("x".repeat(100000));
        c.socket.write(payload);
        assert.deepEqual(await c.waitFor(payload.length), payload);
        c.socket.destroy();
    });

    it("adds latency to each direction", async () => {
        proxy.setLatency(150);
        const c = await client(proxy.port);
        const started = Date.now();
        c.socket.write("ping");
        await c.waitFor(4);
        const elapsed = Date.now() - started;
        proxy.setLatency(0);
        assert.ok(elapsed >= 290, `round trip took ${elapsed} ms, expected >= 300`);
        c.socket.destroy();
    });

    it("blackhole holds everything until lifted, including new connections", async () => {
        const c = await client(proxy.port);
        proxy.blackhole(true);
        c.socket.write("held");
        const fresh = await client(proxy.port); // accepted, never connected upstream
        fresh.socket.write("also");
        await sleep(300);
        assert.equal(c.received().length, 0);
        assert.equal(fresh.received().length, 0);
        proxy.blackhole(false);
        assert.equal((await c.waitFor(4)).toString(), "held");
        assert.equal((await fresh.waitFor(4)).toString(), "also");
        c.socket.destroy();
        fresh.socket.destroy();
    });

    it("stallOnMatch holds only the connection that sent the marker", async () => {
        const stuck = await client(proxy.port);
        const free = await client(proxy.port);
        proxy.stallOnMatch("MARK");
        stuck.socket.write("xxMARKxx");
        free.socket.write("free");
        assert.equal((await free.waitFor(4)).toString(), "free");
        stuck.socket.write("more");
        await sleep(200);
        assert.equal(stuck.received().length, 0);
        proxy.stallOnMatch(null);
        assert.equal((await stuck.waitFor(12)).toString(), "xxMARKxxmore");
        stuck.socket.destroy();
        free.socket.destroy();
    });

    it("resetAll resets open connections", async () => {
        const c = await client(proxy.port);
        c.socket.write("a");
        await c.waitFor(1);
        proxy.resetAll();
        assert.match(await c.closed, /ECONNRESET|close/);
    });

    it("refuse closes the port until lifted", async () => {
        await proxy.refuse(true);
        await assert.rejects(client(proxy.port), /ECONNREFUSED/);
        await proxy.refuse(false);
        const c = await client(proxy.port);
        c.socket.write("b");
        assert.equal((await c.waitFor(1)).toString(), "b");
        c.socket.destroy();
    });

    it("throttles bandwidth", async () => {
        proxy.setThrottle(50000); // bytes per second, per direction
        const c = await client(proxy.port);
        const started = Date.now();
        // 10 chunks of 5 KB: about 1 s each way at 50 KB/s, overlapping in the pipeline.
        for (let i = 0; i < 10; i += 1) c.socket.write(Buffer.alloc(5000, 1));
        await c.waitFor(50000);
        const elapsed = Date.now() - started;
        proxy.setThrottle(0);
        assert.ok(elapsed >= 800, `50 KB at 50 KB/s took ${elapsed} ms`);
        c.socket.destroy();
    });

    it("delays the connect handshake and counts concurrent connects", async () => {
        proxy.resetStats();
        proxy.setConnectDelay(400, 400);
        const started = Date.now();
        const clients = await Promise.all([client(proxy.port), client(proxy.port), client(proxy.port)]);
        for (const c of clients) c.socket.write("c");
        await Promise.all(clients.map((c) => c.waitFor(1)));
        const elapsed = Date.now() - started;
        proxy.setConnectDelay(0, 0);
        assert.ok(elapsed >= 390, `first byte after ${elapsed} ms`);
        assert.equal(proxy.stats.maxConnecting, 3);
        assert.equal(proxy.stats.connecting, 0);
        for (const c of clients) c.socket.destroy();
    });
});

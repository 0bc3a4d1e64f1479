// SPDX-License-Identifier: MIT
// FaultProxy: a TCP proxy between a client (mnemo, pqpool) and PostgreSQL that injects faults
// on command: latency, blackhole, connection resets, refused connects, bandwidth throttling and
// a slow connect handshake. Driven in-process by the reliability scenarios.
import { connect, createServer } from "node:net";

/// One direction of one proxied connection: chunks are delivered in order, each no earlier
/// than its arrival plus the latency and, with a throttle, no faster than the byte rate.
/// While the proxy is blackholed nothing is delivered (held, as TCP would retransmit it).
class Link {
    constructor(proxy, connection, from, to, toServer) {
        this.proxy = proxy;
        this.connection = connection;
        this.toServer = toServer;
        this.from = from;
        this.to = to;
        this.queue = [];
        this.queuedBytes = 0;
        this.nextFree = 0; // throttle: when the link may send again (ms, performance clock)
        this.timer = null;
        from.on("data", (chunk) => this.push(chunk));
    }

    push(chunk) {
        const marker = this.proxy.faults.stallMarker;
        if (this.toServer && marker !== null && chunk.includes(marker)) this.connection.stalled = true;
        this.queue.push({ chunk, due: Date.now() + this.proxy.faults.latencyMs });
        this.queuedBytes += chunk.length;
        // Backpressure: a slow or held link stops reading instead of buffering without bound.
        if (this.queuedBytes > 1 << 20) this.from.pause();
        this.pump();
    }

    pump() {
        if (this.timer !== null || this.to.destroyed) return;
        while (this.queue.length > 0) {
            // Resumed by FaultProxy.blackhole(false) or stallOnMatch(null).
            if (this.proxy.faults.blackhole || this.connection.stalled) return;
            const now = Date.now();
            const head = this.queue[0];
            const at = Math.max(head.due, this.nextFree);
            if (at > now) {
                this.timer = setTimeout(() => {
                    this.timer = null;
                    this.pump();
                }, at - now);
                return;
            }
            // Throttled: slices of 1/50 s worth of bytes, each sent when the link is free.
            const rate = this.proxy.faults.bytesPerSecond;
            let piece = head.chunk;
            if (rate > 0 && piece.length > Math.max(1, Math.floor(rate / 50))) {
                piece = head.chunk.subarray(0, Math.max(1, Math.floor(rate / 50)));
                head.chunk = head.chunk.subarray(piece.length);
            } else {
                this.queue.shift();
            }
            this.queuedBytes -= piece.length;
            if (rate > 0) this.nextFree = Math.max(now, this.nextFree) + (piece.length * 1000) / rate;
            this.to.write(piece);
            this.proxy.stats.bytes += piece.length;
        }
        if (this.from.isPaused()) this.from.resume();
    }

    close() {
        if (this.timer !== null) clearTimeout(this.timer);
        this.timer = null;
        this.queue = [];
    }
}

/// A TCP proxy to `target` ({ host, port }) listening on 127.0.0.1. Faults apply to every
/// connection at once; `stats` counts what the proxy saw. Not thread-safe (Node is single
/// threaded); every method is cheap and returns promptly.
export class FaultProxy {
    constructor(target) {
        this.target = target;
        this.port = 0;
        this.server = null;
        this.connections = new Set();
        this.faults = {
            latencyMs: 0, // added to every chunk, both directions
            blackhole: false, // accept, read, deliver nothing, until lifted
            bytesPerSecond: 0, // 0 = unthrottled; per direction and connection
            connectDelayMs: [0, 0], // [min, max]: uniform delay before the upstream connect
            stallMarker: null, // a Buffer: a connection that sends it is blackholed alone
        };
        this.refusing = false;
        this.resetStats();
    }

    resetStats() {
        this.stats = {
            accepted: 0, // connections accepted from clients
            refused: 0, // connect attempts refused while refusing
            resets: 0, // connections reset by resetAll()
            open: 0, // client connections open now
            maxOpen: 0,
            connecting: 0, // accepted, upstream not yet connected (handshake pending)
            maxConnecting: 0,
            upstreamErrors: 0,
            bytes: 0,
        };
        if (this.connections) {
            this.stats.open = this.connections.size;
            this.stats.maxOpen = this.connections.size;
        }
    }

    /// Listens on 127.0.0.1:`port` (0 = any free port); resolves to the port.
    async start(port = 0) {
        this.server = createServer({ noDelay: true }, (client) => this.accept(client));
        await new Promise((resolve, reject) => {
            this.server.once("error", reject);
            this.server.listen(port, "127.0.0.1", () => {
                this.server.off("error", reject);
                resolve();
            });
        });
        this.port = this.server.address().port;
        return this.port;
    }

    /// Closes the listener and every connection.
    async stop() {
        this.resetAll();
        if (this.server?.listening) await new Promise((resolve) => this.server.close(resolve));
    }

    setLatency(ms) {
        this.faults.latencyMs = ms;
    }

    setThrottle(bytesPerSecond) {
        this.faults.bytesPerSecond = bytesPerSecond;
    }

    /// Every new connection waits a uniform random time in [minMs, maxMs] before the proxy
    /// connects upstream (a cold start); the client's bytes wait with it.
    setConnectDelay(minMs, maxMs = minMs) {
        this.faults.connectDelayMs = [minMs, maxMs];
    }

    /// On: nothing is delivered in either direction and new connections are accepted but never
    /// connected upstream. Off: everything held is delivered and held connections proceed.
    blackhole(on) {
        this.faults.blackhole = on;
        if (!on) {
            for (const connection of this.connections) connection.resume();
        }
    }

    /// A connection whose client sends bytes containing `marker` (a string) stops delivering
    /// anything, alone, from that chunk on (e.g. one statement's connection hangs while the
    /// others work). `null` lifts the fault and delivers what was held.
    stallOnMatch(marker) {
        this.faults.stallMarker = marker === null ? null : Buffer.from(marker);
        if (marker === null) {
            for (const connection of this.connections) {
                connection.stalled = false;
                connection.resume();
            }
        }
    }

    /// Resets (RST) every open connection, both sides.
    resetAll() {
        for (const connection of [...this.connections]) {
            connection.destroy(true);
            this.stats.resets += 1;
        }
    }

    /// On: the port is closed, so connects fail with ECONNREFUSED; open connections stay.
    /// Off: listens again on the same port.
    async refuse(on) {
        if (on === this.refusing) return;
        this.refusing = on;
        if (on) {
            await new Promise((resolve) => this.server.close(resolve));
        } else {
            await this.start(this.port);
        }
    }

    accept(client) {
        this.stats.accepted += 1;
        const connection = new Connection(this, client);
        this.connections.add(connection);
        this.stats.open = this.connections.size;
        this.stats.maxOpen = Math.max(this.stats.maxOpen, this.stats.open);
        connection.begin();
    }

    forget(connection) {
        this.connections.delete(connection);
        this.stats.open = this.connections.size;
    }
}

/// One client connection and its upstream connection.
class Connection {
    constructor(proxy, client) {
        this.proxy = proxy;
        this.client = client;
        this.upstream = null;
        this.links = [];
        this.pending = []; // client bytes that arrived before the upstream connection
        this.connecting = false;
        this.started = false;
        this.stalled = false;
        this.closed = false;
        client.setNoDelay(true);
        client.on("data", (chunk) => this.pending.push(chunk));
        client.on("error", () => this.destroy(false));
        client.on("close", () => this.destroy(false));
    }

    begin() {
        this.connecting = true;
        const stats = this.proxy.stats;
        stats.connecting += 1;
        stats.maxConnecting = Math.max(stats.maxConnecting, stats.connecting);
        const [min, max] = this.proxy.faults.connectDelayMs;
        const delay = min + Math.random() * (max - min);
        this.delayTimer = setTimeout(() => {
            this.delayTimer = null;
            this.resume();
        }, delay);
    }

    /// Connects upstream once the delay is over, unless blackholed (called again when the
    /// blackhole is lifted); a connected one delivers what its links hold.
    resume() {
        if (this.closed || this.delayTimer) return;
        if (this.started) {
            for (const link of this.links) link.pump();
            return;
        }
        if (this.proxy.faults.blackhole) return;
        this.started = true;
        const upstream = connect({ ...this.proxy.target, noDelay: true });
        this.upstream = upstream;
        upstream.on("error", () => {
            this.proxy.stats.upstreamErrors += 1;
            this.destroy(false);
        });
        upstream.on("close", () => this.destroy(false));
        upstream.on("connect", () => {
            this.endConnecting();
            this.client.removeAllListeners("data");
            const toServer = new Link(this.proxy, this, this.client, upstream, true);
            const toClient = new Link(this.proxy, this, upstream, this.client, false);
            this.links = [toServer, toClient];
            for (const chunk of this.pending) toServer.push(chunk);
            this.pending = [];
        });
    }

    endConnecting() {
        if (!this.connecting) return;
        this.connecting = false;
        this.proxy.stats.connecting -= 1;
    }

    /// Closes both sides; `reset` sends RST instead of FIN.
    destroy(reset) {
        if (this.closed) {
            return;
        }
        this.closed = true;
        this.endConnecting();
        if (this.delayTimer) clearTimeout(this.delayTimer);
        for (const link of this.links) link.close();
        for (const socket of [this.client, this.upstream]) {
            if (socket === null || socket.destroyed) continue;
            if (reset && typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
            else socket.destroy();
        }
        this.proxy.forget(this);
    }
}

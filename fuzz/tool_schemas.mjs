// SPDX-License-Identifier: MIT
// Prints {"tools":[{name, inputSchema}]} from `<mnemo> serve --stdio` (initialize, tools/list):
// the snapshot schema_fuzz validates against. usage: node fuzz/tool_schemas.mjs <mnemo binary>
// with DATABASE_URL set (scripts/fuzz --update-schemas).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const home = mkdtempSync(join(tmpdir(), "mnemo-schemas-"));
const child = spawn(process.argv[2], ["serve", "--stdio"], {
    env: { ...process.env, MNEMO_HOME: home, MNEMO_SECRET: "s".repeat(40) },
    stdio: ["pipe", "pipe", "inherit"],
});
let out = "";
child.stdout.on("data", (chunk) => {
    out += chunk;
    const lines = out.split("\n");
    if (lines.length < 3) return;
    const { tools } = JSON.parse(lines[1]).result;
    const snapshot = { tools: tools.map((tool) => ({ name: tool.name, inputSchema: tool.inputSchema })) };
    process.stdout.write(`${JSON.stringify(snapshot, null, 1)}\n`);
    child.kill();
});
child.on("close", () => rmSync(home, { recursive: true, force: true }));
child.stdin.write(
    `${JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "schemas", version: "1" } },
    })}\n${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })}\n`,
);

// SPDX-License-Identifier: MIT
// Runs the reliability scenarios, prints their table and optionally writes it into a Markdown
// file between `<!-- reliability:begin -->` and `<!-- reliability:end -->`.
//
// usage: node reliability.mjs [--fast] [--only id,id] [--write FILE]
// Env:   MNEMO_BINARY, MNEMO_TEST_DSN (superuser), MNEMO_TEST_PGCTL (pg_ctl of that cluster;
//        scenarios restart it and change max_connections, so never point it at a shared one).
// Exit:  0 when every scenario run kept its promises, 1 otherwise.
import { readFileSync, writeFileSync } from "node:fs";
import { argv, exit } from "node:process";

import { SCENARIOS } from "./scenarios.mjs";

function parseArgs(args) {
    const options = { fast: false, only: null, write: null };
    for (let i = 0; i < args.length; i += 1) {
        if (args[i] === "--fast") options.fast = true;
        else if (args[i] === "--only") options.only = args[++i].split(",");
        else if (args[i] === "--write") options.write = args[++i];
        else throw new Error(`unknown argument ${args[i]}`);
    }
    return options;
}

function figuresText(row) {
    return Object.entries(row.figures)
        .map(([key, value]) => `${key} ${value}`)
        .join("; ");
}

function table(rows) {
    const lines = ["| Scenario | Promise | Figures | Result |", "|---|---|---|---|"];
    for (const row of rows) {
        const result = row.passed ? "holds" : `**FAILS**: ${row.failures.join("; ")}`;
        lines.push(`| ${row.name} | ${row.promise} | ${figuresText(row)} | ${result.replaceAll("|", "\\|")} |`);
    }
    return lines.join("\n");
}

const options = parseArgs(argv.slice(2));
const selected = SCENARIOS.filter(
    (scenario) => (options.only ? options.only.includes(scenario.id) : !options.fast || scenario.fast),
);
if (selected.length === 0) throw new Error("no scenario selected");

const rows = [];
for (const scenario of selected) {
    const started = Date.now();
    process.stderr.write(`reliability: ${scenario.id} ...\n`);
    const row = await scenario.run();
    row.seconds = Math.round((Date.now() - started) / 1000);
    rows.push(row);
    process.stderr.write(
        `reliability: ${scenario.id} ${row.passed ? "holds" : "FAILS"} (${row.seconds} s): ${figuresText(row)}\n`,
    );
    for (const failure of row.failures) process.stderr.write(`  broken: ${failure}\n`);
    for (const note of row.notes) process.stderr.write(`  note: ${note.slice(0, 1000)}\n`);
}

const output = table(rows);
console.log(output);
if (options.write) {
    const text = readFileSync(options.write, "utf8");
    const begin = "<!-- reliability:begin -->";
    const end = "<!-- reliability:end -->";
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${options.write} has no ${begin} ... ${end} markers`);
    const stamp = `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`;
    writeFileSync(options.write, `${text.slice(0, from + begin.length)}\n${stamp}\n\n${output}\n${text.slice(to)}`);
}
exit(rows.every((row) => row.passed) ? 0 : 1);

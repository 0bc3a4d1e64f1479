// SPDX-License-Identifier: MIT
// A line diff (longest common subsequence) between two versions of a context.

/// The lines of `a` and `b` as [{op: " " | "-" | "+", text}]. Beyond `limit` cells of the
/// table (very long texts), falls back to "all of a removed, all of b added".
export function diffLines(a, b, limit = 4_000_000) {
    const x = a.split("\n");
    const y = b.split("\n");
    // Common head and tail first: edits are usually local.
    let head = 0;
    while (head < x.length && head < y.length && x[head] === y[head]) head++;
    let tail = 0;
    while (tail < x.length - head && tail < y.length - head &&
           x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
    const xs = x.slice(head, x.length - tail);
    const ys = y.slice(head, y.length - tail);
    const out = x.slice(0, head).map((text) => ({ op: " ", text }));
    if ((xs.length + 1) * (ys.length + 1) > limit) {
        for (const text of xs) out.push({ op: "-", text });
        for (const text of ys) out.push({ op: "+", text });
    } else {
        const n = xs.length;
        const m = ys.length;
        const table = new Uint32Array((n + 1) * (m + 1));
        for (let i = n - 1; i >= 0; i--) {
            for (let j = m - 1; j >= 0; j--) {
                table[i * (m + 1) + j] = xs[i] === ys[j]
                    ? table[(i + 1) * (m + 1) + j + 1] + 1
                    : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
            }
        }
        let i = 0;
        let j = 0;
        while (i < n && j < m) {
            if (xs[i] === ys[j]) {
                out.push({ op: " ", text: xs[i] }); i++; j++;
            } else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) {
                out.push({ op: "-", text: xs[i] }); i++;
            } else {
                out.push({ op: "+", text: ys[j] }); j++;
            }
        }
        while (i < n) out.push({ op: "-", text: xs[i++] });
        while (j < m) out.push({ op: "+", text: ys[j++] });
    }
    for (const text of x.slice(x.length - tail)) out.push({ op: " ", text });
    return out;
}

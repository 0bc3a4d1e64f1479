// SPDX-License-Identifier: MIT
// The /ui/api client: JSON in and out, the CSRF token on every change.

let csrf = "";

/// An error from the API: `status` and the server's message.
export class ApiError extends Error {
    constructor(status, message) {
        super(message);
        this.status = status;
    }
}

export function setCsrf(token) { csrf = token ?? ""; }

async function decode(response) {
    let body = null;
    try {
        body = await response.json();
    } catch {
        body = null;
    }
    if (!response.ok) {
        // The transport's own refusals (413 before the body is read) carry a JSON-RPC error.
        const message = typeof body?.error === "string" ? body.error : body?.error?.message;
        throw new ApiError(response.status, message ?? `HTTP ${response.status}`);
    }
    return body;
}

function url(endpoint, params) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
        if (value !== undefined && value !== null) query.set(name, String(value));
    }
    const qs = query.toString();
    return `/ui/api/${endpoint}${qs ? `?${qs}` : ""}`;
}

function fetchJson(address) {
    return fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(decode);
}

// Reads started while the page loads (beside the session check), taken by the first get().
const early = new Map();

/// Starts GET /ui/api/<endpoint>?<params> now; the next get() of the same address takes it.
export function prefetch(endpoint, params = {}) {
    const address = url(endpoint, params);
    const pending = fetchJson(address);
    pending.catch(() => {});  // a refusal here is reported by the get() that takes it
    early.set(address, pending);
}

/// Forgets reads started early (after a login, they were made without the session).
export function dropPrefetched() { early.clear(); }

/// GET /ui/api/<endpoint>?<params>.
export async function get(endpoint, params = {}) {
    const address = url(endpoint, params);
    const pending = early.get(address);
    if (pending) {
        early.delete(address);
        return pending;
    }
    return fetchJson(address);
}

/// POST /ui/api/<endpoint> with a JSON body and the session's CSRF token.
export async function post(endpoint, body = {}) {
    const response = await fetch(`/ui/api/${endpoint}`, {
        method: "POST",
        credentials: "same-origin",
        headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRF-Token": csrf,
        },
        body: JSON.stringify(body),
    });
    return decode(response);
}

/// POST /ui/api/<endpoint>?<params> with `file` (a File or Blob) as the body, as
/// application/octet-stream, and the session's CSRF token.
export async function upload(endpoint, params, file) {
    const response = await fetch(url(endpoint, params), {
        method: "POST",
        credentials: "same-origin",
        headers: {
            "Content-Type": "application/octet-stream",
            Accept: "application/json",
            "X-CSRF-Token": csrf,
        },
        body: file,
    });
    return decode(response);
}

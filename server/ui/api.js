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
        throw new ApiError(response.status, body?.error ?? `HTTP ${response.status}`);
    }
    return body;
}

/// GET /ui/api/<endpoint>?<params>.
export async function get(endpoint, params = {}) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
        if (value !== undefined && value !== null) query.set(name, String(value));
    }
    const qs = query.toString();
    const response = await fetch(`/ui/api/${endpoint}${qs ? `?${qs}` : ""}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
    });
    return decode(response);
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

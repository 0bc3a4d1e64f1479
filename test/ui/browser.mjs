// SPDX-License-Identifier: MIT
// Debian's chromium through puppeteer-core: never a downloaded browser.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import puppeteer from "puppeteer-core";

/// Launches the system browser headless. Each test gets its own incognito-like context.
export async function launchBrowser() {
    return puppeteer.launch({
        executablePath: process.env.MNEMO_CHROMIUM ?? "/usr/bin/chromium",
        headless: true,
        // No sandbox: the tests may run as root in CI containers, where chromium refuses it.
        args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-extensions", "--lang=en-US"],
    });
}

/// A fresh page in its own browser context (cookies apart), at desktop or phone size, that
/// records console errors, CSP violations and failed requests. `downloads`: the folder its
/// downloads are saved in.
export async function openPage(browser, { phone = false, downloads } = {}) {
    const context = await browser.createBrowserContext(
        downloads ? { downloadBehavior: { policy: "allow", downloadPath: downloads } } : {});
    const page = await context.newPage();
    await page.setViewport(phone ? { width: 390, height: 844, deviceScaleFactor: 1, isMobile: true, hasTouch: true }
                                 : { width: 1280, height: 900, deviceScaleFactor: 1 });
    page.problems = [];
    page.on("pageerror", (error) => page.problems.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
        // Refused requests (401 before login, a 409 a test provokes) are not page problems;
        // CSP violations and script errors are.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
            page.problems.push(`console: ${message.text()}`);
        }
    });
    page.on("dialog", (dialog) => dialog.accept());
    page.closeAll = () => context.close();
    return page;
}

/// Waits until the router marked the page usable (body[data-ready]).
export async function ready(page, kind) {
    await page.waitForSelector(kind ? `body[data-ready="${kind}"]` : "body[data-ready]", { timeout: 15000 });
}

/// Saves a screenshot for docs/ui.md (MNEMO_UI_SHOTS).
export async function shot(page, name) {
    const dir = process.env.MNEMO_UI_SHOTS;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name}.png`) });
}

/// Logs in through the login page with `token`; returns the page on the projects list.
/// `options`: openPage's.
export async function logIn(browser, server, token, options) {
    const page = await openPage(browser, options);
    await page.goto(`${server.base}/ui`);
    await page.waitForSelector("#token");
    await page.type("#token", token);
    await page.keyboard.press("Enter");
    try {
        await ready(page, "projects");
    } catch (error) {
        const main = await page.$eval("main", (el) => el.textContent).catch(() => "?");
        throw new Error(`login failed: ${main} ${page.problems.join("; ")} (${page.url()})`, { cause: error });
    }
    return page;
}

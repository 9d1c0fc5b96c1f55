// A tiny browser: fetch without automatic redirects, a cookie jar, and HTML form filling. It
// plays the user between the authorization URL and the client's callback — the part no OAuth
// client library does — so the libraries under test only ever see what a real browser would
// hand them: the redirect to their redirect_uri.

import { parse } from "node-html-parser";

const STEP_TIMEOUT_MS = 10_000;
const MAX_STEPS = 12;

export class Browser {
  constructor() {
    /** @type {Map<string, string>} cookie name -> value; one origin, so no domain/path logic */
    this.cookies = new Map();
  }

  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set("Cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const res = await fetch(url, {
      ...init,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
    this.storeCookies(res.headers.getSetCookie());
    const body = await res.text();
    return { url: new URL(url), status: res.status, location: res.headers.get("location"), body };
  }

  storeCookies(setCookies) {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attrs.some((a) => {
        const [k, v = ""] = a.split("=");
        if (k.toLowerCase() === "max-age") return Number(v) <= 0;
        if (k.toLowerCase() === "expires") return Date.parse(v) <= Date.now();
        return false;
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** Posts the form holding the chosen button (or the first form), as a user pressing it. */
  async submit(page, fields, button) {
    const root = parse(page.body);
    const forms = root.querySelectorAll("form");
    const form = button
      ? forms.find((f) => f.querySelector(`button[name="${button.name}"][value="${button.value}"]`))
      : forms[0];
    if (!form) throw new Error(`no form${button ? ` with button ${button.name}=${button.value}` : ""} on ${page.url}: ${snippet(page.body)}`);
    const values = new URLSearchParams();
    for (const input of form.querySelectorAll('input[type="hidden"]')) {
      values.set(input.getAttribute("name"), input.getAttribute("value") ?? "");
    }
    for (const [k, v] of Object.entries(fields)) values.set(k, v);
    if (button) values.set(button.name, button.value);
    const target = new URL(form.getAttribute("action") ?? "", page.url);
    return this.request(target, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        // What a browser sends with a same-origin form post (Fetch Metadata); the server's
        // cross-origin protection rejects a form POST without it.
        "Origin": target.origin,
        "Sec-Fetch-Site": "same-origin",
      },
      body: values.toString(),
    });
  }

  /**
   * From the authorization URL to the client's callback: follows the server's redirects, signs in
   * when a sign-in form shows, presses Allow on the consent page, and returns the URL the server
   * finally redirects to outside its own origin (the redirect_uri with the result). The callback
   * itself is never loaded.
   */
  async signInAndAllow(authorizationUrl, username, password) {
    const serverOrigin = new URL(authorizationUrl).origin;
    let page = await this.request(authorizationUrl);
    const trail = [];
    for (let i = 0; i < MAX_STEPS; i++) {
      trail.push(`${page.status} ${page.url.pathname}`);
      if (page.status >= 300 && page.status < 400 && page.location) {
        const next = new URL(page.location, page.url);
        if (next.origin !== serverOrigin) return next;
        page = await this.request(next);
        continue;
      }
      if (page.status !== 200) {
        throw new Error(`unexpected ${page.status} at ${page.url} (${trail.join(" -> ")}): ${snippet(page.body)}`);
      }
      const root = parse(page.body);
      if (root.querySelector('input[type="password"]')) {
        page = await this.submit(page, { username, password });
        if (page.status === 200) throw new Error(`sign-in refused: ${snippet(page.body)}`);
      } else if (root.querySelector('button[name="action"][value="allow"]')) {
        page = await this.submit(page, {}, { name: "action", value: "allow" });
      } else {
        throw new Error(`page at ${page.url} has neither a sign-in form nor an Allow button: ${snippet(page.body)}`);
      }
    }
    throw new Error(`no redirect to the client after ${MAX_STEPS} steps: ${trail.join(" -> ")}`);
  }
}

function snippet(html) {
  return parse(html).textContent.replace(/\s+/g, " ").trim().slice(0, 300);
}

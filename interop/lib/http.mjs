// Plain HTTP helpers the suites share: a recorder that sees what the libraries send (their own
// code calls globalThis.fetch, and some outcomes — the status of each of two concurrent
// revocations — are not returned to the caller), and the "is this token dead" probe.

/**
 * Wraps globalThis.fetch for the rest of the process and records every exchange: method, URL,
 * request body, status, and when it started and ended (for concurrency checks).
 */
export function installFetchRecorder() {
  const original = globalThis.fetch;
  /** @type {{method: string, url: string, body: string, status?: number, error?: string, started: number, ended?: number}[]} */
  const log = [];
  globalThis.fetch = async (resource, init = {}) => {
    const url = resource instanceof Request ? resource.url : String(resource);
    const method = init.method ?? (resource instanceof Request ? resource.method : "GET");
    const entry = { method, url, body: bodyText(init.body), started: performance.now() };
    log.push(entry);
    try {
      const res = await original(resource, init);
      entry.status = res.status;
      return res;
    } catch (e) {
      entry.error = String(e);
      throw e;
    } finally {
      entry.ended = performance.now();
    }
  };
  return {
    log,
    /** The exchanges with url since index from (log.length before the action). */
    since(from, url) {
      return log.slice(from).filter((e) => e.url === url);
    },
  };
}

function bodyText(body) {
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  return `[${body.constructor?.name ?? typeof body}]`;
}

/** GET the userinfo endpoint with a bearer token; returns the status and the parsed body. */
export async function userinfo(endpoint, accessToken) {
  const res = await fetch(endpoint, {
    headers: { Authorization: `Bearer ${accessToken}` },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, wwwAuthenticate: res.headers.get("www-authenticate") };
}

/** Fails unless the access token is rejected by userinfo with 401. */
export async function expectAccessTokenDead(endpoint, accessToken) {
  const r = await userinfo(endpoint, accessToken);
  if (r.status !== 401) {
    throw new Error(`GET ${endpoint} with the token answered ${r.status} ${r.text.slice(0, 200)}, want 401`);
  }
  return `userinfo 401${r.wwwAuthenticate ? `, WWW-Authenticate: ${r.wwwAuthenticate}` : ""}`;
}

/** Redacts a token for messages: enough to tell tokens apart, never the whole secret. */
export function short(token) {
  return typeof token === "string" ? `${token.slice(0, 8)}…` : String(token);
}

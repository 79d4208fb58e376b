// Browserless authorization-code helpers: a cookie jar, a login driven with
// plain fetch (GET /auth, parse the login form, POST the credentials), token
// endpoint calls and realm files written to a temporary directory.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from './server.mjs';

/** Writes each realm representation to <tmp>/<realm>.json; returns the directory (for startServer's realm). */
export async function realmDir(...realms) {
  const dir = await tempDir('tessera-realms-');
  for (const r of realms) await writeFile(path.join(dir, `${r.realm}.json`), JSON.stringify(r, null, 2));
  return dir;
}

/** A user representation with a plaintext password. */
export const user = (username, password, extra = {}) => ({
  username, enabled: true, credentials: [{ type: 'password', value: password, temporary: false }], ...extra,
});

/** Minimal cookie jar: name → {value, attrs}; honours Max-Age=0 deletion; ignores paths (one realm per jar). */
export class CookieJar {
  constructor() { this.cookies = new Map(); this.raw = []; }
  store(headers) {
    for (const line of headers.getSetCookie?.() ?? []) {
      this.raw.push(line);
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const a = Object.fromEntries(attrs.map((s) => {
        const j = s.indexOf('=');
        return j < 0 ? [s.trim().toLowerCase(), true] : [s.slice(0, j).trim().toLowerCase(), s.slice(j + 1).trim()];
      }));
      if (a['max-age'] === '0' || value === '') this.cookies.delete(name);
      else this.cookies.set(name, { value, attrs: a, line });
    }
  }
  get(name) { return this.cookies.get(name)?.value; }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v.value}`).join('; '); }
}

/**
 * One request without following redirects; cookies from/to `jar`. `form` (object or
 * array of pairs) becomes an x-www-form-urlencoded body. Returns {status, headers, text, json, location}.
 */
export async function send(url, { jar, method, form, headers = {}, body } = {}) {
  const h = { ...headers };
  if (jar && jar.cookies.size) h.cookie = jar.header();
  if (form !== undefined) {
    body = new URLSearchParams(form).toString();
    h['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(url, {
    method: method ?? (body !== undefined ? 'POST' : 'GET'), headers: h, body, redirect: 'manual',
    signal: AbortSignal.timeout(30000),  // a hang detector, generous for loaded machines
  });
  jar?.store(res.headers);
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json, location: res.headers.get('location') };
}

const decodeHtml = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'")
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The form with id `formId` in `html`: {action, fields} (hidden and pre-filled inputs). null if absent. */
export function parseForm(html, formId) {
  const m = new RegExp(`<form[^>]*id="${formId}"[^>]*>([\\s\\S]*?)</form>`).exec(html);
  if (!m) return null;
  const action = decodeHtml(/action="([^"]*)"/.exec(m[0])[1]);
  const fields = {};
  for (const inp of m[1].matchAll(/<input\b[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(inp[0])?.[1];
    const value = /value="([^"]*)"/.exec(inp[0])?.[1];
    if (name && value !== undefined && !/type="(checkbox|submit)"/.test(inp[0])) fields[name] = decodeHtml(value);
  }
  return { action, fields };
}

/** Query (or fragment) parameters of a redirect Location as a plain object; repeated names are an error. */
export function redirectParams(location, part = 'search') {
  const u = new URL(location);
  const p = new URLSearchParams((part === 'hash' ? u.hash : u.search).slice(1));
  const out = {};
  for (const [k, v] of p) {
    assert.ok(!(k in out), `parameter ${k} repeated in ${location}`);
    out[k] = v;
  }
  return out;
}

export const pkcePair = () => {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
};

/** Endpoint URLs of a realm. */
export function endpoints(baseUrl, realm) {
  const issuer = `${baseUrl}/realms/${realm}`;
  const oidc = `${issuer}/protocol/openid-connect`;
  return {
    issuer, auth: `${oidc}/auth`, token: `${oidc}/token`, userinfo: `${oidc}/userinfo`,
    logout: `${oidc}/logout`, certs: `${oidc}/certs`, oob: `${oidc}/oauth/oob`,
    discovery: `${issuer}/.well-known/openid-configuration`,
  };
}

export const authUrl = (ep, params) => `${ep.auth}?${new URLSearchParams(params)}`;

/**
 * Drives a login with fetch. GETs the /auth URL; if the login page comes back, posts
 * the credentials (plus `extraForm`). If a consent page follows and `consent` is
 * 'accept' or 'cancel', submits it. Returns {first, login, consent, final, location, params}:
 * `final` is the last response, `location` its Location header, `params` its query parameters.
 */
export async function fetchLogin(url, { jar = new CookieJar(), username, password, extraForm = {}, consent } = {}) {
  const first = await send(url, { jar });
  let final = first;
  let login;
  let consentRes;
  if (first.status === 200 && first.text.includes('id="kc-form-login"')) {
    const form = parseForm(first.text, 'kc-form-login');
    login = await send(form.action, { jar, form: { ...form.fields, username, password, ...extraForm } });
    final = login;
  }
  if (consent && final.status === 200 && final.text.includes('id="kc-oauth"')) {
    const form = parseForm(final.text, 'kc-oauth');
    const button = consent === 'accept' ? { accept: 'yes' } : { cancel: 'no' };
    consentRes = await send(form.action, { jar, form: { ...form.fields, ...button } });
    final = consentRes;
  }
  const location = final.location;
  let params;
  if (location) try { params = redirectParams(location); } catch { params = undefined; }
  return { jar, first, login, consent: consentRes, final, location, params };
}

/** POST to the token endpoint. `basic` = [clientId, secret] sends client_secret_basic (form-urlencoded halves). */
export function tokenRequest(ep, form, { basic, headers = {} } = {}) {
  const h = { ...headers };
  if (basic) {
    const enc = (s) => new URLSearchParams({ x: s }).toString().slice(2);
    h.authorization = `Basic ${Buffer.from(`${enc(basic[0])}:${enc(basic[1])}`).toString('base64')}`;
  }
  return send(ep.token, { form, headers: h });
}

/** Decoded JWT payload (no verification) with its members in their original order. */
export const jwtPayload = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
export const jwtHeader = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Compact description of a response for assertion messages (bug reports); HTML pages are summarised. */
export function show(r) {
  const head = `${r.status}${r.location ? ` Location: ${r.location}` : ''}`;
  const text = r.text ?? '';
  if (!/^\s*<!DOCTYPE html/i.test(text)) return `${head} ${text.slice(0, 600)}`;
  const pick = (re) => re.exec(text)?.[1];
  const forms = [...text.matchAll(/<form[^>]*id="([^"]*)"/g)].map((m) => m[1]);
  return `${head} [HTML title=${JSON.stringify(pick(/<title>([^<]*)</))} h1=${JSON.stringify(pick(/<h1[^>]*>([^<]*)</))}`
    + ` message=${JSON.stringify(pick(/<p class="instruction">([^<]*)</) ?? pick(/id="input-error"[^>]*>([^<]*)</))}`
    + ` forms=${JSON.stringify(forms)}]`;
}

// Complete browserless authorization-code logins with PKCE (S256) per second,
// for any provider whose login page is an HTML form with username/password:
// GET the authorization URL, follow redirects (a cookie jar per login) to the
// login form, POST it with its hidden fields, follow redirects until the
// redirect_uri with the code, then exchange the code (+ code_verifier) at the
// token endpoint with client_secret_basic. `concurrency` logins in flight.
//
//   node bench/codeflow.mjs <authorization-url> <token-url> <seconds> <concurrency> [extra-query] [extra-token-body]
//     -> "logins_per_second N (errors E, concurrency C, requests/login R)"
//   node bench/codeflow.mjs once <authorization-url> <token-url> [extra-query] [extra-token-body]
//     -> the token response of one login (JSON)
// Client app / app-secret, redirect http://localhost:3000/cb, user bench / bench-password.
// undici comes from bench/peer's node_modules.
import { createRequire } from 'node:module';
import crypto from 'node:crypto';

const require = createRequire(new URL('./peer/package.json', import.meta.url));
const { Agent, request } = require('undici');

const once = process.argv[2] === 'once';
const args = process.argv.slice(once ? 3 : 2);
const [authUrl, tokenUrl] = args;
const seconds = once ? 0 : Number(args[2] ?? 10);
const concurrency = once ? 1 : Number(args[3] ?? 8);
const extraQuery = (once ? args[2] : args[4]) ?? '';
const extraToken = (once ? args[3] : args[5]) ?? '';
const agent = new Agent({ connections: concurrency * 2, pipelining: 1 });
const redirect = 'http://localhost:3000/cb';
const basic = `Basic ${Buffer.from('app:app-secret').toString('base64')}`;

function cookiesFrom(headers, jar) {
  const set = headers['set-cookie'];
  for (const c of Array.isArray(set) ? set : set ? [set] : []) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i).trim(), pair.slice(i + 1));
  }
}
const cookieHeader = (jar) => [...jar].filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join('; ');
const decode = (s) => s.replaceAll('&amp;', '&').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));

let requestsPerLogin = 0;

async function login() {
  const jar = new Map();
  let requests = 0;
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const state = crypto.randomBytes(8).toString('hex');
  const sep = authUrl.includes('?') ? '&' : '?';
  let url = `${authUrl}${sep}client_id=app&response_type=code&redirect_uri=${encodeURIComponent(redirect)}`
    + `&state=${state}&code_challenge=${challenge}&code_challenge_method=S256${extraQuery ? `&${extraQuery}` : ''}`;
  let method = 'GET';
  let body;
  let posted = false;
  for (let hop = 0; hop < 10; hop++) {
    const headers = { cookie: cookieHeader(jar) };
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await request(url, { method, body, headers, dispatcher: agent });
    requests++;
    cookiesFrom(res.headers, jar);
    if (res.statusCode >= 300 && res.statusCode < 400) {
      await res.body.dump();
      const next = new URL(res.headers.location, url).toString();
      if (next.startsWith(redirect)) {
        const code = new URL(next).searchParams.get('code');
        if (!code) throw new Error(`no code in ${next}`);
        const token = await request(tokenUrl, {
          method: 'POST', dispatcher: agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
          body: `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent(redirect)}`
            + `&code_verifier=${verifier}${extraToken ? `&${extraToken}` : ''}`,
        });
        requests++;
        const json = await token.body.json();
        if (token.statusCode !== 200 || !json.access_token || !json.id_token) throw new Error(`token: ${token.statusCode} ${JSON.stringify(json)}`);
        requestsPerLogin = requests;
        return json;
      }
      url = next; method = 'GET'; body = undefined;
      continue;
    }
    const html = await res.body.text();
    if (res.statusCode !== 200 || posted) throw new Error(`unexpected ${res.statusCode} at ${url}: ${html.slice(0, 300)}`);
    const form = html.match(/<form[^>]*id="kc-form-login"[^>]*>([\s\S]*?)<\/form>/);
    if (!form) throw new Error(`no login form at ${url}`);
    const action = decode(form[0].match(/action="([^"]+)"/)[1]);
    const fields = new URLSearchParams();
    for (const m of form[1].matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = m[0].match(/name="([^"]*)"/)?.[1];
      if (name) fields.set(name, decode(m[0].match(/value="([^"]*)"/)?.[1] ?? ''));
    }
    fields.set('username', 'bench');
    fields.set('password', 'bench-password');
    url = new URL(action, url).toString(); method = 'POST'; body = fields.toString(); posted = true;
  }
  throw new Error('too many redirects');
}

if (once) {
  try { console.log(JSON.stringify(await login())); } catch (e) { console.error(String(e)); process.exitCode = 1; }
} else {
  let count = 0, errors = 0;
  const until = Date.now() + seconds * 1000;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      try { await login(); count++; } catch (e) { errors++; if (errors < 3) console.error(String(e)); }
    }
  }));
  const elapsed = (Date.now() - t0) / 1000;
  console.log(`logins_per_second ${(count / elapsed).toFixed(1)} (errors ${errors}, concurrency ${concurrency}, requests/login ${requestsPerLogin})`);
}
await agent.close();

// Complete browserless logins per second: GET /auth (login page), POST the
// login form, exchange the code at /token — three requests per login, with a
// cookie jar per login, `concurrency` logins in flight.
// Usage: node bench/login.mjs <base-url> <realm> <seconds> <concurrency>
// undici comes from the black-box suite's node_modules.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/blackbox/package.json', import.meta.url));
const { Agent, request } = require('undici');

const [base, realm, secondsArg, concArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 10);
const concurrency = Number(concArg ?? 8);
const agent = new Agent({ connections: concurrency * 2, pipelining: 1 });
const redirect = 'http://localhost:3000/cb';
const proto = `${base}/realms/${realm}/protocol/openid-connect`;

function cookiesFrom(headers, jar) {
  const set = headers['set-cookie'];
  for (const c of Array.isArray(set) ? set : set ? [set] : []) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
}
const cookieHeader = (jar) => [...jar].filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join('; ');

async function login() {
  const jar = new Map();
  const auth = await request(`${proto}/auth?client_id=bench&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(redirect)}&state=s`, { dispatcher: agent });
  cookiesFrom(auth.headers, jar);
  const html = await auth.body.text();
  const action = html.match(/action="([^"]+)"/)[1].replaceAll('&amp;', '&');
  const csrf = html.match(/name="csrf_token" value="([^"]+)"/)[1];
  const post = await request(action, {
    method: 'POST', dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ username: 'bench', password: 'bench-password', csrf_token: csrf }).toString(),
  });
  await post.body.dump();
  const location = post.headers.location;
  if (post.statusCode !== 302 || !location) throw new Error(`login failed: ${post.statusCode}`);
  const code = new URL(location).searchParams.get('code');
  const token = await request(`${proto}/token`, {
    method: 'POST', dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('bench:bench-secret').toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect }).toString(),
  });
  const body = await token.body.json();
  if (!body.access_token) throw new Error(`token failed: ${JSON.stringify(body)}`);
}

let count = 0, errors = 0;
const until = Date.now() + seconds * 1000;
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (Date.now() < until) {
    try { await login(); count++; } catch (e) { errors++; if (errors < 3) console.error(String(e)); }
  }
}));
console.log(`logins_per_second ${(count / seconds).toFixed(1)} (errors ${errors}, concurrency ${concurrency})`);
await agent.close();

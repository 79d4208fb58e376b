// Management listener: health and Prometheus metrics.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { request } from './lib/http.mjs';

/** Parses Prometheus text exposition into [{name, labels, value, line}]. */
function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    assert.ok(m, `malformed exposition line: ${line}`);
    const labels = {};
    if (m[2]) {
      for (const lm of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]] = lm[2];
    }
    out.push({ name: m[1], labels, value: Number(m[3]), line });
  }
  return out;
}

describe('management interface', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.stop(); });

  for (const p of ['/health/live', '/health/ready']) {
    it(`GET ${p} -> 200 {"status":"UP"}`, async () => {
      const r = await request(`${srv.mgmtUrl}${p}`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(r.json?.status, 'UP', r.text);
    });
  }

  it('does not expose health or metrics on the main listener', async () => {
    for (const p of ['/health/ready', '/health/live', '/metrics']) {
      const r = await request(`${srv.baseUrl}${p}`);
      assert.equal(r.status, 404, `main port ${p} -> ${r.status}`);
    }
  });

  const discoveryUrl = () => `${srv.baseUrl}/realms/test/.well-known/openid-configuration`;

  async function scrape() {
    const r = await request(`${srv.mgmtUrl}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    return { text: r.text, samples: parseMetrics(r.text) };
  }

  const counters = (samples) => new Map(samples
    .filter((s) => s.name === 'tessera_http_requests_total')
    .map((s) => [JSON.stringify(Object.entries(s.labels).sort()), s]));

  it('exposes a request counter labelled with route and status that increases', async () => {
    await request(discoveryUrl());
    const first = await scrape();
    assert.match(first.text, /^# TYPE tessera_http_requests_total counter$/m);
    assert.ok(first.text.split('\n').some((l) => l.startsWith('tessera_http_requests_total{')),
      'no tessera_http_requests_total{...} line');
    for (const s of counters(first.samples).values()) {
      assert.ok(s.labels.route, `series without a route label: ${s.line}`);
      assert.match(s.labels.status ?? '', /^\d{3}$/, `series without a status label: ${s.line}`);
    }
    for (let i = 0; i < 3; i++) assert.equal((await request(discoveryUrl())).status, 200);
    const before = counters(first.samples);
    const after = counters((await scrape()).samples);
    const grew = [...after].filter(([k, s]) => s.value - (before.get(k)?.value ?? 0) > 0)
      .map(([k, s]) => ({ s, delta: s.value - (before.get(k)?.value ?? 0) }))
      .filter(({ s }) => s.labels.status === '200' && !/metric|health/i.test(s.labels.route));
    assert.equal(grew.length, 1,
      `expected exactly one status="200" series to grow after 3 discovery requests; grew: ${grew.map((g) => g.s.line)}`);
    assert.equal(grew[0].delta, 3, `${grew[0].s.line} grew by ${grew[0].delta}`);
  });

  it('counts 404s under their own status and uses route templates, not raw paths', async () => {
    const marker = 'zz-unknown-realm-4711';
    for (let i = 0; i < 2; i++) {
      assert.equal((await request(`${srv.baseUrl}/realms/${marker}/.well-known/openid-configuration`)).status, 404);
    }
    const { text, samples } = await scrape();
    assert.ok(!text.includes(marker), 'a raw request path leaked into metric labels (unbounded cardinality)');
    const notFound = samples.filter((s) => s.name === 'tessera_http_requests_total'
      && (s.labels.status ?? s.labels.code) === '404');
    assert.ok(notFound.length >= 1, 'no series with status="404"');
    assert.ok(notFound.reduce((a, s) => a + s.value, 0) >= 2);
  });

  it('exposes a latency histogram whose count grows with requests', async () => {
    const { text, samples } = await scrape();
    assert.match(text, /^# TYPE tessera_http_request_duration_seconds histogram$/m);
    const buckets = samples.filter((s) => s.name === 'tessera_http_request_duration_seconds_bucket');
    assert.ok(buckets.length > 0, 'no tessera_http_request_duration_seconds_bucket lines');
    assert.ok(buckets.every((b) => 'le' in b.labels), 'bucket without le label');
    const inf = buckets.filter((b) => b.labels.le === '+Inf');
    assert.ok(inf.length > 0, 'no le="+Inf" bucket');
    const counts = samples.filter((s) => s.name === 'tessera_http_request_duration_seconds_count');
    const sums = samples.filter((s) => s.name === 'tessera_http_request_duration_seconds_sum');
    assert.ok(counts.length > 0 && sums.length > 0, '_count/_sum missing');
    // Buckets are cumulative and +Inf equals _count for each label set.
    const key = (labels) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort());
    for (const c of counts) {
      const mine = buckets.filter((b) => key(b.labels) === key(c.labels));
      const sorted = [...mine].sort((a, b) => Number(a.labels.le) - Number(b.labels.le));
      for (let i = 1; i < sorted.length; i++) {
        assert.ok(sorted[i].value >= sorted[i - 1].value, `non-cumulative buckets: ${sorted.map((b) => b.line)}`);
      }
      const infB = mine.find((b) => b.labels.le === '+Inf');
      assert.ok(infB, `no +Inf bucket for ${c.line}`);
      assert.equal(infB.value, c.value, `+Inf bucket != _count for ${c.line}`);
    }
    const total = (ss) => ss.filter((s) => s.name === 'tessera_http_request_duration_seconds_count')
      .reduce((a, s) => a + s.value, 0);
    const t0 = total(samples);
    for (let i = 0; i < 2; i++) await request(discoveryUrl());
    const t1 = total((await scrape()).samples);
    assert.ok(t1 - t0 >= 2, `histogram _count grew by ${t1 - t0} after 2 requests`);
  });
});

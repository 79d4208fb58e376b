// Harness for black-box tests: starts the real tessera binary on free ports
// with a fresh data directory and waits until the management endpoint says
// it is ready.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, access, readFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const testDir = path.resolve(here, '..');
export const fixturesDir = path.join(testDir, 'fixtures');
export const fixture = (...p) => path.join(fixturesDir, ...p);

/** The binary under test: $TESSERA_BIN or ../../build/tessera relative to the test dir. */
export const binPath = process.env.TESSERA_BIN
  ? path.resolve(process.env.TESSERA_BIN)
  : path.resolve(testDir, '..', '..', 'build', 'tessera');

/** Value the harness gives ${TEST_CLIENT_SECRET} unless a test overrides it. */
export const DEFAULT_TEST_CLIENT_SECRET = 'backend-secret-from-env';

const children = new Set();

// Sanitizer builds (scripts/test-sanitized) print their reports on stderr.
// A report fails the test file even when the test itself passed: stop()
// throws, and any report seen anywhere (a server that never became ready, a
// runTessera call) sets a non-zero exit code, which node --test counts as a
// failed file.
const SANITIZER_MARKERS = [
  /ERROR: AddressSanitizer/, /ERROR: LeakSanitizer/, /runtime error:/, /WARNING: ThreadSanitizer/,
  /SUMMARY: UndefinedBehaviorSanitizer/,
];
const sanitizerReports = [];

/** The sanitizer report in `stderr` (from its first marker on, capped), or null. */
export function sanitizerReport(stderr) {
  let first = -1;
  for (const m of SANITIZER_MARKERS) {
    const at = stderr.search(m);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first < 0 ? null : stderr.slice(Math.max(0, stderr.lastIndexOf('\n', first) + 1)).slice(0, 20000);
}

function noteSanitizerReport(what, stderr) {
  const report = sanitizerReport(stderr);
  if (report) sanitizerReports.push(`${what}\n${report}`);
  return report;
}

process.on('exit', () => {
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch { /* already gone */ }
  }
  if (sanitizerReports.length > 0) {
    process.stderr.write(`\n${sanitizerReports.length} sanitizer report(s) from tessera:\n${sanitizerReports.join('\n')}\n`);
    process.exitCode = 1;
  }
});

/** A port that was free a moment ago (bind port 0, read it, close). */
function ephemeralPort(host) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Ports this process has handed out: the kernel may give a just-closed port
// again, and two calls for one server (HTTP and management) then collided
// ("Address already in use" at start-up, about one start in a few hundred).
const handedOut = new Set();

/** A free port that no earlier call of this process returned. */
export async function freePort(host = '127.0.0.1') {
  for (;;) {
    const port = await ephemeralPort(host);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export async function tempDir(prefix = 'tessera-bb-') {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** The environment a child gets: ours minus any TESSERA_* / KC_* settings, plus `extra`. */
export function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('TESSERA_') || k.startsWith('KC_')) continue;
    env[k] = v;
  }
  env.TEST_CLIENT_SECRET = DEFAULT_TEST_CLIENT_SECRET;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined || v === null) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

/**
 * Fails unless the binary exists. While a rebuild relinks it the file is
 * briefly missing, so a missing binary is waited for up to 20 s.
 */
export async function assertBinary() {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      await access(binPath, fsConstants.X_OK);
      return;
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`tessera binary not found or not executable at ${binPath} (set TESSERA_BIN)`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * How long to wait for /health/ready: 120 s, or $TESSERA_READY_TIMEOUT_MS. Generous on purpose:
 * this machine's speed varies 2-3x from day to day and a first start generates RSA keys, so a
 * slow start is reported (SLOW_START_MS) with its time, never failed; only a server that never
 * becomes ready fails.
 */
const DEFAULT_READY_TIMEOUT_MS = Number(process.env.TESSERA_READY_TIMEOUT_MS) || 120000;
const SLOW_START_MS = 10000;

/**
 * Starts `tessera <command> ...` and waits for GET <mgmt>/health/ready == 200.
 *
 * opts:
 *   command      'start-dev' (default) or 'start'
 *   realm        fixture path(s) for --import-realm (string or null for none); default test-realm.json
 *   args         extra CLI arguments (appended)
 *   omit         names of default options to leave out, e.g. ['http-port']
 *   httpPort, mgmtPort, httpsPort   ports to use (free ones are picked otherwise; https only if asked)
 *   https        {certFile, keyFile}: adds --https-port/--https-certificate-file/--https-certificate-key-file
 *   dataDir      reuse a data dir (db file is <dataDir>/tessera.db); a fresh temp dir otherwise
 *   cwd          working directory (defaults to the data dir)
 *   env          extra environment (undefined/null values remove a variable)
 *   readyTimeoutMs  default 120000 (or $TESSERA_READY_TIMEOUT_MS)
 *   waitReady    false: return right after spawning (a test that kills the server during start-up)
 *
 * Returns {baseUrl, httpsUrl, mgmtUrl, httpPort, httpsPort, mgmtPort, dataDir, dbPath, proc,
 *          stop(), kill(), stderr(), stdout(), logs()}.
 */
export async function startServer(opts = {}) {
  await assertBinary();
  const command = opts.command ?? 'start-dev';
  const httpPort = opts.httpPort ?? (await freePort());
  const mgmtPort = opts.mgmtPort ?? (await freePort());
  const httpsPort = opts.https ? (opts.httpsPort ?? (await freePort())) : undefined;
  const ownsDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? (await tempDir());
  const dbPath = path.join(dataDir, 'tessera.db');
  const realm = opts.realm === undefined ? fixture('test-realm.json') : opts.realm;
  const omit = new Set(opts.omit ?? []);

  const defaults = [
    ['http-port', String(httpPort)],
    ['http-management-port', String(mgmtPort)],
    ['db-url', dbPath],
    ['bootstrap-admin-username', 'admin'],
    ['bootstrap-admin-password', 'admin'],
    ['http-host', '127.0.0.1'],
  ];
  if (realm) defaults.push(['import-realm', realm]);
  if (opts.https) {
    defaults.push(['https-port', String(httpsPort)]);
    defaults.push(['https-certificate-file', opts.https.certFile]);
    defaults.push(['https-certificate-key-file', opts.https.keyFile]);
  }
  const args = [command];
  for (const [k, v] of defaults) if (!omit.has(k)) args.push(`--${k}=${v}`);
  args.push(...(opts.args ?? []));

  const proc = spawn(binPath, args, {
    cwd: opts.cwd ?? dataDir,
    env: childEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  proc.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  let exitInfo = null;
  // 'close' comes after 'exit' once stderr is drained: only then is a
  // sanitizer report printed at exit (LeakSanitizer's) complete.
  const closed = new Promise((resolve) => {
    proc.on('close', () => {
      noteSanitizerReport(`tessera ${args.join(' ')}`, err);
      resolve();
    });
    proc.on('error', resolve);
  });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      children.delete(proc);
      resolve(exitInfo);
    });
    proc.on('error', (e) => {
      exitInfo = { code: null, signal: null, error: e };
      children.delete(proc);
      resolve(exitInfo);
    });
  });

  const mgmtUrl = `http://127.0.0.1:${mgmtPort}`;
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const httpsUrl = httpsPort ? `https://localhost:${httpsPort}` : undefined;
  const describe = () =>
    `tessera ${args.join(' ')}\n--- stderr ---\n${err}\n--- stdout ---\n${out}`;

  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (opts.waitReady === false) break;
    if (exitInfo) {
      await closed;
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
      throw new Error(`tessera exited before becoming ready (code ${exitInfo.code}, signal ${exitInfo.signal})\n${describe()}`);
    }
    try {
      const res = await fetch(`${mgmtUrl}/health/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        const took = Date.now() - (deadline - readyTimeoutMs);
        if (took > SLOW_START_MS) process.stderr.write(`note: tessera took ${took} ms to become ready (a loaded machine)\n`);
        break;
      }
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      await exited;
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
      throw new Error(`tessera did not become ready within ${readyTimeoutMs} ms\n${describe()}`);
    }
    await sleep(20);
  }

  let stopped = null;
  /**
   * SIGTERM, then resolve with the exit code (or 'signal:<NAME>' if killed by a
   * signal). After `timeoutMs` it SIGKILLs and resolves with 'timeout'.
   * Rejects when the server printed a sanitizer report.
   */
  const stop = ({ timeoutMs = 10000, keepDataDir = false } = {}) => {
    if (stopped) return stopped;
    stopped = (async () => {
      let result;
      if (!exitInfo) proc.kill('SIGTERM');
      let timer;
      const timeout = new Promise((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); });
      const r = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (r === 'timeout') {
        proc.kill('SIGKILL');
        await exited;
        result = 'timeout';
      } else {
        result = r.code ?? `signal:${r.signal}`;
      }
      await closed;
      if (ownsDataDir && !keepDataDir) await rm(dataDir, { recursive: true, force: true });
      const report = sanitizerReport(err);
      if (report) throw new Error(`sanitizer report from tessera (exit ${result}):\n${report}`);
      return result;
    })();
    return stopped;
  };

  /**
   * Sends `signal` (SIGKILL: a crash; the data dir is kept) and resolves with
   * the exit {code, signal} once the process is gone and its output drained.
   */
  const kill = async (signal = 'SIGKILL') => {
    if (!exitInfo) proc.kill(signal);
    const info = await exited;
    await closed;
    return info;
  };

  return {
    baseUrl, httpsUrl, mgmtUrl, httpPort, httpsPort, mgmtPort, dataDir, dbPath, proc, args,
    exited,
    stop,
    kill,
    stderr: () => err,
    stdout: () => out,
    logs: () => out + err,
  };
}

/**
 * Runs the binary to completion: {code, signal, stdout, stderr, timedOut}.
 * cwd defaults to a fresh temp dir (removed afterwards unless given).
 */
export async function runTessera(args, { env = {}, cwd, timeoutMs = 15000 } = {}) {
  await assertBinary();
  const ownsCwd = !cwd;
  const dir = cwd ?? (await tempDir());
  try {
    return await new Promise((resolve) => {
      const proc = spawn(binPath, args, { cwd: dir, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(proc);
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      proc.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
      proc.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
      const timer = setTimeout(() => { timedOut = true; proc.kill('SIGKILL'); }, timeoutMs);
      proc.on('close', (code, signal) => {
        clearTimeout(timer);
        children.delete(proc);
        noteSanitizerReport(`tessera ${args.join(' ')}`, stderr);
        resolve({ code, signal, stdout, stderr, timedOut });
      });
    });
  } finally {
    if (ownsCwd) await rm(dir, { recursive: true, force: true });
  }
}

/** Self-signed P-256 certificate for localhost/127.0.0.1 via the openssl CLI. */
export async function makeCert(dir) {
  const outDir = dir ?? (await tempDir('tessera-cert-'));
  const keyFile = path.join(outDir, 'key.pem');
  const certFile = path.join(outDir, 'cert.pem');
  await new Promise((resolve, reject) => {
    execFile('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], (e, _stdout, stderr) => (e ? reject(new Error(`openssl failed: ${e.message}\n${stderr}`)) : resolve()));
  });
  return { dir: outDir, keyFile, certFile, certPem: await readFile(certFile, 'utf8') };
}

/** The non-empty lines of a text. */
export const lines = (s) => s.split(/\r?\n/).filter((l) => l.trim() !== '');

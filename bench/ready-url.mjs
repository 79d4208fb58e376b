// Time from exec of a server to a URL answering 200, for any server.
// Usage: node bench/ready-url.mjs <url> <runs> <command> <args...>   (one ms figure per run)
// The child inherits the environment; it is stopped with SIGTERM after each run.
import { spawn } from 'node:child_process';
import http from 'node:http';

const [url, runsArg, command, ...args] = process.argv.slice(2);

function probe() {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

for (let i = 0; i < Number(runsArg); i++) {
  if (await probe()) { console.error(`${url} answers before the server starts`); process.exit(1); }
  const t0 = process.hrtime.bigint();
  const child = spawn(command, args, { stdio: 'ignore' });
  let exited = false;
  child.on('exit', () => { exited = true; });
  while (!(await probe())) {
    if (exited) { console.error(`${command} exited before ${url} answered`); process.exit(1); }
    await new Promise((r) => setImmediate(r));
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(ms.toFixed(1));
  child.kill('SIGTERM');
  await new Promise((r) => (exited ? r() : child.on('exit', r)));
}

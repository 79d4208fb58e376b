// Time from exec of the tessera binary to /health/ready answering 200.
// Usage: node ready-time.mjs <binary> <runs> <args...>   (prints one ms figure per run)
import { spawn } from 'node:child_process';
import http from 'node:http';

const [bin, runsArg, ...args] = process.argv.slice(2);
const port = Number(args.find((a) => a.startsWith('--http-management-port='))?.split('=')[1] ?? 9000);

function probe() {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health/ready', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

for (let i = 0; i < Number(runsArg); i++) {
  const t0 = process.hrtime.bigint();
  const child = spawn(bin, args, { stdio: 'ignore' });
  while (!(await probe())) await new Promise((r) => setImmediate(r));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(ms.toFixed(1));
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
}

// Raw argon2id hash rate of the npm argon2 package (the peer's password hashing)
// with Keycloak's default parameters (t=5, m=7168 KiB, p=1, 32-byte hash).
// Usage: node argon2-rate.mjs [seconds] [in-flight]  -> "argon2id_hashes_per_second N (in flight C)"
import os from 'node:os';
import argon2 from 'argon2';

const seconds = Number(process.argv[2] ?? 5);
const inFlight = Number(process.argv[3] ?? os.availableParallelism());
const options = { type: argon2.argon2id, timeCost: 5, memoryCost: 7168, parallelism: 1, hashLength: 32 };
let done = 0;
const t0 = Date.now();
const until = t0 + seconds * 1000;
await Promise.all(Array.from({ length: inFlight }, async () => {
  while (Date.now() < until) { await argon2.hash('benchmark-password', options); done++; }
}));
console.log(`argon2id_hashes_per_second ${(done / ((Date.now() - t0) / 1000)).toFixed(1)} (in flight ${inFlight})`);

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * `engines` promises the Node LTS lines beside this machine's Node 20; this proves them in
 * `npm test`, so CI (which runs exactly the README's test command) proves them too. Each line's
 * Node comes from the npm registry with its headers (scripts/test-on-node.sh), better-sqlite3 is
 * built for it by a fresh `npm ci`, and a smoke set runs on it: start-up and /healthz, the feeds,
 * a sign-up confirmed by mail, and the delivery worker against a real SMTP server. The whole
 * core set is `bash scripts/test-on-node.sh MAJOR` with no test names.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LINES = ['22', '24', '26'];
const SMOKE = [
  'test/http/health.test.ts',
  'test/feeds/feeds.routes.test.ts',
  'test/http/subscription-flow.test.ts',
  'test/mail/delivery-worker.test.ts',
];

function run(major: string, work: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/test-on-node.sh', major, ...SMOKE], {
      cwd: ROOT,
      // Without the runner's NODE_TEST_CONTEXT: a `node --test` started under it runs no file.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), GAZETTE_NODE_WORK: work },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the other Node LTS lines', () => {
  for (const major of LINES)
    it(`Node ${major}: npm ci builds better-sqlite3 for it, and the smoke set passes`, { timeout: 45 * 60_000 }, async () => {
      const work = mkdtempSync(path.join(tmpdir(), `gazette-node-${major}-`));
      try {
        const { code, output } = await run(major, work);
        const tail = output.split('\n').slice(-40).join('\n');
        assert.match(output, new RegExp(`== v${major}\\.\\d+\\.\\d+: npm ci`), `Node ${major} was installed and ran npm ci\n${tail}`);
        assert.equal(code, 0, `scripts/test-on-node.sh ${major} failed\n${tail}`);
        // TAP (`# pass 4`) on Node 20 and 22, the spec reporter (`ℹ pass 4`) on newer lines.
        const passed = Number(/^(?:#|ℹ) pass (\d+)$/m.exec(output)?.[1] ?? 0);
        assert.ok(passed >= SMOKE.length, `tests passed on Node ${major}: ${passed}\n${tail}`);
        assert.match(output, /^(?:#|ℹ) fail 0$/m);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real small filesystem for a test: a tmpfs of `sizeKb` mounted on a fresh directory (read-only
 * if asked), whose path is returned; unmounted and removed when the test ends. Needs root, as the test setup runs (scripts/ensure-services.sh
 * runs as root too); without it mount fails and so does the test, loudly: a full disk or a
 * read-only volume cannot be imitated by chmod when the tests run as root.
 */
export function mountTmpfs(t: { after(fn: () => void): void }, options: { sizeKb: number; readOnly?: boolean }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-mount-'));
  const flags = [`size=${options.sizeKb}k`, ...(options.readOnly ? ['ro'] : [])];
  execFileSync('mount', ['-t', 'tmpfs', '-o', flags.join(','), 'gazette-test', dir]);
  // Lazy: a file still open at the end of the test (a store not yet closed) must not keep the mount.
  t.after(() => {
    execFileSync('umount', ['-l', dir]);
    rmdirSync(dir);
  });
  return dir;
}

/** Gives a mounted tmpfs a new size (the disk "freed" or "filled"). */
export function resizeTmpfs(dir: string, sizeKb: number): void {
  execFileSync('mount', ['-o', `remount,size=${sizeKb}k`, dir]);
}

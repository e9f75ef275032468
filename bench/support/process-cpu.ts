import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux for every architecture it ships). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, µs) used so far by process `pid` and its direct children (nginx's
 * master and its worker), from /proc. On a loaded machine CPU per request says more than
 * requests per second: waiting for a core is not counted.
 */
export function processCpuMicros(pid: number): number {
  return [pid, ...childrenOf(pid)].reduce((sum, p) => sum + ticksOf(p), 0) * (1_000_000 / TICKS_PER_SECOND);
}

function ticksOf(pid: number): number {
  try {
    // Fields after the command (which may hold spaces) start at state; utime and stime are the 12th and 13th after it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0; // gone
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

// Linux /proc readings for tests and benchmarks: process trees, command lines, CPU time, memory.
import { readdirSync, readFileSync } from 'node:fs';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process is gone
  }
}

/** Direct children of a process (all its threads' children). */
export function childPids(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    const text = read(`/proc/${pid}/task/${tid}/children`);
    if (text) for (const p of text.trim().split(/\s+/)) if (p) out.push(Number(p));
  }
  return out;
}

/** The process and all its descendants. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...childPids(out[i]));
  return out;
}

/** argv of a process, or null once it is gone. */
export function cmdline(pid: number): string[] | null {
  const text = read(`/proc/${pid}/cmdline`);
  return text === null ? null : text.split('\0').filter(Boolean);
}

export function isAlive(pid: number): boolean {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return false;
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'; // a zombie has exited
}

/** Direct children running `name` (e.g. 'ffmpeg'), with their argv. */
export function childrenNamed(pid: number, name: string): { pid: number; argv: string[] }[] {
  return childPids(pid).flatMap((child) => {
    const argv = cmdline(child);
    return argv && argv[0] && argv[0].split('/').pop() === name ? [{ pid: child, argv }] : [];
  });
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds a process has used (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * CPU seconds of a process tree: the process, its children it already reaped (cutime/cstime), and
 * its live descendants. Differences of two readings stay right when children exit in between.
 */
export function treeCpuSeconds(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const reaped = (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
  return processTree(pid).reduce((sum, p) => sum + cpuSeconds(p), reaped);
}

/** Resident memory of a process in bytes (0 once it is gone). */
export function rssBytes(pid: number): number {
  const status = read(`/proc/${pid}/status`);
  const m = status && /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Open file descriptors of a process (0 once it is gone). */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

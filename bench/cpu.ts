// CPU time of a process, from /proc/<pid>/stat (Linux): utime + stime of all its threads (the kernel sums a thread
// group's threads for the leader's stat file), in clock ticks of `getconf CLK_TCK` (100 Hz here: 10 ms resolution,
// so a measurement needs enough queries that the ticks run into the hundreds). The same reading for every serving
// process (gateway, Medplum peer, direct client), the upstream and, through process.cpuUsage(), the load generator.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second (`getconf CLK_TCK`); 100 when getconf is missing. */
export const CLK_TCK: number = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of the process in clock ticks; undefined when /proc has no such process. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm)": the comm may contain spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

export const ticksToMs = (ticks: number) => (ticks * 1000) / CLK_TCK;

/** This process's own CPU (user + system) in ms, µs resolution. */
export const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

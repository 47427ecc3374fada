// The local launcher: each run of a sweep is a child `babyssa` process of the same CLI entry (and loader,
// under tsx) as this one, its output on this terminal.
import { spawn, type ChildProcess } from 'node:child_process';
import type { RunLauncher } from './run.js';

/** Starts runs as child processes; `children` holds the live ones, so a signal can be passed on to them. */
export function childLauncher(children: Set<ChildProcess>): RunLauncher {
  return (argv) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...argv], {
        stdio: 'inherit',
      });
      children.add(child);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        children.delete(child);
        resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 2));
      });
    });
}

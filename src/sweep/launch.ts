// The local launcher: each unit of a sweep is a child `babyssa` process of the same CLI entry (and loader,
// under tsx) as this one, its output on this terminal.
import { spawn, type ChildProcess } from 'node:child_process';
import type { RunLauncher } from './run.js';

/**
 * Starts units as child processes; `children` holds the live ones, so a signal can be passed on to them; `env`
 * adds a slot's environment (its GPU pin: sweep --gpus, a Slurm task).
 */
export function childLauncher(children: Set<ChildProcess>, env?: (slot: number) => Record<string, string>): RunLauncher {
  return (argv, slot) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...argv], {
        stdio: 'inherit',
        env: env ? { ...process.env, ...env(slot) } : process.env,
      });
      children.add(child);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        children.delete(child);
        resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 2));
      });
    });
}

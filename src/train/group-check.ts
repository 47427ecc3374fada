// What makes K runs one group: they differ only in attention settings, seed and run folder; they share one
// tokenizer; they are at one step; and a resumed group has the members it was saved with. Each failure is one
// line naming the runs.
import { basename, relative, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { TrainConfig } from '../config/schema.js';
import { listCheckpointSteps } from '../io/checkpoint.js';
import type { RunStart } from './setup.js';
import { readStopRecord } from './stop-record.js';

/** Keys that may differ between members: what makes each run its own (resume is decided per member). */
const PER_MEMBER_KEYS = new Set<keyof TrainConfig>(['attention', 'ssaN', 'ssaNTrainable', 'ssaB', 'ssaBTrainable', 'ssaGranularity', 'seed', 'out', 'resume']);

const show = (value: unknown) => JSON.stringify(value);

/** Fails unless the configs can train in lockstep: distinct folders, every shared setting equal. */
export function checkGroupConfigs(configs: readonly TrainConfig[], runDirs: readonly string[]): void {
  const seen = new Map<string, number>();
  runDirs.forEach((dir, i) => {
    if (seen.has(dir)) throw new UserError(`run folder ${dir} is named twice in one group`);
    seen.set(dir, i);
  });
  const [first] = configs;
  for (const [i, config] of configs.entries()) {
    for (const key of Object.keys(first) as (keyof TrainConfig)[]) {
      if (PER_MEMBER_KEYS.has(key) || show(config[key]) === show(first[key])) continue;
      throw new UserError(
        `the runs of a group share every setting but attention, seed and --out: ${basename(runDirs[i])} has ${key}=${show(config[key])}, ` +
          `${basename(runDirs[0])} ${key}=${show(first[key])}`,
      );
    }
  }
}

/** Members recorded in a checkpoint's trainer state, as absolute run folders (a run trained alone: itself). */
function recordedGroup(start: RunStart): string[] {
  return (start.resumed?.trainer.group ?? ['.']).map((path) => resolve(start.runDir, path));
}

/** Whether a run folder left out of its group could still train at `step`: its latest checkpoint is there and it has not stopped. */
async function couldResumeAt(runDir: string, step: number): Promise<boolean> {
  const steps = await listCheckpointSteps(runDir);
  return steps[steps.length - 1] === step && (await readStopRecord(runDir)) === null;
}

/** Fails unless the prepared members share a tokenizer, stand at one step, and resume with the members they were saved with. */
export async function checkGroupStarts(starts: readonly RunStart[]): Promise<void> {
  const name = (dir: string) => basename(dir);
  const [first] = starts;
  for (const start of starts) {
    if (start.tokenizerHash !== first.tokenizerHash) {
      throw new UserError(`the runs of a group share one tokenizer: ${name(start.runDir)} has ${start.tokenizerPath}, ${name(first.runDir)} ${first.tokenizerPath}, which differ`);
    }
  }
  const stepOf = (start: RunStart) => start.resumed?.step ?? 0;
  if (starts.some((start) => stepOf(start) !== stepOf(first))) {
    throw new UserError(`the runs of a group must be at one step: ${starts.map((s) => `${name(s.runDir)} at ${stepOf(s)}`).join(', ')}`);
  }
  if (!first.resumed) return;
  const present = new Set(starts.map((s) => s.runDir));
  for (const start of starts) {
    const recorded = recordedGroup(start);
    const saved = `${name(start.runDir)} was saved at step ${stepOf(start)} with ${recorded.map(name).join(', ')}`;
    const extra = [...present].filter((dir) => !recorded.includes(dir));
    if (extra.length > 0) throw new UserError(`${saved}; ${extra.map(name).join(', ')} ${extra.length > 1 ? 'were' : 'was'} not in that group: resume a group with its own members`);
    for (const dir of recorded) {
      if (!present.has(dir) && (await couldResumeAt(dir, stepOf(start)))) {
        throw new UserError(`${saved}; ${name(dir)} is missing (it is still at that step): resume a group with all its members`);
      }
    }
  }
}

/** The trainer-state record of the group, from one member's folder. */
export function groupRecord(runDir: string, members: readonly string[]): string[] {
  return members.map((dir) => relative(runDir, dir) || '.');
}

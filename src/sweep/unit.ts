// One unit of a sweep, run in this process (`babyssa sweep-unit <sweep-dir> <index>`): its runs, read from
// sweep.json, trained as one group through the one training loop, each into its own run folder. The same
// command line serves every attempt: each run resumes from its latest checkpoint or starts, runs already done or
// stopped on a NaN are left alone, and a final probe that is missing (the unit was killed while probing) is made
// up from the final checkpoint, all K in one pass. Runs at different steps (one left behind by an error of its
// own) train as separate groups, lowest step first.
import { basename, join } from 'node:path';
import type { TrainConfig } from '../config/schema.js';
import { UserError } from '../core/errors.js';
import { createGroupEngine } from '../engine/group.js';
import { listCheckpointSteps, loadCheckpoint, stepDirName } from '../io/checkpoint.js';
import { hasProbeResults, resultsDirForRun } from '../probe/output.js';
import { DEFAULT_PROBE_OPTIONS, probeModels } from '../probe/run.js';
import { groupScorer } from '../probe/score.js';
import { readSuite } from '../probe/suite.js';
import { loadTokenizer } from '../tokenizer/load.js';
import { pretrainGroup, type MemberOutcome } from '../train/loop.js';
import { probeHookFor } from '../train/probe-hook.js';
import { readStopRecord, type StopRecord } from '../train/stop-record.js';
import { readManifest, type SweepRun } from './manifest.js';

/** Turns a run's recorded `pretrain` argv (with --resume when continuing) into its TrainConfig, as `pretrain` would. */
export type ConfigOf = (argv: string[]) => TrainConfig;

export interface UnitOutcome {
  /** Runs that stopped alone (NaN, or an error of their own), with their stop records. */
  stopped: { id: string; stop: StopRecord }[];
  /** True when a signal or --max-minutes cut the unit short (every active run saved). */
  interrupted: boolean;
}

interface Member {
  run: SweepRun;
  config: TrainConfig;
  /** Highest complete checkpoint, or null. */
  step: number | null;
}

async function memberOf(run: SweepRun, configOf: ConfigOf): Promise<Member & { state: 'train' | 'probe' | 'settled' }> {
  const steps = await listCheckpointSteps(run.out);
  const step = steps.length > 0 ? steps[steps.length - 1] : null;
  const config = configOf(step !== null ? [...run.argv, '--resume'] : run.argv);
  const stop = await readStopRecord(run.out);
  if (stop?.reason === 'non-finite') return { run, config, step, state: 'settled' };
  if (step === null || step < config.steps) return { run, config, step, state: 'train' };
  return { run, config, step, state: 'probe' };
}

/** Probes the final checkpoints of runs whose final probe is missing, as one group, into their results folders. */
async function probeFinalCheckpoints(members: Member[]): Promise<void> {
  const checkpoints = await Promise.all(members.map((m) => loadCheckpoint(join(m.run.out, stepDirName(m.step!)))));
  const [{ config }] = members;
  const suite = await readSuite(config.probeSuite);
  const tokenizer = await loadTokenizer(checkpoints[0].tokenizerPath);
  const engine = await createGroupEngine({
    configs: checkpoints.map((c) => c.modelConfig), weights: checkpoints.map((c) => c.weights), engine: config.engine, backend: config.backend,
  });
  try {
    const targets = checkpoints.map((c, i) => ({
      engine: engine.member(i), model: { checkpoint: c.dir, run: c.run, step: c.step },
      outDir: join(resultsDirForRun(c.runDir), stepDirName(c.step), suite.name),
    }));
    const results = await probeModels(groupScorer(engine, targets.map((_, i) => i)), targets, tokenizer, suite, DEFAULT_PROBE_OPTIONS);
    const failed = results.find((r): r is Error => r instanceof Error);
    if (failed) throw failed;
  } finally {
    engine.dispose();
  }
}

export async function runUnit(dir: string, index: number, configOf: ConfigOf, log: (line: string) => void): Promise<UnitOutcome> {
  const manifest = await readManifest(dir);
  if (!manifest) throw new UserError(`no sweep.json in ${dir}: run \`babyssa sweep\` first`);
  const unit = manifest.units[index];
  if (!Number.isInteger(index) || !unit) throw new UserError(`${dir} has units 0 … ${manifest.units.length - 1}, not ${index}`);
  const runs = unit.runs.map((id) => manifest.runs.find((r) => r.id === id)!);
  const members = await Promise.all(runs.map((run) => memberOf(run, configOf)));
  const finalProbe = manifest.final_probe;

  const outcome: UnitOutcome = { stopped: [], interrupted: false };
  const byStep = new Map<number, Member[]>();
  for (const member of members.filter((m) => m.state === 'train')) byStep.set(member.step ?? 0, [...(byStep.get(member.step ?? 0) ?? []), member]);
  for (const step of [...byStep.keys()].sort((a, b) => a - b)) {
    const group = byStep.get(step)!;
    const [first] = group;
    const probe = finalProbe || first.config.probeEvery > 0 ? probeHookFor(first.config) : undefined;
    log(`unit ${index}: ${group.map((m) => basename(m.run.out)).join(', ')} ${step > 0 ? `from step ${step}` : 'from the start'}`);
    const argv = group.map((m) => (m.step !== null ? [...m.run.argv, '--resume'] : m.run.argv));
    const { members: trained } = await pretrainGroup(group.map((m) => m.config), { argv, probe });
    trained.forEach((result: MemberOutcome, i) => {
      if (result.stop) outcome.stopped.push({ id: group[i].run.id, stop: result.stop });
      if (result.stoppedBy === 'interrupt' || result.stoppedBy === 'time') outcome.interrupted = true;
    });
    if (outcome.interrupted) return outcome;
  }
  if (finalProbe) {
    const unprobed = [];
    for (const member of members.filter((m) => m.state === 'probe')) if (!(await hasProbeResults(member.run.out, member.step!))) unprobed.push(member);
    if (unprobed.length > 0) {
      log(`unit ${index}: probing the final checkpoints of ${unprobed.map((m) => basename(m.run.out)).join(', ')}`);
      await probeFinalCheckpoints(unprobed);
    }
  }
  return outcome;
}

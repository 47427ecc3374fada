// The pretraining loop, for a group of K runs trained in lockstep through one GroupEngine (a lone `pretrain` is
// a group of one: the same code). Every step: each active member draws its own batch (its dropout key is a function
// of its seed and the step, NOTICES.md contract 2), one engine
// call trains them all, each member records its own loss, metrics and divergence; checkpoints and probes at the
// shared intervals; clean stops (SIGINT, SIGTERM, --max-minutes) save every active member. A member whose loss
// or weights become non-finite, or that meets an error of its own, stops alone (stopped.json) and the rest go on.
// One step stays in flight: step N+1 is submitted before step N's losses are awaited, so the engine never idles
// while JavaScript reads a loss. Batches are still drawn in step order, and the loop drains (submits
// nothing ahead) at every step it saves, probes or is told to stop after, so checkpoints see exactly their step.
import { resolve, join } from 'node:path';
import { defaultRunName } from '../config/resolve.js';
import type { TrainConfig } from '../config/schema.js';
import { createGroupEngine } from '../engine/group.js';
import type { GroupEngine, StepResult } from '../engine/types.js';
import { stepDirName } from '../io/checkpoint.js';
import { countParameters } from '../model/params.js';
import { checkGroupConfigs, checkGroupStarts, groupRecord } from './group-check.js';
import { MemberRun } from './member.js';
import { TrainingProgress } from './progress.js';
import { learningRate } from './schedule.js';
import { prepareRun, type EncodingCache, type RunStart } from './setup.js';
import type { StopRecord } from './stop-record.js';

export type StopCause = 'done' | 'interrupt' | 'time' | 'stopped';

export interface MemberOutcome {
  runDir: string;
  /** Last step trained (for a stopped member, its last finite step). */
  step: number;
  /** Mean loss of the first and last metrics intervals of this invocation. */
  firstLoss: number;
  lastMeanLoss: number;
  /** Loss of the very last step. */
  lastLoss: number;
  /** The newest checkpoint, or null when a member stopped before any was saved. */
  checkpointDir: string | null;
  stoppedBy: StopCause;
  /** Why the member stopped alone (stoppedBy 'stopped'), as written to its stopped.json. */
  stop: StopRecord | null;
  failure?: Error;
  /** First step the divergence watch flagged, or null. */
  divergedAt: number | null;
}

export interface EngineFacts {
  kind: string;
  backend: string;
  adapter?: string;
}

export interface PretrainResult extends MemberOutcome {
  checkpointDir: string;
  stoppedBy: Exclude<StopCause, 'stopped'>;
  engine: EngineFacts;
}

/** A member to probe: its index in the group and its run. */
export interface ProbeMember {
  index: number;
  start: RunStart;
}

/** Probing during training: every `probeEvery` steps and after the last step; per member, the error that spoiled its probe. */
export type ProbeHook = (step: number, engine: GroupEngine, members: ProbeMember[]) => Promise<(Error | undefined)[]>;

export interface GroupOptions {
  /** Per member, the command line recorded in its argv.txt. */
  argv: string[][];
  probe?: ProbeHook;
  /** Stop as an interrupt would after this step (tests of resume use it). */
  interruptAfterStep?: number;
}

export interface PretrainOptions extends Omit<GroupOptions, 'argv'> {
  argv: string[];
}

/** A submitted step whose results are not read yet; entries are per member, null for members that sat it out. */
interface InFlightStep {
  number: number;
  lr: number;
  tokens: (number | null)[];
  result: Promise<(StepResult | null)[]>;
}

const log = (line: string) => process.stderr.write(`babyssa: ${line}\n`);

export function runDirOf(config: TrainConfig): string {
  return resolve(config.out || join('checkpoints', defaultRunName(config)));
}

/** Trains one run: a group of one. Its own failure is thrown (a NaN as one line naming the last good checkpoint). */
export async function pretrain(config: TrainConfig, options: PretrainOptions): Promise<PretrainResult> {
  const { members, engine } = await pretrainGroup([config], { ...options, argv: [options.argv] });
  const [member] = members;
  if (member.failure || member.stoppedBy === 'stopped' || member.checkpointDir === null) throw member.failure ?? new Error('run stopped without a reason');
  return { ...member, checkpointDir: member.checkpointDir, stoppedBy: member.stoppedBy, engine };
}

/** Trains K runs of one shape in lockstep, each into its own run folder; resolves when every member has stopped. */
export async function pretrainGroup(configs: TrainConfig[], options: GroupOptions): Promise<{ members: MemberOutcome[]; engine: EngineFacts }> {
  checkGroupConfigs(configs, configs.map(runDirOf));
  const encodings: EncodingCache = new Map();
  const starts: RunStart[] = [];
  try {
    for (const config of configs) starts.push(await prepareRun(config, { log, encodings }));
    await checkGroupStarts(starts);
    return await trainGroup(configs, starts, options);
  } finally {
    await Promise.all(starts.map((start) => start.lock.release()));
  }
}

async function trainGroup(configs: TrainConfig[], starts: RunStart[], options: GroupOptions): Promise<{ members: MemberOutcome[]; engine: EngineFacts }> {
  const { probe } = options;
  const config = configs[0]; // the settings every member shares: schedule, intervals, engine
  const members = starts.map((start, i) => new MemberRun(configs[i], start, log));
  const optimizer = {
    beta1: config.beta1, beta2: config.beta2, eps: config.eps, weightDecay: config.weightDecay,
    biasCorrection: config.biasCorrection, clipNorm: config.clipNorm,
  };
  const engine = await createGroupEngine({
    configs: starts.map((s) => s.modelConfig), engine: config.engine, backend: config.backend, optimizer, weights: members.map((m) => m.initialWeights()),
  });
  const facts: EngineFacts = { kind: engine.kind, backend: engine.backend, adapter: engine.adapterName };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupted) log(`${signal}: saving every run after the step in progress, then stopping (continue with --resume)`);
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let progress: TrainingProgress | undefined;
  let next: InFlightStep | undefined;
  try {
    for (const [i, member] of members.entries()) {
      if (member.start.resumed) await engine.member(i).loadOptimizerState(member.start.resumed.optimizer);
    }
    for (const [i, member] of members.entries()) await member.begin(options.argv[i]);
    const began = performance.now();
    for (const member of members) member.began = began;
    const grouped = members.length > 1;
    const active = () => members.filter((m) => m.active);
    /** Runs one member's own work; its failure stops it alone. */
    const guard = async (member: MemberRun, work: () => Promise<void>): Promise<void> => {
      try {
        await work();
      } catch (error) {
        await member.fail(error, member.step);
      }
      if (!member.active && grouped) log(`${member.name} stopped alone at step ${member.stop!.step}: ${member.stop!.message}`);
    };
    const saveAll = async () => {
      const runDirs = active().map((m) => m.runDir);
      for (const [i, member] of members.entries()) {
        if (member.active) await guard(member, () => member.save(engine.member(i), grouped ? groupRecord(member.runDir, runDirs) : undefined));
      }
    };
    const probeAll = async (at: number) => {
      const targets = members.flatMap((member, index) => (member.active ? [{ index, member }] : []));
      if (!probe || targets.length === 0) return;
      const errors = await probe(at, engine, targets.map(({ index, member }) => ({ index, start: member.start }))).catch((error: unknown) => targets.map(() => error as Error));
      for (const [t, { member }] of targets.entries()) if (errors[t]) await guard(member, () => Promise.reject(errors[t]));
    };

    let step = members[0].step;
    progress = new TrainingProgress(config.steps, step, {
      params: countParameters(starts[0].modelConfig), backend: engine.backend, adapter: engine.adapterName, runDirs: starts.map((s) => s.runDir),
      sequences: starts[0].corpusStats.kept, passLength: members[0].stream.passLength,
    });
    let stoppedBy: Exclude<StopCause, 'stopped'> = 'done';
    const timeUp = () => config.maxMinutes > 0 && (performance.now() - began) / 60_000 >= config.maxMinutes;
    const saveAt = (n: number) => config.saveEvery > 0 && n % config.saveEvery === 0 && n < config.steps;
    const probeAt = (n: number) => probe !== undefined && config.probeEvery > 0 && n % config.probeEvery === 0 && n < config.steps;
    /** Whether nothing may be submitted after step n until it is finished: the loop ends, saves, probes or stops there. */
    const drainsAfter = (n: number) => n >= config.steps || n === options.interruptAfterStep || saveAt(n) || probeAt(n) || interrupted || timeUp();

    let submitted = step;
    /** Draws step `submitted + 1`'s batches (member order) and hands them to the engine in one call. */
    const submit = (): InFlightStep => {
      const number = ++submitted;
      const lr = learningRate(number, config.lr, config.warmupSteps, config.steps);
      const drawn = members.map((m) => (m.active ? m.draw(number, lr) : null));
      const result = engine.trainStep(drawn.map((d) => d?.step ?? null));
      // Its failure surfaces where it is awaited; until then (or if the group stops first) it is not unhandled.
      result.catch(() => undefined);
      return { number, lr, tokens: drawn.map((d) => d?.tokens ?? null), result };
    };
    /** Reads a step's results and records them per member: NaN check, metrics, divergence, progress. */
    const finish = async (inFlight: InFlightStep): Promise<void> => {
      const results = await inFlight.result;
      step = inFlight.number;
      for (const [i, member] of members.entries()) {
        const tokens = inFlight.tokens[i];
        const result = results[i];
        // A member that stopped at the step before still had this one queued: its result is dropped.
        if (tokens === null || result === null || !member.active) continue;
        await guard(member, () => member.record(inFlight.number, inFlight.lr, tokens, result));
      }
      const losses = active().map((m) => m.lastLoss);
      const shown = losses.length === 1 ? losses[0].toFixed(4) : losses.length === 0 ? '-' : `${Math.min(...losses).toFixed(3)}–${Math.max(...losses).toFixed(3)}`;
      progress!.update(step, shown, inFlight.lr, members.reduce((sum, m) => sum + m.tokensSeen, 0));
    };

    while (step < config.steps && active().length > 0) {
      // After a drain nothing is queued: this step is submitted now.
      const current = next ?? submit();
      next = drainsAfter(current.number) ? undefined : submit();
      await finish(current);
      if (active().length === 0) break;
      const outOfTime = timeUp();
      if (interrupted || step === options.interruptAfterStep || outOfTime) {
        stoppedBy = outOfTime ? 'time' : 'interrupt';
        // A stop that arrived while the next step was already queued takes effect after that step.
        if (next) await finish(next);
        next = undefined;
        // The run resumes from the step it stops at (saved below): a probe due there would never be made up.
        if (probeAt(step)) await probeAll(step);
        break;
      }
      if (saveAt(step)) await saveAll();
      if (probeAt(step)) await probeAll(step);
    }
    for (const member of active()) await guard(member, () => member.flushMetrics());
    // Every active member was saved at the same steps: at the end, either all hold this step already or none does.
    if (active().some((m) => m.lastSaved !== join(m.runDir, stepDirName(m.step)))) await saveAll();
    if (stoppedBy === 'done') await probeAll(step);
    progress.stop();
    const outcomes = members.map((m): MemberOutcome => ({
      runDir: m.runDir, step: m.step, firstLoss: m.firstLoss, lastMeanLoss: m.lastMeanLoss, lastLoss: m.lastLoss,
      checkpointDir: m.lastSaved ?? null, stoppedBy: m.active ? stoppedBy : 'stopped', stop: m.stop, failure: m.failure, divergedAt: m.divergedAt,
    }));
    return { members: outcomes, engine: facts };
  } finally {
    // A step still queued when the run fails finishes before its buffers are freed.
    if (next) await next.result.catch(() => undefined);
    progress?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    engine.dispose();
  }
}

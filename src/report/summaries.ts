// Finds probe summaries (results/<run>/step-<N>/<suite>/summary.json) under the folders a user names and
// ties each to its run, variant and seed. The run's own config.resolved.json is the authority for seed and
// attention settings; the checkpoint's config.json and the summary's fields are fallbacks for results
// copied away from their checkpoints.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { attentionFromFields, attentionFromHf, attentionFromSummary, variantName, type AttentionConfig } from '../model/attention.js';
import { readResumeChanges } from '../train/resume-changes.js';
import { trainingHistory } from './consistency.js';

export interface ParadigmResult {
  paradigm: string;
  phenomenon?: string;
  n_pairs: number;
  accuracy: number;
}

/** The fields of a probe summary.json that comparisons read. */
export interface ProbeSummary {
  model: { checkpoint?: string | null; run?: string; step: number } & Record<string, unknown>;
  suite: { name: string; hash?: string } & Record<string, unknown>;
  scoring?: { method?: string; ties?: string } & Record<string, unknown>;
  paradigms: ParadigmResult[];
  macro_accuracy?: number;
}

export interface RunSummary {
  path: string;
  summary: ProbeSummary;
  run: string;
  /** The training run folder when it could be found (for metrics.jsonl), else null. */
  runDir: string | null;
  variant: string;
  settings: AttentionConfig;
  seed: number;
  step: number;
  suite: string;
  /** The suite's content hash (summary.suite.hash); null in summaries that lack it. */
  suiteHash: string | null;
  scoring: { method: string | null; ties: string | null };
  /** The compared training keys over the run's life (consistency.ts trainingHistory); null without config.resolved.json. */
  training: Record<string, string> | null;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

async function readJsonFile(path: string): Promise<Record<string, unknown> | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UserError(`${path} is not valid JSON`);
  }
}

export interface FoundSummary {
  path: string;
  /** Set when found through a run folder's results folder: only that run's summaries belong to it. */
  forRunDir: string | null;
}

/**
 * Where probe results of a training run folder live (src/probe/output.ts resultsDirForRun): beside it in
 * results/ (a sweep's, inside the sweep's folder), or under results/ mirroring its path below checkpoints/
 * (checkpoints/<sweep>/<run> → results/<sweep>/<run>), or results/<run> of the working directory (older runs).
 */
function resultsDirsOf(runDir: string): string[] {
  const parts = runDir.split('/');
  const at = parts.lastIndexOf('checkpoints');
  const dirs = [runDir, join(dirname(runDir), 'results', basename(runDir)), join('results', basename(runDir))];
  if (at >= 0) dirs.push([...parts.slice(0, at), 'results', ...parts.slice(at + 1)].join('/'));
  return dirs;
}

/**
 * Every summary.json below `root` (or `root` itself when it is one), plus the results of every training run
 * folder (one with config.resolved.json) found below it; sorted for a stable order.
 */
export async function findSummaryFiles(root: string): Promise<FoundSummary[]> {
  if (!(await stat(root).catch(() => null))) throw new UserError(`no such file or folder: ${root}`);
  if (!(await isDirectory(root))) return basename(root) === 'summary.json' ? [{ path: resolve(root), forRunDir: null }] : [];
  const found = new Map<string, string | null>();
  const runDirs: string[] = [];
  const walk = async (dir: string, forRunDir: string | null): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    if (forRunDir === null && entries.some((e) => e.isFile() && e.name === 'config.resolved.json')) runDirs.push(resolve(dir));
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, forRunDir);
      else if (entry.name === 'summary.json' && !found.has(resolve(path))) found.set(resolve(path), forRunDir);
    }
  };
  await walk(root, null);
  for (const runDir of runDirs) {
    for (const dir of resultsDirsOf(runDir)) if (resolve(dir) !== runDir && (await isDirectory(dir))) await walk(resolve(dir), runDir);
  }
  return [...found].map(([path, forRunDir]) => ({ path, forRunDir })).sort((a, b) => a.path.localeCompare(b.path));
}

function validateSummary(json: Record<string, unknown>, path: string): ProbeSummary {
  const model = json.model as ProbeSummary['model'] | undefined;
  const suite = json.suite as ProbeSummary['suite'] | undefined;
  const paradigms = json.paradigms as ParadigmResult[] | undefined;
  if (!model || typeof model.step !== 'number') throw new UserError(`${path}: not a probe summary (no model.step)`);
  if (!suite || typeof suite.name !== 'string') throw new UserError(`${path}: not a probe summary (no suite.name)`);
  if (!Array.isArray(paradigms) || paradigms.length === 0) throw new UserError(`${path}: not a probe summary (no paradigms)`);
  for (const p of paradigms) {
    if (typeof p.paradigm !== 'string' || typeof p.accuracy !== 'number' || !Number.isFinite(p.accuracy)) {
      throw new UserError(`${path}: a paradigm entry lacks a name or a numeric accuracy`);
    }
  }
  return json as unknown as ProbeSummary;
}

/** The training run folder of a checkpoint path (a step-N folder or the run folder itself). */
async function runDirOf(checkpoint: string | null | undefined, summaryPath: string): Promise<string | null> {
  if (!checkpoint) return null;
  for (const candidate of [resolve(checkpoint), resolve(dirname(summaryPath), checkpoint)]) {
    if (!(await isDirectory(candidate))) continue;
    return /^step-\d+$/.test(basename(candidate)) ? dirname(candidate) : candidate;
  }
  return null;
}

/**
 * …/results/<run path>/step-N/<suite>/summary.json → …/checkpoints/<run path> (the mirror) or …/<run path>
 * (results/ beside the run folders, as in a sweep), whichever is a run folder.
 */
async function runDirFromResultsPath(summaryPath: string): Promise<string | null> {
  const parts = summaryPath.split('/');
  const at = parts.lastIndexOf('results');
  const stepAt = parts.findIndex((part, i) => i > at && /^step-\d+$/.test(part));
  if (at < 0 || stepAt <= at + 1) return null;
  for (const candidate of [[...parts.slice(0, at), 'checkpoints', ...parts.slice(at + 1, stepAt)], [...parts.slice(0, at), ...parts.slice(at + 1, stepAt)]]) {
    const dir = candidate.join('/');
    if (await stat(join(dir, 'config.resolved.json')).catch(() => null)) return dir;
  }
  return null;
}

/** `runDirHint`: the run folder whose results folder held this summary, for summaries probed during training. */
export async function readRunSummary(path: string, runDirHint: string | null = null): Promise<RunSummary> {
  const json = await readJsonFile(path);
  if (!json) throw new UserError(`cannot read ${path}`);
  const summary = validateSummary(json, path);
  const runDir = (await runDirOf(summary.model.checkpoint, path)) ?? runDirHint ?? (await runDirFromResultsPath(path));
  const resolvedPath = runDir ? join(runDir, 'config.resolved.json') : null;
  const resolved = resolvedPath ? await readJsonFile(resolvedPath) : null;
  const hfPath = summary.model.checkpoint ? join(resolve(summary.model.checkpoint), 'config.json') : null;
  const hf = hfPath ? await readJsonFile(hfPath) : null;
  const settings = resolved ? attentionFromFields(resolved, resolvedPath!) : hf ? attentionFromHf(hf, hfPath!) : attentionFromSummary(summary.model);
  if (!settings) throw new UserError(`${path}: cannot tell the attention variant (no config.resolved.json beside its checkpoint and no model.attention)`);
  const run = summary.model.run ?? (runDir ? basename(runDir) : relative(process.cwd(), path));
  const seedFromName = /seed[-_]?(\d+)/.exec(run);
  const seed = typeof resolved?.seed === 'number' ? resolved.seed : seedFromName ? Number(seedFromName[1]) : undefined;
  if (seed === undefined) throw new UserError(`${path}: cannot tell the seed (no config.resolved.json and no "seed<N>" in run name "${run}")`);
  return {
    path, summary, run, runDir, settings, variant: variantName(settings), seed, step: summary.model.step, suite: summary.suite.name,
    suiteHash: summary.suite.hash ?? null,
    scoring: { method: summary.scoring?.method ?? null, ties: summary.scoring?.ties ?? null },
    training: resolved && runDir ? trainingHistory(resolved, readResumeChanges(runDir), summary.model.step) : null,
  };
}

/** All summaries under the given folders, each file once. */
export async function collectRunSummaries(roots: string[]): Promise<RunSummary[]> {
  const found = new Map<string, string | null>();
  for (const root of roots) {
    for (const { path, forRunDir } of await findSummaryFiles(root)) {
      // A summary named directly wins over the same file reached through a run folder.
      if (!found.has(path) || forRunDir === null) found.set(path, forRunDir);
    }
  }
  const summaries: RunSummary[] = [];
  for (const [path, forRunDir] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
    const summary = await readRunSummary(path, forRunDir);
    if (forRunDir === null || summary.runDir === forRunDir) summaries.push(summary);
  }
  if (summaries.length === 0) throw new UserError(`no probe summary.json found under ${roots.join(', ')}; run \`babyssa probe\` first`);
  return summaries;
}

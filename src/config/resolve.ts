// Turns defaults, the preset, a --config file and flags into one validated TrainConfig.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { UserError } from '../core/errors.js';
import { attentionFromFields, variantName } from '../model/attention.js';
import { maxSequenceLength, type ModelConfig } from '../model/config.js';
import { MODEL_PRESETS, PRESET_NAMES } from '../model/presets.js';
import { PRESET_TRAINING, trainConfigSchema, type TrainConfig } from './schema.js';

function describeIssue(error: z.ZodError, source: string): string {
  const issue = error.issues[0];
  const key = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') return `${source}: unknown config key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  return `${source}: ${key ? `"${key}" ` : ''}${issue.message}`;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`cannot read config file ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`config file ${path} is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`config file ${path} must hold a JSON object`);
  return json as Record<string, unknown>;
}

/**
 * The share of the steps a default warm-up may take: BabyBERTa warms up over 24K of its 160K steps (15%), so
 * the babyberta preset keeps exactly its 24K at 160K steps while a shorter run warms up over the same share.
 */
export const WARMUP_SHARE_PERCENT = 15;

/** A warm-up nobody asked for is shortened to the share of the steps rather than rejected as too long; says so. */
function fitDefaultWarmup(config: TrainConfig): string | undefined {
  const share = Math.floor((config.steps * WARMUP_SHARE_PERCENT) / 100);
  if (share >= config.warmupSteps) return undefined;
  const presetSteps = trainConfigSchema.parse(PRESET_TRAINING[config.preset]).steps;
  const note =
    `warm-up ${share} steps: ${WARMUP_SHARE_PERCENT}% of --steps ${config.steps} (the ${config.preset} preset's ${config.warmupSteps} suits its ` +
    `${presetSteps} steps); set --warmup-steps to choose`;
  config.warmupSteps = share;
  return note;
}

/**
 * `flags` holds only the options the user actually gave (undefined values are ignored). `resumedFrom`, the
 * run's saved config.resolved.json, sits below the file and flags so `--resume` needs no repeated flags.
 * `log` receives a line for each default that was fitted to the request (the CLI prints it on stderr).
 */
export function resolveTrainConfig(
  flags: Record<string, unknown>,
  configPath?: string,
  resumedFrom?: Record<string, unknown>,
  log: (line: string) => void = () => undefined,
): TrainConfig {
  const fromFile = configPath ? readConfigFile(configPath) : {};
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const layered = { ...resumedFrom, ...fromFile, ...given };
  const preset = layered.preset ?? 'tiny';
  if (typeof preset !== 'string' || !(PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new UserError(`unknown preset "${String(preset)}"; choose one of ${PRESET_NAMES.join(', ')}`);
  }
  const merged = { ...PRESET_TRAINING[preset as keyof typeof PRESET_TRAINING], ...layered };
  const parsed = trainConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const key = String(parsed.error.issues[0].path[0] ?? '');
    throw new UserError(describeIssue(parsed.error, configPath && key in fromFile && !(key in given) ? configPath : 'config'));
  }
  const config = parsed.data;
  const warmupNote = 'warmupSteps' in layered ? undefined : fitDefaultWarmup(config);
  if (config.warmupSteps > config.steps) {
    throw new UserError(`warmupSteps (${config.warmupSteps}) exceeds steps (${config.steps}); lower --warmup-steps`);
  }
  const longest = maxSequenceLength(modelConfigFor(config));
  if (config.maxLength > longest) {
    throw new UserError(`maxLength ${config.maxLength} exceeds the ${config.preset} model's ${longest} positions (counting <s> and </s>); lower --max-length`);
  }
  if (warmupNote) log(warmupNote);
  return config;
}

export function modelConfigFor(config: TrainConfig): ModelConfig {
  return { ...MODEL_PRESETS[config.preset], attention: attentionFromFields(config) };
}

/** `<preset>-<variant>-seed<seed>`: runs that differ in any attention setting get different folders. */
export function defaultRunName(config: TrainConfig): string {
  return `${config.preset}-${variantName(attentionFromFields(config))}-seed${config.seed}`;
}

// The attention settings: how attention logits become weights (softmax, or SSA with its exponent n and scale b),
// defined once here with one default per field, and the only code that spells them: as pretrain flags, as
// TrainConfig fields (config.resolved.json), as HF config.json fields, as variant names and in probe summaries.
// A variant's name is how sweeps are asked for (`--attention softmax,ssa-1.5,ssa-2,ssa-trainable`) and how
// comparisons label groups of seeds, so parsing a name and naming a setting are inverse functions.
import { UserError } from '../core/errors.js';
import { ssaValueProblem } from './ssa-bounds.js';

export const ATTENTION_SCORINGS = ['softmax', 'ssa'] as const;
export type AttentionScoring = (typeof ATTENTION_SCORINGS)[number];
export const SSA_GRANULARITIES = ['layer', 'head'] as const;
export type SsaGranularity = (typeof SSA_GRANULARITIES)[number];

/** How attention logits become weights. Softmax ignores the ssa* fields. */
export interface AttentionConfig {
  scoring: AttentionScoring;
  /** SSA exponent n (≥ 1); 1.5 and 2 are the paper's SSA-1.5 / SSA-2. */
  ssaN: number;
  ssaNTrainable: boolean;
  /** SSA base scale b (> 0). */
  ssaB: number;
  ssaBTrainable: boolean;
  /** One (n, b) pair per layer shared by its heads, or one per head. */
  ssaGranularity: SsaGranularity;
}

/** The one default of every field; every reader of every spelling fills a missing field from here. */
export const DEFAULT_ATTENTION: Readonly<AttentionConfig> = {
  // softmax is the baseline; ssa is the paper's Scaled Signed Averaging.
  scoring: 'softmax',
  // n = 1.5: the paper's best setting on three of the four paradigms (SSA-1.5).
  ssaN: 1.5,
  // fixed n reproduces SSA-1.5 / SSA-2; trainable n is the paper's learnable variant.
  ssaNTrainable: false,
  // b = 0.8: as fixed in the authors' code.
  ssaB: 0.8,
  ssaBTrainable: false,
  // one (n, b) per layer shared by its heads, as in the authors' code.
  ssaGranularity: 'layer',
};

type Kind = 'number' | 'string' | 'boolean';

/** A field of a JSON object: its default when absent, else a value of the kind and (for strings) one of `choices`. */
function read<T>(json: Record<string, unknown>, key: string, kind: Kind, fallback: T, source: string, choices?: readonly string[]): T {
  const value = json[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== kind) throw new UserError(`${source}: field "${key}" must be a ${kind}, not ${JSON.stringify(value)}`);
  if (choices && !choices.includes(value as string)) throw new UserError(`${source}: field "${key}" must be ${choices.join(' or ')}, not "${value}"`);
  return value as T;
}

// TrainConfig and config.resolved.json: flat fields beside the other training settings.

/** The settings as TrainConfig spells them. */
export interface AttentionFields {
  attention: AttentionScoring;
  ssaN: number;
  ssaNTrainable: boolean;
  ssaB: number;
  ssaBTrainable: boolean;
  ssaGranularity: SsaGranularity;
}

/** TrainConfig's attention keys, each with the pretrain flag that sets it (yargs turns `--ssa-n` into `ssaN`). */
const FLAGS: Record<keyof AttentionFields, string> = {
  attention: 'attention', ssaN: 'ssa-n', ssaNTrainable: 'ssa-n-trainable', ssaB: 'ssa-b', ssaBTrainable: 'ssa-b-trainable',
  ssaGranularity: 'ssa-granularity',
};
export const ATTENTION_FIELDS = Object.keys(FLAGS) as (keyof AttentionFields)[];

export function attentionFields(settings: AttentionConfig): AttentionFields {
  const { scoring, ssaN, ssaNTrainable, ssaB, ssaBTrainable, ssaGranularity } = settings;
  return { attention: scoring, ssaN, ssaNTrainable, ssaB, ssaBTrainable, ssaGranularity };
}

/** From a TrainConfig, or a config.resolved.json as read; `source` names the file in errors. */
export function attentionFromFields(fields: Record<string, unknown>, source = 'config'): AttentionConfig {
  const d = DEFAULT_ATTENTION;
  return checked({
    scoring: read(fields, 'attention', 'string', d.scoring, source, ATTENTION_SCORINGS),
    ssaN: read(fields, 'ssaN', 'number', d.ssaN, source),
    ssaNTrainable: read(fields, 'ssaNTrainable', 'boolean', d.ssaNTrainable, source),
    ssaB: read(fields, 'ssaB', 'number', d.ssaB, source),
    ssaBTrainable: read(fields, 'ssaBTrainable', 'boolean', d.ssaBTrainable, source),
    ssaGranularity: read(fields, 'ssaGranularity', 'string', d.ssaGranularity, source, SSA_GRANULARITIES),
  }, source, { n: 'ssaN', b: 'ssaB' });
}

// Pretrain flags.

/** The yargs options of `babyssa pretrain` that set the attention (sweeps set them per variant). */
export const ATTENTION_OPTIONS = {
  [FLAGS.attention]: { type: 'string', describe: 'attention scoring: softmax | ssa' },
  [FLAGS.ssaN]: { type: 'number', describe: 'SSA exponent n (≥ 1), e.g. 1.5 or 2' },
  [FLAGS.ssaNTrainable]: { type: 'boolean', describe: 'learn n' },
  [FLAGS.ssaB]: { type: 'number', describe: 'SSA scale b (> 0)' },
  [FLAGS.ssaBTrainable]: { type: 'boolean', describe: 'learn b' },
  [FLAGS.ssaGranularity]: { type: 'string', describe: 'one (n, b) per layer or per head: layer | head' },
} as const satisfies Record<string, { type: 'string' | 'number' | 'boolean'; describe: string }>;

/**
 * The pretrain flags that select exactly these settings. SSA booleans are spelled either way (`--no-ssa-n-trainable`),
 * so a `--config` file cannot turn them; softmax ignores the SSA fields and gets `--attention softmax` alone.
 */
export function attentionFlags(settings: AttentionConfig): string[] {
  if (settings.scoring === 'softmax') return [`--${FLAGS.attention}`, 'softmax'];
  const flag = (key: 'ssaNTrainable' | 'ssaBTrainable') => (settings[key] ? `--${FLAGS[key]}` : `--no-${FLAGS[key]}`);
  return [
    `--${FLAGS.attention}`, 'ssa',
    `--${FLAGS.ssaN}`, String(settings.ssaN), flag('ssaNTrainable'),
    `--${FLAGS.ssaB}`, String(settings.ssaB), flag('ssaBTrainable'),
    `--${FLAGS.ssaGranularity}`, settings.ssaGranularity,
  ];
}

// HF config.json: our fields beside HF's own keys (transformers keeps unknown keys and ignores them).

export function hfAttentionFields(settings: AttentionConfig): Record<string, unknown> {
  return {
    attention_scoring: settings.scoring,
    ssa_n: settings.ssaN,
    ssa_b: settings.ssaB,
    ssa_n_trainable: settings.ssaNTrainable,
    ssa_b_trainable: settings.ssaBTrainable,
    ssa_granularity: settings.ssaGranularity,
  };
}

/** SSA settings outside SSA's domain (n ≥ 1, b > 0) are refused, naming the field as `source` spells it. */
function checked(settings: AttentionConfig, source: string, keys: { n: string; b: string }): AttentionConfig {
  if (settings.scoring !== 'ssa') return settings;
  for (const [which, value] of [['n', settings.ssaN], ['b', settings.ssaB]] as const) {
    const problem = ssaValueProblem(which, value);
    if (problem) throw new UserError(`${source}: config field "${keys[which]}": ${problem}`);
  }
  return settings;
}

/** From an HF config.json; a field it lacks (a plain RoBERTa has none) takes the one default. */
export function attentionFromHf(json: Record<string, unknown>, source: string): AttentionConfig {
  const d = DEFAULT_ATTENTION;
  return checked({
    scoring: read(json, 'attention_scoring', 'string', d.scoring, source, ATTENTION_SCORINGS),
    ssaN: read(json, 'ssa_n', 'number', d.ssaN, source),
    ssaNTrainable: read(json, 'ssa_n_trainable', 'boolean', d.ssaNTrainable, source),
    ssaB: read(json, 'ssa_b', 'number', d.ssaB, source),
    ssaBTrainable: read(json, 'ssa_b_trainable', 'boolean', d.ssaBTrainable, source),
    ssaGranularity: read(json, 'ssa_granularity', 'string', d.ssaGranularity, source, SSA_GRANULARITIES),
  }, source, { n: 'ssa_n', b: 'ssa_b' });
}

// Variant names.

export const VARIANT_GRAMMAR =
  'softmax | ssa-<n> | ssa-trainable[-n<init>], each SSA name optionally followed by -b<b>, -btrainable, -head';

/** Softmax ignores every SSA field, so all softmax settings are one variant; a name mentions only what differs from the defaults. */
export function variantName(settings: AttentionConfig): string {
  if (settings.scoring === 'softmax') return 'softmax';
  const d = DEFAULT_ATTENTION;
  let name = settings.ssaNTrainable ? `ssa-trainable${settings.ssaN !== d.ssaN ? `-n${settings.ssaN}` : ''}` : `ssa-${settings.ssaN}`;
  if (settings.ssaB !== d.ssaB) name += `-b${settings.ssaB}`;
  if (settings.ssaBTrainable) name += '-btrainable';
  if (settings.ssaGranularity === 'head') name += '-head';
  return name;
}

function parseNumber(text: string, what: string, name: string): number {
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) throw new UserError(`variant "${name}": ${what} "${text}" is not a number (${VARIANT_GRAMMAR})`);
  return value;
}

export function parseVariant(name: string): AttentionConfig {
  const settings: AttentionConfig = { ...DEFAULT_ATTENTION };
  if (name === 'softmax') return settings;
  const parts = name.split('-');
  if (parts[0] !== 'ssa' || parts.length < 2) throw new UserError(`unknown variant "${name}"; use ${VARIANT_GRAMMAR}`);
  settings.scoring = 'ssa';
  let rest = parts.slice(2);
  if (parts[1] === 'trainable') {
    settings.ssaNTrainable = true;
    if (rest[0]?.startsWith('n')) {
      settings.ssaN = parseNumber(rest[0].slice(1), 'n', name);
      rest = rest.slice(1);
    }
  } else {
    settings.ssaN = parseNumber(parts[1], 'n', name);
  }
  for (const part of rest) {
    if (part === 'btrainable') settings.ssaBTrainable = true;
    else if (part === 'head') settings.ssaGranularity = 'head';
    else if (part.startsWith('b')) settings.ssaB = parseNumber(part.slice(1), 'b', name);
    else throw new UserError(`variant "${name}": unknown part "${part}"; use ${VARIANT_GRAMMAR}`);
  }
  for (const [which, value] of [['n', settings.ssaN], ['b', settings.ssaB]] as const) {
    const problem = ssaValueProblem(which, value);
    if (problem) throw new UserError(`variant "${name}": ${problem}`);
  }
  return settings;
}

// Probe summaries: the model block names the scoring and the variant; its n and b are read from the weights
// (trainable ones move), so the variant's name is what says the configured settings.

export function summaryAttentionFields(settings: AttentionConfig): { attention: AttentionScoring; variant: string } {
  return { attention: settings.scoring, variant: variantName(settings) };
}

/**
 * The settings a summary's model block names, for a summary found without its run's config: its variant; in a
 * summary written before the variant was recorded, the scoring with SSA's first n and b read from the weights
 * (the configured ones when they are fixed). Null when the block names neither.
 */
export function attentionFromSummary(model: Record<string, unknown>): AttentionConfig | null {
  if (typeof model.variant === 'string') return parseVariant(model.variant);
  const scoring = model.attention;
  if (scoring !== 'softmax' && scoring !== 'ssa') return null;
  const first = (value: unknown): unknown => (Array.isArray(value) ? first(value[0]) : value);
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  return { ...DEFAULT_ATTENTION, scoring, ssaN: number(first(model.ssa_n), DEFAULT_ATTENTION.ssaN), ssaB: number(first(model.ssa_b), DEFAULT_ATTENTION.ssaB) };
}

// The attention settings: how attention logits become weights (softmax, or SSA with its exponent n and scale b),
// defined once here with one default per field, and named here. A variant's name is how sweeps are asked for
// (`--attention softmax,ssa-1.5,ssa-2,ssa-trainable`) and how comparisons label groups of seeds, so parsing a
// name and naming a setting are inverse functions.
import { UserError } from '../core/errors.js';

export type AttentionScoring = 'softmax' | 'ssa';
export type SsaGranularity = 'layer' | 'head';

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

/** n = 1.5: the paper's best setting on three of the four paradigms (SSA-1.5). */
export const DEFAULT_SSA_N = 1.5;
/** b = 0.8: as fixed in the authors' code. */
export const DEFAULT_SSA_B = 0.8;

export const VARIANT_GRAMMAR =
  'softmax | ssa-<n> | ssa-trainable[-n<init>], each SSA name optionally followed by -b<b>, -btrainable, -head';

/** Softmax ignores every SSA field, so all softmax settings are one variant; a name mentions only what differs from the defaults. */
export function variantName(settings: AttentionConfig): string {
  if (settings.scoring === 'softmax') return 'softmax';
  let name = settings.ssaNTrainable
    ? `ssa-trainable${settings.ssaN !== DEFAULT_SSA_N ? `-n${settings.ssaN}` : ''}`
    : `ssa-${settings.ssaN}`;
  if (settings.ssaB !== DEFAULT_SSA_B) name += `-b${settings.ssaB}`;
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
  const settings: AttentionConfig = {
    scoring: 'softmax', ssaN: DEFAULT_SSA_N, ssaNTrainable: false, ssaB: DEFAULT_SSA_B, ssaBTrainable: false, ssaGranularity: 'layer',
  };
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
  if (settings.ssaN < 1) throw new UserError(`variant "${name}": SSA n must be ≥ 1`);
  if (!(settings.ssaB > 0)) throw new UserError(`variant "${name}": SSA b must be > 0`);
  return settings;
}

/** The `babyssa pretrain` flags that select this variant. */
export function variantPretrainFlags(settings: AttentionConfig): string[] {
  if (settings.scoring === 'softmax') return ['--attention', 'softmax'];
  return [
    '--attention', 'ssa',
    '--ssa-n', String(settings.ssaN),
    settings.ssaNTrainable ? '--ssa-n-trainable' : '--no-ssa-n-trainable',
    '--ssa-b', String(settings.ssaB),
    settings.ssaBTrainable ? '--ssa-b-trainable' : '--no-ssa-b-trainable',
    '--ssa-granularity', settings.ssaGranularity,
  ];
}

// The attention settings module is the one place that spells them: every spelling round-trips, and every path
// (training defaults, HF import, variant names, presets) agrees on each field's one default.
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { modelConfigFor, resolveTrainConfig } from '../src/config/resolve.js';
import { trainConfigSchema } from '../src/config/schema.js';
import { hfConfigFromModel, modelConfigFromHf } from '../src/io/hf-config.js';
import {
  ATTENTION_OPTIONS, attentionFields, attentionFlags, attentionFromFields, attentionFromHf, attentionFromSummary, DEFAULT_ATTENTION,
  hfAttentionFields, parseVariant, summaryAttentionFields, variantName, type AttentionConfig,
} from '../src/model/attention.js';
import { MODEL_PRESETS } from '../src/model/presets.js';

const SETTINGS: [string, AttentionConfig][] = [
  ['softmax', { ...DEFAULT_ATTENTION }],
  ['ssa-1.5', { ...DEFAULT_ATTENTION, scoring: 'ssa' }],
  ['ssa-2', { ...DEFAULT_ATTENTION, scoring: 'ssa', ssaN: 2 }],
  ['ssa-trainable', { ...DEFAULT_ATTENTION, scoring: 'ssa', ssaNTrainable: true }],
  ['ssa-trainable-n2-btrainable', { ...DEFAULT_ATTENTION, scoring: 'ssa', ssaN: 2, ssaNTrainable: true, ssaBTrainable: true }],
  ['ssa-2-b0.5-head', { ...DEFAULT_ATTENTION, scoring: 'ssa', ssaN: 2, ssaB: 0.5, ssaGranularity: 'head' }],
];

/** The pretrain flags as the command line reads them: yargs with the module's options, then the training config. */
function fromFlags(flags: string[]): AttentionConfig {
  const argv = yargs(flags).options(ATTENTION_OPTIONS).strict().parseSync();
  const given = Object.fromEntries(Object.entries(argv).filter(([key]) => key in trainConfigSchema.shape));
  return modelConfigFor(resolveTrainConfig(given)).attention;
}

describe('attention settings', () => {
  it.each(SETTINGS)('%s: the name, pretrain flags, TrainConfig fields and HF fields all give the settings back', (name, settings) => {
    expect(variantName(settings)).toBe(name);
    expect(parseVariant(name)).toEqual(settings);
    expect(fromFlags(attentionFlags(settings))).toEqual(settings);
    expect(attentionFromFields({ ...attentionFields(settings) })).toEqual(settings);
    expect(attentionFromHf(hfAttentionFields(settings), 'config.json')).toEqual(settings);
    expect(modelConfigFromHf(hfConfigFromModel({ ...MODEL_PRESETS.tiny, attention: settings }), 'config.json').attention).toEqual(settings);
  });

  it('has one default per field, which training, presets, HF import, names and summaries all take', () => {
    expect(modelConfigFor(trainConfigSchema.parse({})).attention).toEqual(DEFAULT_ATTENTION);
    expect(MODEL_PRESETS.tiny.attention).toEqual(DEFAULT_ATTENTION);
    expect(MODEL_PRESETS.babyberta.attention).toEqual(DEFAULT_ATTENTION);
    // A plain RoBERTa config.json has none of our fields; an SSA one without ssa_b imports as the b it is named as.
    expect(attentionFromHf({}, 'config.json')).toEqual(DEFAULT_ATTENTION);
    const { ssa_b: _b, ...withoutB } = hfConfigFromModel({ ...MODEL_PRESETS.tiny, attention: parseVariant('ssa-2') });
    expect(modelConfigFromHf(withoutB, 'config.json').attention).toEqual(parseVariant('ssa-2'));
    expect(attentionFromSummary({ attention: 'ssa', ssa_n: [[2], [2]], ssa_b: null })).toEqual({ ...DEFAULT_ATTENTION, scoring: 'ssa', ssaN: 2 });
    // A trained n has moved away from its start; the recorded variant still names the run's settings.
    const trainable = parseVariant('ssa-trainable-head');
    expect(attentionFromSummary({ ...summaryAttentionFields(trainable), ssa_n: [[1.73, 1.6]], ssa_b: [[0.8, 0.8]] })).toEqual(trainable);
    expect(attentionFromSummary({ attention: 'softmax', ssa_n: null, ssa_b: null })).toEqual(DEFAULT_ATTENTION);
  });

  it.each([
    [{ attention_scoring: 'relu' }, /field "attention_scoring" must be softmax or ssa, not "relu"/],
    [{ ssa_granularity: 'token' }, /field "ssa_granularity" must be layer or head/],
    [{ ssa_n: '2' }, /field "ssa_n" must be a number/],
    [{ ssa_b_trainable: 1 }, /field "ssa_b_trainable" must be a boolean/],
  ])('refuses a malformed HF field with one line naming it: %j', (json, message) => {
    expect(() => attentionFromHf(json, 'x/config.json')).toThrow(message);
  });

  it('rejects a nonsense variant name with one clear error', () => {
    expect(() => parseVariant('ssa-x')).toThrow(/not a number/);
    expect(() => parseVariant('relu')).toThrow(/unknown variant/);
    expect(() => parseVariant('ssa-0.5')).toThrow(/variant "ssa-0.5": SSA needs n ≥ 1, got 0.5/);
    expect(() => attentionFromHf({ attention_scoring: 'ssa', ssa_b: -1 }, 'c.json')).toThrow(/c.json: config field "ssa_b": SSA needs b > 0/);
  });
});

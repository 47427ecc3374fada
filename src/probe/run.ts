// Probing a model that is already in an engine: `babyssa probe` after loading a checkpoint, and the training
// loop's `--probe-every` between steps. Tokenize each distinct sentence once, score, tally, summarise.
import cliProgress from 'cli-progress';
import { UserError } from '../core/errors.js';
import { toolFacts } from '../config/tool.js';
import type { Engine } from '../engine/types.js';
import { summaryAttentionFields } from '../model/attention.js';
import { maxSequenceLength } from '../model/config.js';
import { countParameters, ssaParamNames } from '../model/params.js';
import type { TiePolicy } from './accuracy.js';
import { writeProbeResults } from './output.js';
import { engineScorer, nonFiniteScore, scoreSentences, type BatchScorer, type EncodedSentence, type ScoringMethod } from './score.js';
import type { Suite } from './types.js';
import { buildSummary, tallyScores, type ModelFacts, type ProbeItem, type ProbeSummary } from './summary.js';

/** The part of the project's Tokenizer that probing needs. */
export interface SentenceTokenizer {
  encode(text: string): { ids: number[]; tokens: string[] };
}

export interface ProbeOptions {
  scoring: ScoringMethod;
  ties: TiePolicy;
  /** Seeds the `coin` tie policy. */
  seed: number;
  batchSize: number;
  maxRows: number;
  /** Which model this is, for the summary. */
  model: { checkpoint: string | null; run: string; step: number };
  /** Write summary.json and items.jsonl here when given. */
  outDir?: string;
  /** Show a progress bar on stderr (only drawn on a terminal). */
  progress?: boolean;
}

export const DEFAULT_PROBE_OPTIONS = { scoring: 'holistic', ties: 'wrong', seed: 0, batchSize: 64, maxRows: 128 } as const;

/** The SSA scalars as the model holds them now (trainable ones move during training). */
async function modelFacts(engine: Engine, model: ProbeOptions['model']): Promise<ModelFacts> {
  const { config } = engine;
  const facts: ModelFacts = { ...model, ...summaryAttentionFields(config.attention), ssa_n: null, ssa_b: null, params: countParameters(config) };
  if (config.attention.scoring !== 'ssa') return facts;
  const weights = await engine.readWeights();
  const values = (name: string): number[] => Array.from(weights.get(name)?.data ?? []);
  facts.ssa_n = [];
  facts.ssa_b = [];
  for (let layer = 0; layer < config.numLayers; layer++) {
    const names = ssaParamNames(layer);
    facts.ssa_n.push(values(names.n));
    facts.ssa_b.push(values(names.b));
  }
  return facts;
}

/** Distinct token sequences of the suite's sentences, and for each pair the indices of its two. */
function encodeSuite(suite: Suite, tokenizer: SentenceTokenizer, maxLength: number) {
  const sentences: EncodedSentence[] = [];
  const byIds = new Map<string, number>();
  const byText = new Map<string, number>();
  const indexOf = (text: string, where: string): number => {
    const known = byText.get(text);
    if (known !== undefined) return known;
    const encoded = tokenizer.encode(text);
    if (encoded.ids.length > maxLength) {
      throw new UserError(`${where}: "${text}" is ${encoded.ids.length} tokens long; this model takes at most ${maxLength}`);
    }
    // Sentences that tokenize alike share one score, so they tie exactly.
    const key = encoded.ids.join(',');
    let index = byIds.get(key);
    if (index === undefined) {
      index = sentences.push({ ids: encoded.ids, tokens: encoded.tokens }) - 1;
      byIds.set(key, index);
    }
    byText.set(text, index);
    return index;
  };
  const pairIndices = suite.paradigms.map((paradigm) =>
    paradigm.pairs.map((pair, i): [number, number] => {
      const where = `${paradigm.source} pair ${i + 1}`;
      return [indexOf(pair.good, where), indexOf(pair.bad, where)];
    }),
  );
  return { sentences, pairIndices };
}

/** One model to probe: its engine (config, weights for the SSA facts, kind, backend) and where its results go. */
export interface ProbeTarget {
  engine: Engine;
  /** Which model this is, for the summary. */
  model: ProbeOptions['model'];
  /** Write summary.json and items.jsonl here when given. */
  outDir?: string;
}

/** Everything in ProbeOptions that the models of one pass share. */
export type SharedProbeOptions = Omit<ProbeOptions, 'model' | 'outDir'>;

type ProbeResults = { summary: ProbeSummary; items: ProbeItem[] };

/**
 * Scores every pair of the suite under each target in one pass (`scorer` gives one call per batch for all of
 * them; K = 1 is one model) and writes each target's results where asked. Per target, its results, or the
 * error that spoiled only that target (a diverged model's non-finite scores, a failed write).
 */
export async function probeModels(
  scorer: BatchScorer, targets: readonly ProbeTarget[], tokenizer: SentenceTokenizer, suite: Suite, options: SharedProbeOptions,
): Promise<(ProbeResults | Error)[]> {
  const began = performance.now();
  const { sentences, pairIndices } = encodeSuite(suite, tokenizer, maxSequenceLength(targets[0].engine.config));
  const bar = options.progress
    ? new cliProgress.SingleBar({ stream: process.stderr, format: 'probe {bar} {value}/{total} sentences | {eta_formatted}', barsize: 24, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(sentences.length, 0);
  let scores: Float64Array[];
  const scoringBegan = performance.now();
  try {
    scores = await scoreSentences(scorer, targets.length, sentences, {
      method: options.scoring, batchSize: options.batchSize, maxRows: options.maxRows, onProgress: (done) => bar?.update(done),
    });
  } finally {
    bar?.stop();
  }
  const scoringS = (performance.now() - scoringBegan) / 1000;
  const tokenCounts = pairIndices.map((pairs) => pairs.map(([g, b]): [number, number] => [sentences[g].ids.length, sentences[b].ids.length]));
  return Promise.all(
    targets.map(async (target, t): Promise<ProbeResults | Error> => {
      try {
        const failure = nonFiniteScore(scores[t], sentences);
        if (failure) throw failure;
        const scored = {
          suite, method: options.scoring, ties: options.ties, seed: options.seed, tokenCounts,
          scores: pairIndices.map((pairs) => pairs.map(([g, b]): [number, number] => [scores[t][g], scores[t][b]])),
        };
        const { items, paradigms } = tallyScores(scored);
        const { engine } = target;
        const summary = buildSummary(scored, paradigms, {
          tool: toolFacts(), model: await modelFacts(engine, target.model), batchSize: options.batchSize, maxRows: options.maxRows,
          elapsedS: (performance.now() - began) / 1000, scoringS, backend: engine.adapterName ? `${engine.backend} (${engine.adapterName})` : engine.backend, engine: engine.kind,
        });
        if (target.outDir) await writeProbeResults(target.outDir, summary, items);
        return { summary, items };
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    }),
  );
}

function resultOrThrow<T>(result: T | Error): T {
  if (result instanceof Error) throw result;
  return result;
}

/** Scores every pair of the suite under one engine's model; writes nothing. */
export async function probeSuite(engine: Engine, tokenizer: SentenceTokenizer, suite: Suite, options: ProbeOptions): Promise<ProbeResults> {
  const { model, outDir: _outDir, ...shared } = options;
  const [result] = await probeModels(engineScorer(engine), [{ engine, model }], tokenizer, suite, shared);
  return resultOrThrow(result);
}

/**
 * Probes the model in `engine` on `suite` and returns the summary; with `options.outDir` also writes
 * summary.json and items.jsonl there. The engine is left as it was (scoring never trains).
 */
export async function probeCheckpointInProcess(engine: Engine, tokenizer: SentenceTokenizer, suite: Suite, options: ProbeOptions): Promise<ProbeSummary> {
  const { model, outDir, ...shared } = options;
  const [result] = await probeModels(engineScorer(engine), [{ engine, model, outDir }], tokenizer, suite, shared);
  return resultOrThrow(result).summary;
}

// The shapes of a probe's outputs (summary.json, items.jsonl) and how pair scores become them. Keys are
// snake_case and every value is finite or null, so pandas read_json / json_normalize load them as-is;
// the JSON Schemas in src/io/schemas/ describe the same shapes.
import type { ToolFacts } from '../config/tool.js';
import { pairCredit, wilsonInterval, type TiePolicy } from './accuracy.js';
import { higherIsBetter, reductionOf, type ScoringMethod } from './score.js';
import type { Suite } from './types.js';

export const PROBE_SCHEMA_VERSION = 1;

/** One line of items.jsonl. */
export interface ProbeItem {
  paradigm: string;
  /** 0-based index of the pair within its paradigm (Zorro: lines 2i+1 and 2i+2). */
  pair_id: number;
  good: string;
  bad: string;
  score_good: number;
  score_bad: number;
  /** Credit for the pair: 1 or 0, or under a tie 0 (wrong), 0.5 (half) or the seeded coin's 0/1. */
  correct: number;
  tie: boolean;
  /** Tokens incl. <s> and </s>. */
  n_tokens_good: number;
  n_tokens_bad: number;
}

export interface ParadigmResult {
  paradigm: string;
  phenomenon: string;
  n_pairs: number;
  n_correct: number;
  n_ties: number;
  accuracy: number;
  ci95: [number, number];
}

export interface ModelFacts {
  /** The step folder probed, or null when probed in process during training. */
  checkpoint: string | null;
  run: string;
  step: number;
  attention: string;
  /** The attention variant's name (`softmax`, `ssa-1.5`, `ssa-trainable`, …): the configured settings. */
  variant: string;
  /** SSA exponents and scales read from the weights, layer by layer (per head when per-head); null for softmax. */
  ssa_n: number[][] | null;
  ssa_b: number[][] | null;
  params: number;
}

export interface ProbeSummary {
  schema_version: number;
  tool: ToolFacts;
  model: ModelFacts;
  suite: { name: string; path: string; format: string; hash: string; n_paradigms: number; n_pairs: number };
  scoring: { method: ScoringMethod; reduction: string; ties: TiePolicy; seed: number; batch_size: number; max_rows: number };
  paradigms: ParadigmResult[];
  /** Mean of the paradigm accuracies (each paradigm weighs the same, as Zorro reports). */
  macro_accuracy: number;
  n_ties: number;
  elapsed_s: number;
  pairs_per_s: number;
  /** Seconds inside the engine's scoring calls only (no tokenization, no tallying): what GPU benchmarks compare. */
  scoring_s: number;
  backend: string;
  engine: string;
  created: string;
}

export interface ScoredSuite {
  suite: Suite;
  method: ScoringMethod;
  ties: TiePolicy;
  seed: number;
  /** Per paradigm, per pair: [score of good, score of bad]. */
  scores: Array<Array<[number, number]>>;
  /** Per paradigm, per pair: [tokens of good, tokens of bad]. */
  tokenCounts: Array<Array<[number, number]>>;
}

/** Items and per-paradigm accuracies from the pair scores. */
export function tallyScores(scored: ScoredSuite): { items: ProbeItem[]; paradigms: ParadigmResult[] } {
  const higher = higherIsBetter(scored.method);
  const items: ProbeItem[] = [];
  const paradigms = scored.suite.paradigms.map((paradigm, p): ParadigmResult => {
    let nCorrect = 0;
    let nTies = 0;
    paradigm.pairs.forEach((pair, i) => {
      const [scoreGood, scoreBad] = scored.scores[p][i];
      const tie = scoreGood === scoreBad;
      const credit = pairCredit(higher ? scoreGood > scoreBad : scoreGood < scoreBad, tie, scored.ties, scored.seed, paradigm.name, i);
      nCorrect += credit;
      if (tie) nTies++;
      const [nGood, nBad] = scored.tokenCounts[p][i];
      items.push({
        paradigm: paradigm.name, pair_id: i, good: pair.good, bad: pair.bad, score_good: scoreGood, score_bad: scoreBad,
        correct: credit, tie, n_tokens_good: nGood, n_tokens_bad: nBad,
      });
    });
    const n = paradigm.pairs.length;
    return {
      paradigm: paradigm.name, phenomenon: paradigm.phenomenon, n_pairs: n, n_correct: nCorrect, n_ties: nTies,
      accuracy: nCorrect / n, ci95: wilsonInterval(nCorrect, n),
    };
  });
  return { items, paradigms };
}

export interface SummaryContext {
  tool: ProbeSummary['tool'];
  model: ModelFacts;
  batchSize: number;
  maxRows: number;
  elapsedS: number;
  scoringS: number;
  backend: string;
  engine: string;
}

export function buildSummary(scored: ScoredSuite, paradigms: ParadigmResult[], context: SummaryContext): ProbeSummary {
  const { suite } = scored;
  const nPairs = paradigms.reduce((n, p) => n + p.n_pairs, 0);
  return {
    schema_version: PROBE_SCHEMA_VERSION,
    tool: context.tool,
    model: context.model,
    suite: { name: suite.name, path: suite.path, format: suite.format, hash: suite.hash, n_paradigms: suite.paradigms.length, n_pairs: nPairs },
    scoring: {
      method: scored.method, reduction: reductionOf(scored.method), ties: scored.ties, seed: scored.seed,
      batch_size: context.batchSize, max_rows: context.maxRows,
    },
    paradigms,
    macro_accuracy: paradigms.reduce((sum, p) => sum + p.accuracy, 0) / paradigms.length,
    n_ties: paradigms.reduce((n, p) => n + p.n_ties, 0),
    elapsed_s: context.elapsedS,
    pairs_per_s: context.elapsedS > 0 ? nPairs / context.elapsedS : 0,
    scoring_s: context.scoringS,
    backend: context.backend,
    engine: context.engine,
    created: new Date().toISOString(),
  };
}

// Sentence scores from a masked LM, built on the engine's one scoring primitive, targetLogProbs:
// - holistic (BabyBERTa/Zorro): one unmasked pass, mean cross-entropy of every input token incl. <s> and
//   </s>; lower is better.
// - pll (Salazar et al. 2020): one row per non-special token with that token masked; sum of log-probs.
// - pll-word-l2r (Kauf & Ivanova 2023): like pll, but the later sub-words of the scored token's word are
//   masked too, so a multi-token word cannot predict itself from its own tail.
// Rows are packed into engine calls of at most `maxRows` rows from at most `batchSize` sentences, shortest
// sentences first so padding stays small; each row only sees its own tokens, so scores do not depend on
// how rows are batched. Up to IN_FLIGHT engine calls are queued at once, so the device computes one batch
// while the host packs the next; results are applied in call order, so scores and progress are as if serial.
// One call scores a batch under K models at once (a group probed in one pass); one model is K = 1.
import { UserError } from '../core/errors.js';
import type { Engine, GroupEngine } from '../engine/types.js';
import type { TargetedBatch } from '../core/batches.js';
import { SPECIAL_IDS } from '../model/config.js';

/** Engine calls queued before the oldest one's result is awaited. */
const IN_FLIGHT = 4;

export const SCORING_METHODS = ['holistic', 'pll', 'pll-word-l2r'] as const;
export type ScoringMethod = (typeof SCORING_METHODS)[number];

/** A tokenized sentence: ids with <s> … </s>, and the matching token strings (`Ġ` marks a word start). */
export interface EncodedSentence {
  ids: number[];
  tokens: string[];
}

export interface ScoreOptions {
  method: ScoringMethod;
  /** Most sentences whose rows share one engine call. */
  batchSize: number;
  /** Most rows (sequences) in one engine call: bounds memory for PLL on long sentences. */
  maxRows: number;
  /** Called after each engine call with the number of sentences fully scored so far. */
  onProgress?: (sentencesDone: number) => void;
}

/** log p(target | input) of one batch under each of K models: K arrays of [M]. */
export type BatchScorer = (batch: TargetedBatch) => Promise<Float32Array[]>;

/** One engine's model as a scorer of K = 1. */
export function engineScorer(engine: Pick<Engine, 'targetLogProbs'>): BatchScorer {
  return async (batch) => [await engine.targetLogProbs(batch)];
}

/** Some members of a group, in the order given: one engine call per batch for all of them. */
export function groupScorer(group: Pick<GroupEngine, 'targetLogProbs'>, members: readonly number[]): BatchScorer {
  return async (batch) => {
    const all = await group.targetLogProbs(batch);
    return members.map((i) => all[i]);
  };
}

/** A queued engine call: its log-probs, whose sentence each row belongs to, and sentences it completes. */
interface PendingCall {
  logProbs: Promise<Float32Array[]>; // K × [M]
  rows: Row[];
  owners: number[];
  finishes: number;
}

interface Row {
  inputIds: number[];
  /** Positions to predict in this row, with their original ids. */
  positions: number[];
  targets: number[];
}

export function higherIsBetter(method: ScoringMethod): boolean {
  return method !== 'holistic';
}

/** How the per-token log-probs become one number per sentence (reported in the summary). */
export function reductionOf(method: ScoringMethod): string {
  return method === 'holistic' ? 'mean cross-entropy over all tokens incl. <s> and </s> (lower is better)' : 'sum of masked-token log-probabilities (higher is better)';
}

function isSpecial(id: number): boolean {
  return id === SPECIAL_IDS.bos || id === SPECIAL_IDS.eos || id === SPECIAL_IDS.pad || id === SPECIAL_IDS.mask;
}

/** Positions after `position` that continue its word: up to the next `Ġ` token or special token. */
function laterSubwords(sentence: EncodedSentence, position: number): number[] {
  const later: number[] = [];
  for (let j = position + 1; j < sentence.ids.length; j++) {
    if (isSpecial(sentence.ids[j]) || sentence.tokens[j].startsWith('Ġ')) break;
    later.push(j);
  }
  return later;
}

/** The rows one sentence needs under a method (holistic: one; PLL: one per non-special token). */
export function scoringRows(sentence: EncodedSentence, method: ScoringMethod): Row[] {
  const { ids } = sentence;
  if (method === 'holistic') return [{ inputIds: ids, positions: ids.map((_, t) => t), targets: ids }];
  const rows: Row[] = [];
  ids.forEach((id, position) => {
    if (isSpecial(id)) return;
    const inputIds = ids.slice();
    inputIds[position] = SPECIAL_IDS.mask;
    if (method === 'pll-word-l2r') for (const j of laterSubwords(sentence, position)) inputIds[j] = SPECIAL_IDS.mask;
    rows.push({ inputIds, positions: [position], targets: [id] });
  });
  return rows;
}

/** Pads rows to the longest and flattens their targets; `owner[k]` is the sentence of target k. */
function packRows(rows: Row[]): TargetedBatch {
  const seqLen = Math.max(...rows.map((r) => r.inputIds.length));
  const batchSize = rows.length;
  const inputIds = new Int32Array(batchSize * seqLen).fill(SPECIAL_IDS.pad); // [B*T]
  const attentionMask = new Uint8Array(batchSize * seqLen); // [B*T]
  const nTargets = rows.reduce((n, r) => n + r.positions.length, 0);
  const targetPositions = new Int32Array(nTargets); // [M]
  const targetIds = new Int32Array(nTargets); // [M]
  let k = 0;
  rows.forEach((row, b) => {
    inputIds.set(row.inputIds, b * seqLen);
    attentionMask.fill(1, b * seqLen, b * seqLen + row.inputIds.length);
    row.positions.forEach((t, i) => {
      targetPositions[k] = b * seqLen + t;
      targetIds[k++] = row.targets[i];
    });
  });
  return { batchSize, seqLen, inputIds, attentionMask, targetPositions, targetIds };
}

/**
 * One score per sentence, in the order given, under each of the scorer's K models (K arrays). A model whose
 * scores are not all finite (diverged weights) is reported by `nonFiniteScore`, not here, so one such member
 * of a group does not spoil the others.
 */
export async function scoreSentences(scorer: BatchScorer, models: number, sentences: readonly EncodedSentence[], options: ScoreOptions): Promise<Float64Array[]> {
  const { method } = options;
  const maxRows = Math.max(1, Math.floor(options.maxRows));
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  const logProbSums = Array.from({ length: models }, () => new Float64Array(sentences.length));
  const order = sentences.map((_, i) => i).sort((a, b) => sentences[a].ids.length - sentences[b].ids.length);

  let pending: Row[] = [];
  let pendingOwners: number[] = []; // sentence index per pending row
  let pendingSentences = 0;
  let done = 0;
  let finishedInPending = 0;
  const queued: PendingCall[] = [];
  /** Awaits the oldest queued call and adds each model's log-probs to their sentences. */
  const applyOldest = async (): Promise<void> => {
    const call = queued.shift()!;
    const logProbs = await call.logProbs;
    if (logProbs.length !== models) throw new Error(`a scorer of ${models} models returned ${logProbs.length} results`);
    logProbs.forEach((modelLogProbs, m) => {
      const sums = logProbSums[m];
      let k = 0;
      call.rows.forEach((row, r) => {
        for (let i = 0; i < row.positions.length; i++) sums[call.owners[r]] += modelLogProbs[k++];
      });
    });
    done += call.finishes;
    options.onProgress?.(done);
  };
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const logProbs = scorer(packRows(pending));
    // Awaited in order by applyOldest; a failure before then must not count as unhandled.
    logProbs.catch(() => undefined);
    queued.push({ logProbs, rows: pending, owners: pendingOwners, finishes: finishedInPending });
    pending = [];
    pendingOwners = [];
    pendingSentences = 0;
    finishedInPending = 0;
    if (queued.length >= IN_FLIGHT) await applyOldest();
  };

  for (const index of order) {
    const rows = scoringRows(sentences[index], method);
    if (pendingSentences === batchSize) await flush();
    pendingSentences++;
    for (const row of rows) {
      if (pending.length === maxRows) {
        await flush();
        pendingSentences = 1;
      }
      pending.push(row);
      pendingOwners.push(index);
    }
    finishedInPending++;
  }
  await flush();
  while (queued.length > 0) await applyOldest();

  return logProbSums.map((sums) => {
    const scores = new Float64Array(sentences.length);
    sentences.forEach((sentence, i) => {
      scores[i] = method === 'holistic' ? -sums[i] / sentence.ids.length : sums[i];
    });
    return scores;
  });
}

/** The one-line error for a model that gives some sentence a non-finite score, or null when all are finite. */
export function nonFiniteScore(scores: Float64Array, sentences: readonly EncodedSentence[]): UserError | null {
  const i = scores.findIndex((score) => !Number.isFinite(score));
  if (i < 0) return null;
  return new UserError(`the model gives a non-finite score (${scores[i]}) to "${sentences[i].tokens.join(' ')}": is the checkpoint diverged (NaN weights)?`);
}

// Records the backward pass (LM head → layers in reverse → embeddings) and the optimizer (global norm, clip
// factor, AdamW) into the Program that already holds the forward pass, every op for all slots at once.
// Gradients land in each member's region of the packed gradient buffer, which the engine clears before each
// run; each gradient has one writer except the tied word embeddings (decoder first, then the lookup adds its
// segments).
import { DROPOUT_SITES as SITES } from '../../model/dropout-sites.js';
import { HF_NAMES, layerNames } from '../../model/params.js';
import type { OptimizerSettings } from '../types.js';
import { MATMUL_FLAGS } from './kernels/matmul.wgsl.js';
import { COLUMN_CHUNK_ROWS } from './kernels/norm.wgsl.js';
import { NORM_PARTIALS } from './kernels/optimizer.wgsl.js';
import { SEGMENT_COUNT_FIELD } from './kernels/rows.wgsl.js';
import { offsetOf } from './layout.js';
import {
  attentionGroups, attentionUniforms, constant, matmul, rowsOf, ssaPartialOffset, targetsOf, type PlanContext, type Size,
} from './plan-forward.js';
import { flatGroups, rowGroups, type RunShape } from './program.js';

/** Row chunks of a column reduction; more than one needs a splitReduce pass. */
const columnChunks = (rows: number) => Math.ceil(rows / COLUMN_CHUNK_ROWS);

/** Column sums of x [rows, width] into the member's gradients at `offset`. */
function biasGrad(ctx: PlanContext, x: GPUBuffer, rows: Size, width: number, offset: number): void {
  const { program, state, act, layout } = ctx;
  program.add(
    'columnSum', [x, state.grads, act.partials], (s) => [rows(s), width, offset, columnChunks(rows(s)), layout.total],
    (s) => [Math.ceil(width / 64), columnChunks(rows(s)), s.slots],
  );
  program.add(
    'splitReduce', [act.partials, state.grads], (s) => [width, 1, columnChunks(rows(s)), offset, 0, 0, 1, layout.total],
    (s) => (columnChunks(rows(s)) > 1 ? flatGroups(width, s.slots) : [0, 0, 0]),
  );
}

/**
 * Gradients of the dense layer `prefix` given dY [rows, out] and its input X [rows, in]: dW = dYᵀ·X,
 * db = Σ dY; and dX = dY·W into `dx` with the extra epilogue in `dx` (residual, GELU grad, accumulate).
 */
function denseBackward(
  ctx: PlanContext, prefix: string, dy: GPUBuffer, x: GPUBuffer, rows: Size, inSize: number, outSize: number,
  dx?: { out: GPUBuffer; flags?: number; aux?: GPUBuffer },
): void {
  const { state, layout } = ctx;
  matmul(ctx, {
    a: dy, b: x, c: state.grads, m: constant(outSize), n: constant(inSize), k: rows, transA: true,
    offC: offsetOf(layout, `${prefix}.weight`), splitK: true,
  });
  biasGrad(ctx, dy, rows, outSize, offsetOf(layout, `${prefix}.bias`));
  if (!dx) return;
  matmul(ctx, {
    a: dy, b: state.params, c: dx.out, m: rows, n: constant(inSize), k: constant(outSize),
    offB: offsetOf(layout, `${prefix}.weight`), flags: dx.flags, aux: dx.aux,
  });
}

interface LayerNormBackward {
  prefix: string;
  dy: GPUBuffer; x: GPUBuffer; stats: GPUBuffer;
  dx: GPUBuffer;
  rows: Size;
  /** The forward dropped this LN's output at this site. */
  dropoutIn?: number;
  /** Also write dx2 = dx · keep(site) (the dropped dense branch) … */
  dropoutOut?: { site: number; dx2: GPUBuffer };
  /** … or dx2 = dx · gelu'(aux). */
  geluGrad?: { aux: GPUBuffer; dx2: GPUBuffer };
}

function layerNormBackward(ctx: PlanContext, op: LayerNormBackward): void {
  const { config, state, act, layout, program } = ctx;
  const H = config.hiddenSize;
  const flags = (op.dropoutIn !== undefined ? 1 : 0) | (op.dropoutOut ? 2 : 0) | (op.geluGrad ? 4 : 0);
  const dx2 = op.dropoutOut?.dx2 ?? op.geluGrad?.dx2 ?? act.unusedWrite;
  const dropP = (s: RunShape) => ({ f: s.train ? config.hiddenDropout : 0 });
  const gamma = offsetOf(layout, `${op.prefix}.weight`);
  const beta = offsetOf(layout, `${op.prefix}.bias`);
  program.add(
    'layerNormBwd', [op.dy, op.x, op.stats, state.params, op.geluGrad?.aux ?? act.unusedRead, op.dx, dx2],
    (s) => [op.rows(s), H, s.seq, gamma, flags, op.dropoutIn ?? 0, op.dropoutOut?.site ?? 0, layout.total, dropP(s)],
    (s) => rowGroups(op.rows(s), s.slots),
  );
  program.add(
    'layerNormParamGrad', [op.dy, op.x, op.stats, state.grads, act.partials],
    (s) => [
      op.rows(s), H, s.seq, gamma, beta, op.dropoutIn !== undefined ? 1 : 0, op.dropoutIn ?? 0, columnChunks(op.rows(s)),
      layout.total, dropP(s),
    ],
    (s) => [Math.ceil(H / 64), columnChunks(op.rows(s)), s.slots],
  );
  program.add(
    'splitReduce', [act.partials, state.grads], (s) => [H, 2, columnChunks(op.rows(s)), gamma, beta, 0, 1, layout.total],
    (s) => (columnChunks(op.rows(s)) > 1 ? flatGroups(2 * H, s.slots) : [0, 0, 0]),
  );
}

/** `trainsSsa`: some member trains n or b (else no dn/db reduction is recorded). */
export function recordBackward(ctx: PlanContext, trainsSsa: boolean): void {
  const { config, act, state, layout, program, sections } = ctx;
  const H = config.hiddenSize;
  const F = config.intermediateSize;
  const V = config.vocabSize;
  const wordEmbeddings = HF_NAMES.wordEmbeddings;
  // LM head: dlogits (already in act.logits) → decoder bias, tied decoder weight, LN, GELU, dense.
  biasGrad(ctx, act.logits, targetsOf, V, offsetOf(layout, HF_NAMES.decoderBias));
  matmul(ctx, {
    a: act.logits, b: act.lmOut, c: state.grads, m: constant(V), n: constant(H), k: targetsOf, transA: true,
    offC: offsetOf(layout, wordEmbeddings), splitK: true,
  });
  matmul(ctx, {
    a: act.logits, b: state.params, c: act.dLmOut, m: targetsOf, n: constant(H), k: constant(V), offB: offsetOf(layout, wordEmbeddings),
    splitK: true,
  });
  layerNormBackward(ctx, {
    prefix: HF_NAMES.lmNorm, dy: act.dLmOut, x: act.lmGelu, stats: act.lmStats, dx: act.dLmGelu, rows: targetsOf,
    geluGrad: { aux: act.lmPre, dx2: act.dLmPre },
  });
  denseBackward(ctx, HF_NAMES.lmDense, act.dLmPre, act.gathered, targetsOf, H, H, { out: act.dGathered });
  program.add(
    'scatterRows', [act.dGathered, act.dHidden],
    (s) => [s.rows, H, sections.inverse, s.targets], (s) => flatGroups(s.rows * H, s.slots),
  );
  for (let l = config.numLayers - 1; l >= 0; l--) recordLayerBackward(ctx, l, H, F, trainsSsa);
  layerNormBackward(ctx, {
    prefix: HF_NAMES.embeddingsNorm, dy: act.dHidden, x: act.embPre, stats: act.embStats, dx: act.dEmb, rows: rowsOf,
    dropoutIn: SITES.embeddings,
  });
  const tables = [
    { name: wordEmbeddings, segments: sections.word, field: SEGMENT_COUNT_FIELD.word, count: (s: RunShape) => s.wordSegments },
    {
      name: HF_NAMES.positionEmbeddings, segments: sections.position, field: SEGMENT_COUNT_FIELD.position,
      count: (s: RunShape) => s.positionSegments,
    },
  ];
  for (const table of tables) {
    program.add(
      'embedGrad', [act.dEmb, state.grads],
      (s) => [
        s.rows, H, table.segments.ids, table.segments.starts, table.segments.rows, offsetOf(layout, table.name), layout.total, table.field,
      ],
      (s) => rowGroups(table.count(s), s.slots),
    );
  }
  // Every token has type 0: its row's gradient is the column sum of dE.
  biasGrad(ctx, act.dEmb, rowsOf, H, offsetOf(layout, HF_NAMES.tokenTypeEmbeddings));
}

function recordLayerBackward(ctx: PlanContext, l: number, H: number, F: number, trainsSsa: boolean): void {
  const { act, state, layout, program, config } = ctx;
  const names = layerNames(l);
  const a = act.layers[l];
  // Output block: LN2 → dropped FFN output dense → GELU → intermediate dense (+ residual into dAttended).
  layerNormBackward(ctx, {
    prefix: names.outputNorm, dy: act.dHidden, x: a.outPre, stats: a.outStats, dx: act.dPre, rows: rowsOf,
    dropoutOut: { site: SITES.ffnOutput(l), dx2: act.dBranch },
  });
  denseBackward(ctx, names.output, act.dBranch, a.inner, rowsOf, F, H, {
    out: act.dInner, flags: MATMUL_FLAGS.geluGrad, aux: a.innerPre,
  });
  denseBackward(ctx, names.intermediate, act.dInner, a.attended, rowsOf, H, F, {
    out: act.dAttended, flags: MATMUL_FLAGS.residual, aux: act.dPre,
  });
  // Attention block: LN1 → dropped output dense → fused attention backward → fused QKV (+ residual).
  layerNormBackward(ctx, {
    prefix: names.attentionNorm, dy: act.dAttended, x: a.attnPre, stats: a.attnStats, dx: act.dPre, rows: rowsOf,
    dropoutOut: { site: SITES.attentionOutput(l), dx2: act.dBranch },
  });
  denseBackward(ctx, names.attentionOutput, act.dBranch, a.context, rowsOf, H, H, { out: act.dContext });
  program.add(
    'attentionBwdRows', [a.qkv, act.dContext, a.probs, state.params, act.dScores, act.dQkv],
    (s) => attentionUniforms(ctx, l, s), (s) => attentionGroups(ctx, s),
  );
  program.add(
    'attentionBwdCols', [a.qkv, act.dContext, act.dScores, a.probs, act.dQkv],
    (s) => attentionUniforms(ctx, l, s), (s) => attentionGroups(ctx, s),
  );
  if (trainsSsa) {
    program.add(
      'ssaReduce', [act.dScores, state.grads],
      (s) => [
        s.batch, attentionGroups(ctx, s)[0], config.numHeads, ssaPartialOffset(ctx, s), offsetOf(layout, names.ssaN),
        offsetOf(layout, names.ssaB), layout.total,
      ],
      (s) => [config.numHeads, 1, s.slots],
    );
  }
  denseBackward(ctx, names.query, act.dQkv, act.hidden[l], rowsOf, H, 3 * H, {
    out: act.dHidden, flags: MATMUL_FLAGS.residual, aux: act.dPre,
  });
}

/** Global gradient norm, clip factor and AdamW over each slot's member. */
export function recordOptimizer(ctx: PlanContext, settings: OptimizerSettings): void {
  const { state, layout, program, act } = ctx;
  const count = layout.total;
  program.add('normPartial', [state.grads, act.partials], () => [count], (s) => [NORM_PARTIALS, 1, s.slots]);
  program.add('normFinal', [act.partials, act.scalars], () => [{ f: settings.clipNorm }], (s) => [1, 1, s.slots]);
  program.add(
    'adamw', [state.params, state.grads, state.m, state.v, state.blockFlags, act.scalars],
    () => [count, { f: settings.beta1 }, { f: settings.beta2 }, { f: settings.eps }, { f: settings.weightDecay }],
    (s) => flatGroups(count, s.slots),
  );
}

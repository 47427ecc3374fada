// Records the forward pass into a Program: embeddings → layers (QKV, fused attention, output dense +
// dropout + residual → LN, FFN with GELU → dense + dropout + residual → LN) → LM head on target rows only
// → cross-entropy → mean loss. Shapes come from the run (RunShape), buffers from the capacity.
import { headDim, maxSequenceLength, type ModelConfig } from '../../model/config.js';
import { DROPOUT_SITES as SITES } from '../../model/dropout-sites.js';
import { ssaParamNames } from '../../model/params.js';
import type { Activations, ParameterBuffers } from './activations.js';
import type { BatchSections } from './batch.js';
import { ATTENTION_FLAGS, ATTENTION_ROWS } from './kernels/attention.wgsl.js';
import { MATMUL_FLAGS, matmulTile, splitKCount } from './kernels/matmul.wgsl.js';
import { offsetOf, type ParamLayout } from './layout.js';
import { flatGroups, type Program, type RunShape, type UniformValue } from './program.js';

export interface PlanContext {
  config: ModelConfig;
  layout: ParamLayout;
  sections: BatchSections;
  state: ParameterBuffers;
  act: Activations;
  program: Program;
}

type Size = (s: RunShape) => number;
export const rowsOf: Size = (s) => s.rows;
export const targetsOf: Size = (s) => s.targets;
const constant = (n: number): Size => () => n;

export interface MatmulOp {
  a: GPUBuffer; b: GPUBuffer; c: GPUBuffer;
  m: Size; n: Size; k: Size;
  transA?: boolean; transB?: boolean;
  offB?: number; offC?: number;
  /** Offset of the bias in the parameter buffer. */
  bias?: number;
  flags?: number;
  aux?: GPUBuffer;
  /** Dropout site and rate (applied only in training runs). */
  site?: number;
  dropP?: number;
  /** Allow split-K (no epilogue but accumulate): for products with a small output and a long K. */
  splitK?: boolean;
}

export function matmul(ctx: PlanContext, op: MatmulOp): void {
  const { act, state } = ctx;
  const flags = (op.flags ?? 0) | (op.bias !== undefined ? MATMUL_FLAGS.bias : 0);
  const splits = (s: RunShape) => (op.splitK ? splitKCount(op.m(s), op.n(s), op.k(s)) : 1);
  ctx.program.add(
    'matmul',
    [op.a, op.b, op.bias !== undefined ? state.params : act.unusedRead, op.splitK ? act.partials : op.aux ?? act.unusedWrite, op.c],
    (s): UniformValue[] => {
      const split = splits(s);
      const kChunk = Math.ceil(op.k(s) / split / 16) * 16;
      return [
        op.m(s), op.n(s), op.k(s), op.transA ? 1 : 0, op.transB ? 1 : 0, 0, op.offB ?? 0, op.bias ?? 0, op.offC ?? 0,
        split > 1 ? MATMUL_FLAGS.splitK : flags, s.seed, op.site ?? 0, kChunk, { f: s.train ? (op.dropP ?? 0) : 0 }, s.seq,
      ];
    },
    (s) => {
      const tile = matmulTile(op.m(s), op.n(s), splits(s));
      return [Math.ceil(op.n(s) / tile), Math.ceil(op.m(s) / tile), splits(s)];
    },
    { kernels: ['matmul', 'matmulSmall'], pick: (s) => (matmulTile(op.m(s), op.n(s), splits(s)) === 64 ? 'matmul' : 'matmulSmall') },
  );
  if (!op.splitK) return;
  const accumulate = (flags & MATMUL_FLAGS.accumulate) !== 0 ? 1 : 0;
  ctx.program.add(
    'splitReduce', [act.partials, op.c],
    (s) => [op.m(s) * op.n(s), 1, splits(s), op.offC ?? 0, 0, accumulate],
    (s) => (splits(s) > 1 ? flatGroups(op.m(s) * op.n(s)) : [0, 0, 0]),
  );
}

/** x·Wᵀ + b for the HF dense layer `prefix` (kernel [out, in] in the parameter buffer). */
export function denseForward(
  ctx: PlanContext, prefix: string, x: GPUBuffer, out: GPUBuffer, rows: Size, inSize: number, outSize: number,
  extra: Partial<MatmulOp> = {},
): void {
  matmul(ctx, {
    a: x, b: ctx.state.params, c: out, m: rows, n: constant(outSize), k: constant(inSize), transB: true,
    offB: offsetOf(ctx.layout, `${prefix}.weight`), bias: offsetOf(ctx.layout, `${prefix}.bias`), ...extra,
  });
}

export function layerNormForward(
  ctx: PlanContext, prefix: string, x: GPUBuffer, y: GPUBuffer, stats: GPUBuffer, rows: Size, dropoutSite?: number,
): void {
  const { config, layout } = ctx;
  const dropP = dropoutSite === undefined ? 0 : config.hiddenDropout;
  ctx.program.add(
    'layerNormFwd',
    [x, ctx.state.params, y, stats],
    (s) => [
      rows(s), config.hiddenSize, offsetOf(layout, `${prefix}.weight`), offsetOf(layout, `${prefix}.bias`),
      dropoutSite === undefined ? 0 : 1, s.seed, dropoutSite ?? 0, { f: config.layerNormEps }, { f: s.train ? dropP : 0 }, s.seq,
    ],
    (s) => rowGroups(rows(s)),
  );
}

export function rowGroups(rows: number): [number, number, number] {
  return rows <= 65535 ? [rows, 1, 1] : [65535, Math.ceil(rows / 65535), 1];
}

/** The attention kernels' grid: row blocks × heads × sequences. */
export function attentionGroups(ctx: PlanContext, s: RunShape): [number, number, number] {
  return [Math.ceil(s.seq / ATTENTION_ROWS), ctx.config.numHeads, s.batch];
}

/** Shared uniforms of the three attention kernels for layer `layer`. */
export function attentionUniforms(ctx: PlanContext, layer: number, s: RunShape): UniformValue[] {
  const { config, layout } = ctx;
  const ssa = config.attention.scoring === 'ssa';
  const names = ssaParamNames(layer);
  const flags = (ssa ? ATTENTION_FLAGS.ssa : 0) | (config.attention.ssaGranularity === 'head' ? ATTENTION_FLAGS.perHead : 0);
  return [
    s.batch, s.seq, config.numHeads, headDim(config), ssa ? offsetOf(layout, names.n) : 0, ssa ? offsetOf(layout, names.b) : 0,
    flags, s.seed, SITES.attentionProbs(layer), ctx.sections.mask, ctx.act.partialOffset(config),
    { f: 1 / Math.sqrt(headDim(config)) }, { f: s.train ? config.attentionDropout : 0 }, maxSequenceLength(config),
  ];
}

export function recordForward(ctx: PlanContext): void {
  const { config, act, state, program, sections } = ctx;
  const H = config.hiddenSize;
  const F = config.intermediateSize;
  program.add(
    'embedFwd', [act.batchData, state.params, act.embPre],
    (s) => [
      s.rows, H, sections.ids, sections.positions, offsetOf(ctx.layout, 'roberta.embeddings.word_embeddings.weight'),
      offsetOf(ctx.layout, 'roberta.embeddings.position_embeddings.weight'),
      offsetOf(ctx.layout, 'roberta.embeddings.token_type_embeddings.weight'),
    ],
    (s) => flatGroups(s.rows * H),
  );
  layerNormForward(ctx, 'roberta.embeddings.LayerNorm', act.embPre, act.hidden[0], act.embStats, rowsOf, SITES.embeddings);
  for (let l = 0; l < config.numLayers; l++) {
    const prefix = `roberta.encoder.layer.${l}`;
    const x = act.hidden[l];
    const a = act.layers[l];
    denseForward(ctx, `${prefix}.attention.self.query`, x, a.q, rowsOf, H, H);
    denseForward(ctx, `${prefix}.attention.self.key`, x, a.k, rowsOf, H, H);
    denseForward(ctx, `${prefix}.attention.self.value`, x, a.v, rowsOf, H, H);
    program.add(
      'attentionFwd', [a.q, a.k, a.v, act.batchData, state.params, a.probs, a.context],
      (s) => attentionUniforms(ctx, l, s), (s) => attentionGroups(ctx, s),
    );
    denseForward(ctx, `${prefix}.attention.output.dense`, a.context, a.attnPre, rowsOf, H, H, {
      flags: MATMUL_FLAGS.dropout | MATMUL_FLAGS.residual, aux: x, site: SITES.attentionOutput(l), dropP: config.hiddenDropout,
    });
    layerNormForward(ctx, `${prefix}.attention.output.LayerNorm`, a.attnPre, a.attended, a.attnStats, rowsOf);
    denseForward(ctx, `${prefix}.intermediate.dense`, a.attended, a.inner, rowsOf, H, F, { flags: MATMUL_FLAGS.gelu, aux: a.innerPre });
    denseForward(ctx, `${prefix}.output.dense`, a.inner, a.outPre, rowsOf, F, H, {
      flags: MATMUL_FLAGS.dropout | MATMUL_FLAGS.residual, aux: a.attended, site: SITES.ffnOutput(l), dropP: config.hiddenDropout,
    });
    layerNormForward(ctx, `${prefix}.output.LayerNorm`, a.outPre, act.hidden[l + 1], a.outStats, rowsOf);
  }
  recordLmHead(ctx);
}

function recordLmHead(ctx: PlanContext): void {
  const { config, act, state, program, sections, layout } = ctx;
  const H = config.hiddenSize;
  program.add(
    'gatherRows', [act.batchData, act.hidden[config.numLayers], act.gathered],
    (s) => [s.targets, H, sections.targets], (s) => flatGroups(s.targets * H),
  );
  denseForward(ctx, 'lm_head.dense', act.gathered, act.lmGelu, targetsOf, H, H, { flags: MATMUL_FLAGS.gelu, aux: act.lmPre });
  layerNormForward(ctx, 'lm_head.layer_norm', act.lmGelu, act.lmOut, act.lmStats, targetsOf);
  matmul(ctx, {
    a: act.lmOut, b: state.params, c: act.logits, m: targetsOf, n: constant(config.vocabSize), k: constant(H), transB: true,
    offB: offsetOf(layout, 'roberta.embeddings.word_embeddings.weight'), bias: offsetOf(layout, 'lm_head.decoder.bias'),
  });
  program.add(
    'crossEntropy', [act.batchData, act.logits, act.rowLoss],
    (s) => [s.targets, config.vocabSize, sections.targetIds, s.gradients ? 1 : 0, { f: 1 / s.targets }],
    (s) => rowGroups(s.targets),
  );
  program.add('lossReduce', [act.rowLoss, state.scalars], (s) => [s.targets], () => [1, 1, 1]);
}

// Records the forward pass into a Program: embeddings → layers (fused QKV, fused attention, output dense +
// dropout + residual → LN, FFN with GELU → dense + dropout + residual → LN) → LM head on target rows only
// → cross-entropy → mean loss. Every op covers all slots of a run in one dispatch; shapes come from the run
// (RunShape), buffers from the capacity, parameters from the slot's member (member · layout.total).
import { headDim, maxSequenceLength, type ModelConfig } from '../../model/config.js';
import { DROPOUT_SITES as SITES } from '../../model/dropout-sites.js';
import { HF_NAMES, layerNames, ssaParamNames } from '../../model/params.js';
import type { Activations, ParameterBuffers } from './activations.js';
import type { BatchSections } from './batch.js';
import { ATTENTION_ROWS } from './kernels/attention.wgsl.js';
import { MATMUL_BY_MEMBER, MATMUL_FLAGS, matmulTile, splitKCount } from './kernels/matmul.wgsl.js';
import { offsetOf, type ParamLayout } from './layout.js';
import { flatGroups, rowGroups, type Groups, type KernelName, type Program, type RunShape, type UniformValue } from './program.js';

export interface PlanContext {
  config: ModelConfig;
  layout: ParamLayout;
  sections: BatchSections;
  state: ParameterBuffers;
  act: Activations;
  program: Program;
  /** The 128-tile matmul may be picked (compiled, and allowed by the caller and the device). */
}

export type Size = (s: RunShape) => number;
export const rowsOf: Size = (s) => s.rows;
export const targetsOf: Size = (s) => s.targets;
export const constant = (n: number): Size => () => n;


export interface MatmulOp {
  a: GPUBuffer; b: GPUBuffer; c: GPUBuffer;
  m: Size; n: Size; k: Size;
  transA?: boolean; transB?: boolean;
  /** Offsets within the member's parameters or gradients (operands in those buffers). */
  offA?: number; offB?: number; offC?: number;
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

const TILE_KERNEL = { 32: 'matmulSmall', 64: 'matmul' } as const;
const TILE_KERNELS: KernelName[] = ['matmul', 'matmulSmall'];

/** Whether `buffer` holds one region per member (parameters, gradients) rather than one per slot. */
function byMember(ctx: PlanContext, buffer: GPUBuffer): boolean {
  return buffer === ctx.state.params || buffer === ctx.state.grads;
}

export function matmul(ctx: PlanContext, op: MatmulOp): void {
  const { act, state, layout } = ctx;
  const flags = (op.flags ?? 0) | (op.bias !== undefined ? MATMUL_FLAGS.bias : 0);
  const members = (byMember(ctx, op.a) ? MATMUL_BY_MEMBER.a : 0) | (byMember(ctx, op.b) ? MATMUL_BY_MEMBER.b : 0)
    | (byMember(ctx, op.c) ? MATMUL_BY_MEMBER.c : 0);
  const splits = (s: RunShape) => (op.splitK ? splitKCount(op.m(s), op.n(s), op.k(s)) : 1);
  const tile = (s: RunShape) => matmulTile(op.m(s), op.n(s), splits(s), s.slots);
  ctx.program.add(
    'matmul',
    [op.a, op.b, op.bias !== undefined ? state.params : act.unusedRead, op.splitK ? act.partials : op.aux ?? act.unusedWrite, op.c],
    (s): UniformValue[] => {
      const split = splits(s);
      const kChunk = Math.ceil(op.k(s) / split / 16) * 16;
      return [
        op.m(s), op.n(s), op.k(s), op.transA ? 1 : 0, op.transB ? 1 : 0, op.offA ?? 0, op.offB ?? 0, op.bias ?? 0, op.offC ?? 0,
        split > 1 ? MATMUL_FLAGS.splitK : flags, op.site ?? 0, kChunk, split, s.seq, layout.total, members,
        { f: s.train ? (op.dropP ?? 0) : 0 },
      ];
    },
    (s) => [Math.ceil(op.n(s) / tile(s)), Math.ceil(op.m(s) / tile(s)), splits(s) * s.slots],
    { kernels: TILE_KERNELS, pick: (s) => TILE_KERNEL[tile(s)] },
  );
  if (!op.splitK) return;
  const accumulate = (flags & MATMUL_FLAGS.accumulate) !== 0 ? 1 : 0;
  ctx.program.add(
    'splitReduce', [act.partials, op.c],
    (s) => [op.m(s) * op.n(s), 1, splits(s), op.offC ?? 0, 0, accumulate, byMember(ctx, op.c) ? 1 : 0, layout.total],
    (s) => (splits(s) > 1 ? flatGroups(op.m(s) * op.n(s), s.slots) : [0, 0, 0]),
  );
}

/**
 * x·Wᵀ + b for the HF dense layer `prefix` (kernel [out, in] in the parameter buffer). The fused QKV projection is
 * the query layer with out = 3H: the layout keeps the key and value kernels and biases right after the query's.
 */
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
      rows(s), config.hiddenSize, s.seq, offsetOf(layout, `${prefix}.weight`), offsetOf(layout, `${prefix}.bias`),
      dropoutSite === undefined ? 0 : 1, dropoutSite ?? 0, layout.total, { f: config.layerNormEps }, { f: s.train ? dropP : 0 },
    ],
    (s) => rowGroups(rows(s), s.slots),
  );
}

/** The attention kernels' grid: row blocks × heads × (slots · sequences). */
export function attentionGroups(ctx: PlanContext, s: RunShape): Groups {
  return [Math.ceil(s.seq / ATTENTION_ROWS), ctx.config.numHeads, s.slots * s.batch];
}

/** Where the SSA partial sums start in dScores: after every slot's [B, heads, T, T] scores. */
export function ssaPartialOffset(ctx: PlanContext, s: RunShape): number {
  return s.slots * s.batch * ctx.config.numHeads * s.seq * s.seq;
}

/** Shared uniforms of the three attention kernels for layer `layer`. */
export function attentionUniforms(ctx: PlanContext, layer: number, s: RunShape): UniformValue[] {
  const { config, layout } = ctx;
  const names = ssaParamNames(layer);
  return [
    s.batch, s.seq, config.numHeads, offsetOf(layout, names.n), offsetOf(layout, names.b), SITES.attentionProbs(layer),
    ctx.sections.mask, ssaPartialOffset(ctx, s), maxSequenceLength(config), layout.total,
    { f: 1 / Math.sqrt(headDim(config)) }, { f: s.train ? config.attentionDropout : 0 },
  ];
}

export function recordForward(ctx: PlanContext): void {
  const { config, act, state, program, sections, layout } = ctx;
  const H = config.hiddenSize;
  const F = config.intermediateSize;
  program.add(
    'embedFwd', [state.params, act.embPre],
    (s) => [
      s.rows, H, sections.ids, sections.positions, offsetOf(layout, HF_NAMES.wordEmbeddings),
      offsetOf(layout, HF_NAMES.positionEmbeddings),
      offsetOf(layout, HF_NAMES.tokenTypeEmbeddings), layout.total,
    ],
    (s) => flatGroups(s.rows * H, s.slots),
  );
  layerNormForward(ctx, HF_NAMES.embeddingsNorm, act.embPre, act.hidden[0], act.embStats, rowsOf, SITES.embeddings);
  for (let l = 0; l < config.numLayers; l++) {
    const names = layerNames(l);
    const x = act.hidden[l];
    const a = act.layers[l];
    denseForward(ctx, names.query, x, a.qkv, rowsOf, H, 3 * H);
    program.add(
      'attentionFwd', [a.qkv, state.params, a.probs, a.context],
      (s) => attentionUniforms(ctx, l, s), (s) => attentionGroups(ctx, s),
    );
    denseForward(ctx, names.attentionOutput, a.context, a.attnPre, rowsOf, H, H, {
      flags: MATMUL_FLAGS.dropout | MATMUL_FLAGS.residual, aux: x, site: SITES.attentionOutput(l), dropP: config.hiddenDropout,
    });
    layerNormForward(ctx, names.attentionNorm, a.attnPre, a.attended, a.attnStats, rowsOf);
    denseForward(ctx, names.intermediate, a.attended, a.inner, rowsOf, H, F, { flags: MATMUL_FLAGS.gelu, aux: a.innerPre });
    denseForward(ctx, names.output, a.inner, a.outPre, rowsOf, F, H, {
      flags: MATMUL_FLAGS.dropout | MATMUL_FLAGS.residual, aux: a.attended, site: SITES.ffnOutput(l), dropP: config.hiddenDropout,
    });
    layerNormForward(ctx, names.outputNorm, a.outPre, act.hidden[l + 1], a.outStats, rowsOf);
  }
  recordLmHead(ctx);
}

function recordLmHead(ctx: PlanContext): void {
  const { config, act, state, program, sections, layout } = ctx;
  const H = config.hiddenSize;
  program.add(
    'gatherRows', [act.hidden[config.numLayers], act.gathered],
    (s) => [s.targets, H, sections.targets, s.rows], (s) => flatGroups(s.targets * H, s.slots),
  );
  denseForward(ctx, HF_NAMES.lmDense, act.gathered, act.lmGelu, targetsOf, H, H, { flags: MATMUL_FLAGS.gelu, aux: act.lmPre });
  layerNormForward(ctx, HF_NAMES.lmNorm, act.lmGelu, act.lmOut, act.lmStats, targetsOf);
  matmul(ctx, {
    a: act.lmOut, b: state.params, c: act.logits, m: targetsOf, n: constant(config.vocabSize), k: constant(H), transB: true,
    offB: offsetOf(layout, HF_NAMES.wordEmbeddings), bias: offsetOf(layout, HF_NAMES.decoderBias),
  });
  program.add(
    'crossEntropy', [act.logits, act.rowLoss],
    (s) => [s.targets, config.vocabSize, sections.targetIds, s.gradients ? 1 : 0],
    (s) => rowGroups(s.targets, s.slots),
  );
  program.add('lossReduce', [act.rowLoss, act.scalars], (s) => [s.targets], (s) => [1, 1, s.slots]);
}

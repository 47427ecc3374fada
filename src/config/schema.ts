// The one training config: defaults are BabyBERTa's (Huebner et al. 2021) unless a reason says otherwise.
// Precedence: these defaults < the preset's training overrides < --config file.json < command-line flags.
import { z } from 'zod';
import { ATTENTION_SCORINGS, DEFAULT_ATTENTION, SSA_GRANULARITIES } from '../model/attention.js';
import { PRESET_NAMES } from '../model/presets.js';

const positive = z.number().positive();
const positiveInt = z.number().int().positive();

export const trainConfigSchema = z.strictObject({
  // tiny: trains on a laptop CPU in minutes; babyberta is the paper's 8.5M-parameter model.
  preset: z.enum(PRESET_NAMES).default('tiny'),
  // the embedded child-directed corpus shipped in corpora/, so the main job needs no download.
  corpus: z.string().default('corpora/default.txt'),
  // byte-level BPE trained on the embedded corpus with the tiny preset's vocabulary size.
  tokenizer: z.string().default('corpora/default-tokenizer.json'),
  // BabyBERTa drops (never truncates) sequences longer than 128 tokens incl. <s> and </s>; at least 3 (<s>, one
  // token, </s>), at most the preset's positions (checked in resolve.ts).
  maxLength: z.number().int().min(3, 'must be at least 3 (<s>, one token and </s>)').default(128),

  // the attention settings: each field's one default, with its reason, is DEFAULT_ATTENTION (model/attention.ts).
  attention: z.enum(ATTENTION_SCORINGS).default(DEFAULT_ATTENTION.scoring),
  ssaN: z.number().min(1).default(DEFAULT_ATTENTION.ssaN),
  ssaNTrainable: z.boolean().default(DEFAULT_ATTENTION.ssaNTrainable),
  ssaB: positive.default(DEFAULT_ATTENTION.ssaB),
  ssaBTrainable: z.boolean().default(DEFAULT_ATTENTION.ssaBTrainable),
  ssaGranularity: z.enum(SSA_GRANULARITIES).default(DEFAULT_ATTENTION.ssaGranularity),

  // BabyBERTa's masking: 90% <mask> / 10% random / 0% unchanged; "hf" is the standard 80/10/10.
  masking: z.enum(['babyberta', 'hf']).default('babyberta'),
  // each token chosen with p = .15 (redrawn until at least one is chosen).
  maskProbability: z.number().gt(0).lt(1).default(0.15),
  // every utterance is copied into min(10, C(n,2)) mask patterns per pass (BabyBERTa).
  maxMaskPatterns: positiveInt.default(10),

  // the SSA paper's BabyBERTa runs are 160K steps at batch 16.
  steps: positiveInt.default(160_000),
  batchSize: positiveInt.default(16),
  // 1e-4: BabyBERTa's and the SSA paper's learning rate.
  lr: positive.default(1e-4),
  // linear warm-up over 24K steps, then linear decay to 0 at the last step; left unset, it is shortened to
  // 15% of --steps when that is less (resolve.ts: WARMUP_SHARE_PERCENT).
  warmupSteps: z.number().int().min(0).default(24_000),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  // eps 1e-6 as in BabyBERTa.
  eps: positive.default(1e-6),
  // BabyBERTa trains without weight decay.
  weightDecay: z.number().min(0).default(0),
  // PyTorch's AdamW corrects the moments' bias; false reproduces BabyBERTa's optimizer exactly.
  biasCorrection: z.boolean().default(true),
  // global-norm clip at 1.0 as in BabyBERTa and the HF Trainer.
  clipNorm: z.number().min(0).default(1),
  // seed 0: every random choice (init, order, masking, dropout) derives from it.
  seed: z.number().int().min(0).default(0),

  // auto: tensorflow if installed, else a WebGPU adapter, else wasm, else cpu.
  backend: z.enum(['auto', 'cpu', 'wasm', 'webgpu', 'tensorflow']).default('auto'),
  // auto: the fused WebGPU engine (parity-tested against the reference, ~60× faster on an H200) whenever the
  // backend is webgpu, else the tfjs reference engine; tfjs and fused force one.
  engine: z.enum(['auto', 'tfjs', 'fused']).default('auto'),
  // run folder; empty means checkpoints/<preset>-<variant>-seed<seed>.
  out: z.string().default(''),
  // a checkpoint every 1,000 steps bounds lost work to minutes on a GPU.
  saveEvery: z.number().int().min(0).default(1000),
  // the newest 3 checkpoints: the last for --resume and two before it, so a run that goes bad late still has
  // weights from a few saves back; 0 keeps all (HF's save_total_limit). --save-every 1 once kept 877 MB per 300 tiny steps.
  keepLast: z.number().int().min(0).default(3),
  // steps whose checkpoints are kept whatever keepLast says (e.g. the ones a paper analyses).
  keepSteps: z.array(positiveInt).default([]),
  // metrics.jsonl gets a line every 10 steps: a smooth curve without a huge file.
  logEvery: positiveInt.default(10),
  resume: z.boolean().default(false),
  // off: --resume refuses a training setting (lr, corpus, …) that differs from the run's; on, it is changed and
  // recorded in the run's resume-changes.jsonl.
  allowConfigChange: z.boolean().default(false),
  // 0 disables probing during training; otherwise probe every N steps for learning curves.
  probeEvery: z.number().int().min(0).default(0),
  // the generated suite shipped for the embedded corpus and its tokenizer.
  probeSuite: z.string().default('probes/default'),
  // 0 = no limit; otherwise save and exit 0 after this many minutes (GPU commands are cut at 10).
  maxMinutes: z.number().min(0).default(0),
});

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** Training settings a preset changes from BabyBERTa's, each for a reason. */
export const PRESET_TRAINING: Record<(typeof PRESET_NAMES)[number], Partial<TrainConfig>> = {
  // BabyBERTa's own tokenizer (corpora/README.md gives its provenance), the preset's 8,192-token vocabulary, and
  // the shipped suite generated for it.
  babyberta: { tokenizer: 'corpora/babyberta-tokenizer.json', probeSuite: 'probes/babyberta' },
  // a demo that shows a clearly falling loss in under 3 CPU minutes: short run, short warm-up, and a
  // 10× higher rate that a 64-wide model tolerates (1e-4 barely moves in 1,000 steps).
  tiny: { steps: 1000, warmupSteps: 100, lr: 1e-3, saveEvery: 500 },
};

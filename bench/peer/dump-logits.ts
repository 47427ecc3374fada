// Our side of the parity check with Python `transformers`: loads a babyssa checkpoint, runs engine.forward on a few
// sentences (dropout off) and writes ids, mask and logits to one .safetensors file that bench/peer/parity.py reads.
//   npx tsx bench/peer/dump-logits.ts --checkpoint checkpoints/run --out logits.safetensors [--backend cpu] [--sentence "…"]…
import { parseArgs } from 'node:util';
import { padBatch } from '../../src/data/sequences.js';
import { createEngine } from '../../src/engine/index.js';
import type { NamedTensors } from '../../src/core/tensors.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { SPECIAL_IDS } from '../../src/model/config.js';
import { loadTokenizer } from '../../src/tokenizer/load.js';

/** Child-directed sentences of different lengths, so the batch is padded and padding is exercised. */
const DEFAULT_SENTENCES = [
  'the dog is on the bed .',
  'where is your ball ?',
  'do you want to play with the big red truck now ?',
  'look .',
];

type Backend = 'auto' | 'cpu' | 'wasm' | 'webgpu' | 'tensorflow';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      checkpoint: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string', default: 'cpu' },
      engine: { type: 'string', default: 'tfjs' },
      sentence: { type: 'string', multiple: true },
    },
  });
  if (!values.checkpoint || !values.out) throw new Error('usage: dump-logits.ts --checkpoint DIR --out FILE.safetensors [--backend cpu] [--sentence TEXT]…');
  const checkpoint = await loadCheckpoint(values.checkpoint);
  const tokenizer = await loadTokenizer(checkpoint.tokenizerPath);
  const sentences = values.sentence?.length ? values.sentence : DEFAULT_SENTENCES;
  const batch = padBatch(sentences.map((s) => tokenizer.encode(s).ids), SPECIAL_IDS.pad);
  const engine = await createEngine({
    config: checkpoint.modelConfig, weights: checkpoint.weights,
    backend: values.backend as Backend, engine: values.engine as 'tfjs' | 'fused',
  });
  try {
    const { logits } = await engine.forward(batch); // [B, T, V]
    const shape = [batch.batchSize, batch.seqLen];
    // Ids and mask as float32 (exact below 2^24): our safetensors writer stores F32 only.
    const tensors: NamedTensors = new Map([
      ['input_ids', { shape, data: Float32Array.from(batch.inputIds) }],
      ['attention_mask', { shape, data: Float32Array.from(batch.attentionMask) }],
      ['logits', logits],
    ]);
    await writeSafetensors(values.out, tensors, {
      checkpoint: checkpoint.dir, sentences: JSON.stringify(sentences), backend: engine.backend, engine: engine.kind,
    });
    process.stderr.write(`dump-logits: ${sentences.length} sentences × ${batch.seqLen} tokens × ${logits.shape[2]} logits from ${checkpoint.dir} on ${engine.kind}/${engine.backend} → ${values.out}\n`);
  } finally {
    engine.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`dump-logits: ${(error as Error).message}\n`);
  process.exit(1);
});

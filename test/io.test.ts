import { mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from '../src/io/safetensors.js';
import { validateWeights } from '../src/io/checkpoint.js';
import { hfConfigFromModel, modelConfigFromHf } from '../src/io/hf-config.js';
import { MODEL_PRESETS } from '../src/model/presets.js';
import { countParameters, paramSpecs, numel } from '../src/model/params.js';
import type { NamedTensors } from '../src/core/tensors.js';

function tensors(): NamedTensors {
  return new Map([
    ['a.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -0]) }],
    ['b', { shape: [1], data: Float32Array.from([Math.PI]) }],
  ]);
}

describe('safetensors', () => {
  it('round-trips names, shapes, values and metadata', () => {
    const bytes = encodeSafetensors(tensors(), { format: 'pt' });
    const { tensors: back, metadata } = decodeSafetensors(bytes, 'mem');
    expect(metadata).toEqual({ format: 'pt' });
    expect([...back.keys()]).toEqual(['a.weight', 'b']);
    expect(back.get('a.weight')).toEqual(tensors().get('a.weight'));
    expect(back.get('b')!.data[0]).toBeCloseTo(Math.PI, 6);
  });

  it('lays the header out as the format requires (8-byte length, JSON, aligned data)', () => {
    const bytes = encodeSafetensors(tensors());
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
    expect(header['a.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.b.data_offsets).toEqual([24, 28]);
    expect(bytes.length).toBe(8 + headerLength + 28);
  });

  it('reads F16 and BF16 tensors written by PyTorch', () => {
    const header = JSON.stringify({ h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] }, g: { dtype: 'BF16', shape: [1], data_offsets: [4, 6] } });
    const body = Buffer.alloc(6);
    body.writeUInt16LE(0x3c00, 0); // 1.0
    body.writeUInt16LE(0xc000, 2); // -2.0
    body.writeUInt16LE(0x4049, 4); // bf16 ≈ 3.140625
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(header.length));
    const { tensors: t } = decodeSafetensors(Buffer.concat([length, Buffer.from(header), body]), 'mem');
    expect([...t.get('h')!.data]).toEqual([1, -2]);
    expect(t.get('g')!.data[0]).toBeCloseTo(3.140625, 6);
  });

  it('names the file when it is truncated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'babyssa-io-'));
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, tensors());
    const whole = await readFile(path);
    await writeFile(path, whole.subarray(0, whole.length - 5));
    await expect(readSafetensors(path)).rejects.toThrow(/model\.safetensors.*truncated/);
    await writeFile(path, whole.subarray(0, 12));
    await expect(readSafetensors(path)).rejects.toThrow(/truncated/);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('model parameters and HF config', () => {
  it('counts BabyBERTa at 8,524,032 parameters like HF RobertaForMaskedLM', () => {
    expect(countParameters(MODEL_PRESETS.babyberta)).toBe(8_524_032);
  });

  it('uses HF tensor names', () => {
    const names = paramSpecs(MODEL_PRESETS.babyberta).map((s) => s.name);
    expect(names).toContain('roberta.encoder.layer.3.attention.self.query.weight');
    expect(names).toContain('lm_head.decoder.bias');
    expect(names).toContain('roberta.embeddings.token_type_embeddings.weight');
  });

  it('round-trips the model config through config.json', () => {
    const ssa = { ...MODEL_PRESETS.tiny, attention: { scoring: 'ssa' as const, ssaN: 2, ssaNTrainable: true, ssaB: 0.8, ssaBTrainable: false, ssaGranularity: 'head' as const } };
    expect(modelConfigFromHf(hfConfigFromModel(ssa), 'config.json')).toEqual(ssa);
  });

  it('rejects a missing tensor and a wrong shape with the tensor named', () => {
    const config = MODEL_PRESETS.tiny;
    const weights: NamedTensors = new Map(paramSpecs(config).map((s) => [s.name, { shape: s.shape, data: new Float32Array(numel(s.shape)) }]));
    expect(validateWeights(weights, config, 'x').size).toBe(weights.size);
    const wrong = new Map(weights);
    wrong.set('lm_head.dense.weight', { shape: [3, 3], data: new Float32Array(9) });
    expect(() => validateWeights(wrong, config, 'x')).toThrow(/lm_head\.dense\.weight has shape \[3,3\]/);
    const missing = new Map(weights);
    missing.delete('roberta.encoder.layer.1.output.dense.bias');
    expect(() => validateWeights(missing, config, 'x')).toThrow(/missing tensor roberta\.encoder\.layer\.1\.output\.dense\.bias/);
  });
});

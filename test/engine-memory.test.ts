// A batch too large for the backend's memory (issue 13, item 6: `--batch-size 100000` crashed with "memory access
// out of bounds" from dispose): the failure the backend raises becomes one line naming the batch, and nothing
// else passes for it. A real wasm exhaustion needs over 4 GiB of memory, too much for the test suite; `pretrain
// --batch-size 20000 --backend wasm` shows it by hand.
import { describe, expect, it } from 'vitest';
import { outOfMemory } from '../src/engine/tfjs/engine.js';
import type { TokenBatch } from '../src/core/batches.js';

const batch = { batchSize: 20000, seqLen: 22 } as TokenBatch;

describe('out of memory in the reference engine', () => {
  it.each([
    ['wasm aborting', new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.'), 'wasm', /^the wasm backend ran out of memory on a batch of 20000 sequences × 22 tokens \(Aborted\(\)\. Build.*\); lower --batch-size$/],
    ['wasm out of bounds', new WebAssembly.RuntimeError('memory access out of bounds'), 'wasm', /ran out of memory .*\(memory access out of bounds\)/],
    ['cpu failing to allocate', new RangeError('Array buffer allocation failed'), 'cpu', /^the cpu backend ran out of memory on a batch of 20000/],
  ] as const)('%s is one line naming the batch', (_name, error, backend, message) => {
    expect(outOfMemory(error, backend, batch)).toMatch(message);
  });

  it.each([
    ['a bug on wasm', new TypeError('x is undefined'), 'wasm'],
    ['a wasm error on another backend', new WebAssembly.RuntimeError('unreachable'), 'cpu'],
    ['an unrelated RangeError', new RangeError('Maximum call stack size exceeded'), 'cpu'],
  ] as const)('%s stays what it is', (_name, error, backend) => {
    expect(outOfMemory(error, backend, batch)).toBeUndefined();
  });
});

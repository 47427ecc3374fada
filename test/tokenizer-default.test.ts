// The shipped default tokenizer must be what `babyssa tokenizer train` makes from the shipped corpus, sized for
// the `tiny` preset that `babyssa pretrain` uses by default.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readCorpusLines } from '../src/data/corpus.js';
import { SPECIAL_TOKENS } from '../src/model/config.js';
import { MODEL_PRESETS } from '../src/model/presets.js';
import { serializeTokenizerJson } from '../src/tokenizer/hf-json.js';
import { loadTokenizer } from '../src/tokenizer/load.js';
import { countWords, trainBpe } from '../src/tokenizer/train.js';

const CORPUS = 'corpora/default.txt';
const TOKENIZER = 'corpora/default-tokenizer.json';

describe('corpora/default-tokenizer.json', () => {
  it('equals a fresh training on corpora/default.txt (retrain it whenever the corpus changes)', async () => {
    const vocabSize = MODEL_PRESETS.tiny.vocabSize;
    const trained = serializeTokenizerJson(trainBpe(countWords(await readCorpusLines(CORPUS)), { vocabSize, minFrequency: 2 }));
    expect(trained === (await readFile(TOKENIZER, 'utf8')), `run: npx babyssa tokenizer train --corpus ${CORPUS} --vocab-size ${vocabSize} --out ${TOKENIZER}`).toBe(true);
  });

  it('fits the tiny preset: its vocabulary size and special ids', async () => {
    const tokenizer = await loadTokenizer(TOKENIZER);
    expect(tokenizer.vocabSize).toBe(MODEL_PRESETS.tiny.vocabSize);
    expect(SPECIAL_TOKENS.map((token) => tokenizer.tokenToId(token))).toEqual([0, 1, 2, 3, 4]);
    expect(tokenizer.encode('where is the ball ?').tokens).toEqual(['<s>', 'Ġwhere', 'Ġis', 'Ġthe', 'Ġball', 'Ġ?', '</s>']);
  });
});

describe('corpora/babyberta-tokenizer.json', () => {
  it('is BabyBERTa\'s tokenizer (the provenance check in corpora/README.md) and fits the babyberta preset', async () => {
    const tokenizer = await loadTokenizer('corpora/babyberta-tokenizer.json');
    expect(tokenizer.vocabSize).toBe(MODEL_PRESETS.babyberta.vocabSize);
    expect(SPECIAL_TOKENS.map((token) => tokenizer.tokenToId(token))).toEqual([0, 1, 2, 3, 4]);
    expect(tokenizer.encode('the lie on the foot is flat .').ids).toEqual([3, 187, 3995, 245, 187, 1823, 243, 4648, 191, 4]);
  });
});

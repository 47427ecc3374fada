// Loads any HF byte-level BPE tokenizer.json (ours, BabyBERTa's, RoBERTa's) and encodes with tokenizers.js, the
// pure-JS port of HF tokenizers, so loading needs no native code.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { UserError } from '../core/errors.js';
import { SPECIAL_IDS, SPECIAL_TOKENS, type ModelConfig } from '../model/config.js';
import { BYTE_ALPHABET, WORD_START } from './byte-level.js';
import type { Encoded, Tokenizer } from './types.js';

interface TokenizerFile {
  model?: { type?: string; vocab?: unknown; merges?: unknown; unk_token?: string | null };
  pre_tokenizer?: { type?: string; pretokenizers?: { type?: string }[] } | null;
  added_tokens?: { id: number; content: string }[];
}

function isByteLevel(preTokenizer: TokenizerFile['pre_tokenizer']): boolean {
  if (!preTokenizer) return false;
  if (preTokenizer.type === 'ByteLevel') return true;
  return preTokenizer.type === 'Sequence' && (preTokenizer.pretokenizers ?? []).some((p) => p.type === 'ByteLevel');
}

/** Checks the parts babyssa relies on and says which one is wrong; returns the highest id + 1. */
function checkTokenizerFile(parsed: TokenizerFile, source: string): number {
  const model = parsed.model;
  if (!model || typeof model.vocab !== 'object' || model.vocab === null || Array.isArray(model.vocab) || !Array.isArray(model.merges)) {
    throw new UserError(`${source}: model is ${model?.type ?? 'missing'}, not BPE (babyssa needs a byte-level BPE tokenizer.json like RoBERTa's)`);
  }
  if (model.type !== undefined && model.type !== 'BPE') throw new UserError(`${source}: model is ${model.type}, not BPE`);
  if (!isByteLevel(parsed.pre_tokenizer)) {
    throw new UserError(`${source}: pre-tokenizer is ${parsed.pre_tokenizer?.type ?? 'missing'}, not ByteLevel (babyssa needs byte-level BPE)`);
  }
  const vocab = model.vocab as Record<string, number>;
  // BabyBERTa's own tokenizers hold only the bytes their corpus had and send the rest to <unk>; without an unk
  // token such a vocabulary would leave some text with no ids at all.
  const missing = BYTE_ALPHABET.filter((symbol) => vocab[symbol] === undefined);
  const unk = model.unk_token;
  if (missing.length > 0 && (typeof unk !== 'string' || vocab[unk] === undefined)) {
    throw new UserError(`${source}: the vocabulary lacks ${missing.length} of the 256 byte symbols and has no unk_token, so some text cannot be encoded`);
  }
  const ids = [...Object.values(vocab), ...(parsed.added_tokens ?? []).map((token) => token.id)];
  return ids.reduce((max, id) => Math.max(max, id), -1) + 1;
}

async function readTokenizerText(path: string): Promise<{ text: string; file: string }> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UserError(`tokenizer file not found: ${path}`);
  // A folder written by `babyssa tokenizer train --out DIR` (or a checkpoint step) holds tokenizer.json.
  const file = info.isDirectory() ? join(path, 'tokenizer.json') : path;
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) throw new UserError(`tokenizer file not found: ${file}`);
  return { text, file };
}

export function tokenizerFromJson(text: string, source: string): Tokenizer {
  let parsed: TokenizerFile;
  try {
    parsed = JSON.parse(text) as TokenizerFile;
  } catch (error) {
    throw new UserError(`${source} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new UserError(`${source} is not a tokenizer.json object`);
  const vocabSize = checkTokenizerFile(parsed, source);
  parsed.added_tokens ??= [];
  let inner: HfTokenizer;
  try {
    inner = new HfTokenizer(parsed, {});
  } catch (error) {
    throw new UserError(`${source} cannot be read as a HF tokenizer (${(error as Error).message})`);
  }
  const idOf = (token: string) => inner.token_to_id(token);
  const bos = idOf(SPECIAL_TOKENS[SPECIAL_IDS.bos]);
  const eos = idOf(SPECIAL_TOKENS[SPECIAL_IDS.eos]);
  if (bos === undefined || eos === undefined) throw new UserError(`${source} has no <s> or </s> token`);
  const bosToken = SPECIAL_TOKENS[SPECIAL_IDS.bos];
  const eosToken = SPECIAL_TOKENS[SPECIAL_IDS.eos];

  // Specials are added here rather than by the file's post-processor, so every tokenizer wraps the same way.
  const encodeBare = (text: string): Encoded => {
    const { ids, tokens } = inner.encode(text, { add_special_tokens: false });
    return { ids, tokens };
  };
  return {
    vocabSize,
    json: text,
    encode(text) {
      const bare = encodeBare(text);
      return { ids: [bos, ...bare.ids, eos], tokens: [bosToken, ...bare.tokens, eosToken] };
    },
    decode: (ids) => inner.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false }),
    tokenToId: idOf,
    idToToken: (id) => inner.id_to_token(id),
    isWholeWord(word) {
      // The explicit space makes the word-start form whether or not the file sets add_prefix_space.
      const { tokens } = encodeBare(` ${word.trim()}`);
      return tokens.length === 1 && tokens[0].startsWith(WORD_START) && tokens[0].length > 1;
    },
    isWordStart: (id) => inner.id_to_token(id)?.startsWith(WORD_START) ?? false,
  };
}

export async function loadTokenizer(path: string): Promise<Tokenizer> {
  const { text, file } = await readTokenizerText(path);
  return tokenizerFromJson(text, file);
}

/** Fails unless the tokenizer's vocabulary and special ids are the ones the model was built for. */
export function checkTokenizerFits(tokenizer: Tokenizer, model: ModelConfig, source: string): void {
  if (tokenizer.vocabSize !== model.vocabSize) {
    throw new UserError(`${source} has ${tokenizer.vocabSize} tokens but the model expects ${model.vocabSize}; train a tokenizer with --vocab-size ${model.vocabSize}`);
  }
  SPECIAL_TOKENS.forEach((token, id) => {
    if (tokenizer.tokenToId(token) !== id) throw new UserError(`${source}: special token ${token} must have id ${id} (has ${tokenizer.tokenToId(token) ?? 'none'})`);
  });
}

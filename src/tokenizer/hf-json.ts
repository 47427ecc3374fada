// A trained BPE as a standard HF tokenizer.json: the pipeline of RoBERTa/BabyBERTa (Lowercase → ByteLevel →
// BPE → RobertaProcessing, ByteLevel decoding), loadable by the Rust `tokenizers`, Python `transformers` and
// tokenizers.js alike.
import { SPECIAL_IDS, SPECIAL_TOKENS } from '../model/config.js';
import type { TrainedBpe } from './train.js';

const BYTE_LEVEL = { add_prefix_space: true, trim_offsets: true, use_regex: true };

export function hfTokenizerJson(bpe: TrainedBpe): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  bpe.vocab.forEach((token, id) => {
    vocab[token] = id;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      // RoBERTa's <mask> swallows the space before it, so "the <mask> ." masks the word " X".
      lstrip: content === '<mask>',
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'ByteLevel', ...BYTE_LEVEL },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [SPECIAL_TOKENS[SPECIAL_IDS.eos], SPECIAL_IDS.eos],
      cls: [SPECIAL_TOKENS[SPECIAL_IDS.bos], SPECIAL_IDS.bos],
      trim_offsets: true,
      add_prefix_space: true,
    },
    decoder: { type: 'ByteLevel', ...BYTE_LEVEL },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      // Byte-level symbols never contain a space, so the classic "left right" string form is unambiguous and
      // readable by older tokenizers versions too.
      merges: bpe.merges.map(([left, right]) => `${left} ${right}`),
    },
  };
}

/** The file text: two-space indented like HF's pretty output, one merge per line, newline at the end. */
export function serializeTokenizerJson(bpe: TrainedBpe): string {
  return `${JSON.stringify(hfTokenizerJson(bpe), null, 2)}\n`;
}

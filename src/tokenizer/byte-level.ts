// GPT-2 byte-level pre-tokenization, as HF's ByteLevel pre-tokenizer does it with add_prefix_space=true and
// use_regex=true (after the Lowercase normalizer): every word becomes a string over a 256-symbol alphabet in
// which each UTF-8 byte is one printable character, so BPE never meets an unknown symbol.

/** GPT-2's split: contractions, letter runs, digit runs, other runs, each with at most one leading space. */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * GPT-2's byte→unicode table: printable Latin-1 bytes map to themselves, the other 68 bytes (controls, space,
 * soft hyphen, …) to U+0100 upwards, in byte order. So a space is `Ġ` (U+0120) and a newline `Ċ`.
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) table.push(String.fromCharCode(printable(b) ? b : 256 + shifted++));
  return table;
})();

/** The 256 alphabet symbols in code-point order (the order HF's BPE trainer gives them ids). */
export const BYTE_ALPHABET: readonly string[] = [...BYTE_TO_CHAR].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));

/** The marker of a word start: the byte-level image of the space before a word. */
export const WORD_START = BYTE_TO_CHAR[0x20];

const utf8 = new TextEncoder();

export function bytesToSymbols(text: string): string {
  let out = '';
  for (const byte of utf8.encode(text)) out += BYTE_TO_CHAR[byte];
  return out;
}

/** Lowercase, prepend a space unless there is one, split with the GPT-2 regex, map bytes to symbols. */
export function preTokenize(text: string): string[] {
  const lowered = text.toLowerCase();
  const spaced = lowered.startsWith(' ') ? lowered : ` ${lowered}`;
  return (spaced.match(GPT2_SPLIT) ?? []).map(bytesToSymbols);
}

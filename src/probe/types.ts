// What every probe suite becomes, whatever its format (ours, Zorro, BLiMP): named paradigms of (good, bad)
// sentence pairs. The format readers and everything that scores a suite share these shapes.

export interface MinimalPair {
  good: string;
  bad: string;
}

export interface Paradigm {
  name: string;
  phenomenon: string;
  /** The file it was read from, for messages. */
  source: string;
  pairs: MinimalPair[];
}

export type SuiteFormat = 'babyssa' | 'zorro' | 'blimp';

export interface Suite {
  name: string;
  /** Absolute path of the file or directory. */
  path: string;
  format: SuiteFormat;
  /** sha256 of the paradigms' names and sentences, independent of file layout and line endings. */
  hash: string;
  /** sha256 of the tokenizer.json a generated suite was made for (its suite.json says); null for Zorro and BLiMP. */
  tokenizerSha256: string | null;
  paradigms: Paradigm[];
}

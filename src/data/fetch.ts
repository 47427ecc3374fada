// Downloading a public corpus and checking it is exactly the file we expect before it lands on disk.
// The check is the git blob SHA-1 (sha1("blob <size>\0" + bytes)): the id GitHub's own tree records for the
// file, so it can be compared against the repository without trusting the download.
import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';

export interface ExpectedFile {
  lines: number;
  gitBlobSha1: string;
}

export interface KnownCorpus extends ExpectedFile {
  url: string;
  description: string;
}

/**
 * AO-CHILDES as BabyBERTa trained on it: phueb/BabyBERTa, data/corpora/aochildes.txt at commit 375cec37
 * ("use consistent question marking in aochildes corpus", 2021-05-24), the last commit touching the file and
 * the version on master. The blob id comes from that commit's git tree; the line count from the paper.
 */
export const KNOWN_CORPORA: Record<string, KnownCorpus> = {
  aochildes: {
    url: 'https://raw.githubusercontent.com/phueb/BabyBERTa/375cec376fa026812eca7302d7086b4b2b86c5ed/data/corpora/aochildes.txt',
    lines: 893_989,
    gitBlobSha1: 'eb6a44d3bfebc2ed662eae2949bfdbbaa75e17b2',
    description: 'AO-CHILDES, American-English child-directed speech (≈5M words), from BabyBERTa\'s repository',
  },
};

export function gitBlobSha1(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Lines as `wc -l` counts them, plus a last line without a newline. */
export function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) lines++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? lines + 1 : lines;
}

export interface DownloadOptions {
  url: string;
  out: string;
  expected: ExpectedFile;
  /** Called as bytes arrive; total is undefined when the server sends no Content-Length. */
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface DownloadResult {
  bytes: number;
  lines: number;
  gitBlobSha1: string;
}

async function download(url: string, onProgress: DownloadOptions['onProgress']): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new UserError(`download failed: ${cause} (${url}); check the network, or pass --url with a mirror`);
  }
  if (!response.ok || !response.body) {
    throw new UserError(`download failed: HTTP ${response.status} ${response.statusText} from ${url}`.trimEnd());
  }
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk);
      received += chunk.length;
      onProgress?.(received, total);
    }
  } catch (error) {
    throw new UserError(`download interrupted after ${received} bytes: ${(error as Error).message} (${url})`);
  }
  return Buffer.concat(chunks, received);
}

/** Downloads, verifies line count and git blob SHA-1, and only then writes `out` (atomically). */
export async function downloadCorpus(options: DownloadOptions): Promise<DownloadResult> {
  const bytes = await download(options.url, options.onProgress);
  const result = { bytes: bytes.length, lines: countLines(bytes), gitBlobSha1: gitBlobSha1(bytes) };
  if (result.gitBlobSha1 !== options.expected.gitBlobSha1) {
    throw new UserError(
      `downloaded file does not match: git blob SHA-1 ${result.gitBlobSha1} (${result.bytes} bytes, ${result.lines} lines), expected ${options.expected.gitBlobSha1}; nothing written to ${options.out}`,
    );
  }
  if (result.lines !== options.expected.lines) {
    throw new UserError(`downloaded file has ${result.lines} lines, expected ${options.expected.lines}; nothing written to ${options.out}`);
  }
  await writeFileAtomic(options.out, bytes);
  return result;
}

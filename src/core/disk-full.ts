// A full disk (or an exhausted quota) is the user's to fix, not a bug: one line naming the folder and the space
// the write needed, instead of a stack trace.
import { UserError } from './errors.js';

/** A UserError that still says it came from a full disk, so a caller that wraps a write can tell. */
export class DiskFullError extends UserError {
  constructor(
    message: string,
    readonly code: 'ENOSPC' | 'EDQUOT',
  ) {
    super(message);
  }
}

export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `what` says what was being written (e.g. "checkpoint step-1000") into `folder`; `then`, what to do once space is free. */
export function diskFullError(error: unknown, folder: string, bytes: number, what: string, then = 'run again'): DiskFullError {
  const code = (error as NodeJS.ErrnoException).code === 'EDQUOT' ? 'EDQUOT' : 'ENOSPC';
  const reason = code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on the device';
  return new DiskFullError(`${reason} in ${folder} while writing ${what} (needs about ${formatBytes(bytes)}); free some space and ${then}`, code);
}

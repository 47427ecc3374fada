// The command line's side of user errors: `fail` for a bad flag; main.ts prints a UserError as one line.
import { UserError } from '../core/errors.js';

export function fail(message: string): never {
  throw new UserError(message);
}

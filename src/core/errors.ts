// The ground floor's error type: every layer may throw it, and the command line prints it as one line.

/** A mistake the user can fix (bad path, bad flag, bad file): printed as one line, no stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A mistake the user can fix (bad path, bad flag, bad file): printed as one line, no stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function fail(message: string): never {
  throw new UserError(message);
}

/** Errors that the CLI reports as one readable line with a non-zero exit code. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT = { ok: 0, verificationFailed: 1, usage: 2, failure: 3 } as const;

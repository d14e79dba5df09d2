/** A mistake in the command line: exit code 2, one line on stderr. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

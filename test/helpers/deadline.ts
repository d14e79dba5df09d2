/**
 * Bounds one step of a long test. Mocha's own timeout only says "the test took
 * too long"; a step that names itself says which wait hung, which is what a
 * rare failure on a shared CI machine needs to be diagnosed from its log.
 */
export async function within<T>(ms: number, step: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step "${step}" did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every `everyMs` until it holds; fails naming `step` after `ms`. */
export async function until(ms: number, step: string, condition: () => boolean, everyMs = 10): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`step "${step}" did not finish within ${ms} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Keeps reading a source while its consumer is busy, up to `maxWeight` ahead
 * (bytes by default).
 * Ingest hashes and writes a block at a time; without read-ahead the upload
 * socket stalls whenever that waits (for the hashing worker, for the disk),
 * and the sender with it, which made ingest ~2x slower than the link.
 */
export async function* readAhead<T = Uint8Array>(
  source: AsyncIterable<T>,
  maxWeight: number,
  weigh: (item: T) => number = (item) => (item as Uint8Array).byteLength,
): AsyncGenerator<T> {
  const queue: T[] = [];
  let queuedBytes = 0;
  let done = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  let stopped = false;

  void (async () => {
    try {
      for await (const chunk of source) {
        if (stopped) return;
        queue.push(chunk);
        queuedBytes += weigh(chunk);
        wakeConsumer?.();
        while (queuedBytes >= maxWeight && !stopped) await new Promise<void>((resolve) => (wakeProducer = resolve));
        if (stopped) return;
      }
    } catch (error) {
      failure = { error };
    } finally {
      done = true;
      wakeConsumer?.();
    }
  })();

  try {
    for (;;) {
      if (queue.length > 0) {
        const chunk = queue.shift()!;
        queuedBytes -= weigh(chunk);
        wakeProducer?.();
        yield chunk;
        continue;
      }
      if (failure) throw failure.error;
      if (done) return;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
      wakeConsumer = undefined;
    }
  } finally {
    // The consumer stopped early (error or return): stop pulling from the source.
    // Not awaited: the pump may be waiting for the source's next chunk (a slow or
    // stalled upload), and the consumer's failure must not wait for that client.
    // The pump drops whatever still arrives and ends the source when it does.
    stopped = true;
    wakeProducer?.();
  }
}


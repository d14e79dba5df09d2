/**
 * V8 heap growth for a service that streams gigabytes through its heap.
 *
 * Node's HTTP parser hands every 64 KiB of a request body to JavaScript in a
 * new Buffer, and V8 counts those bytes against the old generation's growth
 * limit until its next full (mark-compact) GC. With V8's adaptive growth
 * factor the service fell, from one upload to the next, into a regime of a
 * full GC every ~30 MB of upload: 30 of them per GiB, 1–2 s of CPU on the
 * GC threads, a 1 GiB ingest 3.1–3.5 s instead of 2.0–2.3 s. A fixed factor
 * of 3 (the adaptive one ranges 1.1–4) keeps it at 0–2 full GCs per GiB, for
 * ~5 MB more peak RSS (scripts/bench.ts measures both).
 *
 * V8 reads this flag at every full GC, so setting it at run time takes effect.
 * An explicit `node --heap-growing-percent=N` wins.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 200;

/** Sets the growth factor unless the process was started with one; true if it set it. */
export function tuneHeapForStreaming(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}

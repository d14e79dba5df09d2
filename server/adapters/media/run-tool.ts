/**
 * Runs ffmpeg or ffprobe as a child process: explicit arguments, no shell, a
 * hard timeout, and errors that say what went wrong in ffmpeg's own words.
 *
 * Batch runs only: on timeout or abort the process is SIGKILLed, which loses
 * whatever it was writing. That is fine here (outputs are temporary files the
 * caller discards on failure); a live recording must be stopped with SIGINT.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../../core/errors';

/** Enough for ffmpeg's last few lines; ffmpeg can print megabytes of warnings on a damaged file. */
const STDERR_TAIL_BYTES = 8 * 1024;
const DEFAULT_STDOUT_LIMIT = 4 * 1024 * 1024;

export interface RunToolOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Keep stdout (up to this many bytes; more is an error: the output was not what we expected). */
  captureStdout?: boolean | number;
  /** Parse `-progress pipe:1` blocks on stdout into a fraction of durationSeconds. */
  onProgress?: (fraction: number) => void;
  durationSeconds?: number;
  /**
   * Consumers of extra output pipes: the first reads fd 3 (`pipe:3` to ffmpeg), the next fd 4...
   * Each must read its stream to the end. Their results come back in `outputs`.
   */
  outputs?: ReadonlyArray<(stream: Readable) => Promise<unknown>>;
}

export interface RunToolResult {
  stdout: string;
  outputs: unknown[];
}

export async function runTool(binary: string, args: readonly string[], options: RunToolOptions): Promise<RunToolResult> {
  const name = basename(binary);
  options.signal?.throwIfAborted();
  const consumers = options.outputs ?? [];
  const child = spawn(binary, [...args], {
    stdio: ['ignore', 'pipe', 'pipe', ...consumers.map(() => 'pipe' as const)],
    windowsHide: true,
  });

  const stderr = new TailBuffer(STDERR_TAIL_BYTES);
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));

  const stdoutLimit = options.captureStdout === true ? DEFAULT_STDOUT_LIMIT : options.captureStdout || 0;
  const stdoutChunks: Buffer[] = [];
  let stdoutBytes = 0;
  let stdoutOverflow = false;
  const progress = options.onProgress ? new ProgressParser(options.onProgress, options.durationSeconds) : undefined;
  child.stdout!.on('data', (chunk: Buffer) => {
    progress?.push(chunk);
    if (stdoutLimit === 0) return;
    stdoutBytes += chunk.length;
    if (stdoutBytes > stdoutLimit) stdoutOverflow = true;
    else stdoutChunks.push(chunk);
  });

  // Consumers run concurrently with the process: ffmpeg interleaves its outputs,
  // so one unread pipe would block it and every other output.
  let consumerError: unknown;
  const consumed = consumers.map((consume, i) =>
    consume(child.stdio[3 + i] as Readable).catch((error: unknown) => {
      consumerError ??= error;
      child.kill('SIGKILL');
      (child.stdio[3 + i] as Readable).resume();
      return undefined;
    }),
  );

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const onAbort = () => child.kill('SIGKILL');
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal }));
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EACCES') {
        throw new AppError('MEDIA_TOOL_UNAVAILABLE', `cannot run ${binary}: ${error.code === 'ENOENT' ? 'not found' : 'permission denied (is it executable by this user?)'}`, { cause: error });
      }
      throw new AppError('MEDIA_TOOL_FAILED', `cannot run ${name}: ${error.message}`, { cause: error });
    });
    const outputs = await Promise.all(consumed);

    if (options.signal?.aborted) throw options.signal.reason;
    if (timedOut) {
      throw new AppError('MEDIA_TOOL_TIMEOUT', `${name} did not finish within ${options.timeoutMs} ms and was killed`, { details: { timeoutMs: options.timeoutMs } });
    }
    // ffmpeg's own failure explains a consumer's (an empty pipe); a kill because a consumer failed does not.
    const killedForConsumer = exit.code === null && consumerError !== undefined;
    if (exit.code !== 0 && !killedForConsumer) {
      const summary = summarizeStderr(stderr.text(), args);
      const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      throw new AppError('MEDIA_TOOL_FAILED', `${name} ${how}${summary ? `: ${summary}` : ''}`, {
        details: { tool: name, exitCode: exit.code, signal: exit.signal, stderr: summary },
      });
    }
    if (consumerError !== undefined) throw consumerError;
    if (stdoutOverflow) throw new AppError('MEDIA_TOOL_FAILED', `${name} wrote more than ${stdoutLimit} bytes to stdout`);
    progress?.finish();
    return { stdout: Buffer.concat(stdoutChunks).toString('utf8'), outputs };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The last one or two meaningful lines of ffmpeg's stderr, e.g. "moov atom not
 * found; Invalid data found when processing input". ffmpeg prefixes lines with
 * "[mov,mp4,... @ 0x55d...]" (an address, different each run) and with the
 * input URL (a server path, which must not reach API messages): both go.
 */
export function summarizeStderr(text: string, args: readonly string[] = []): string {
  const urls = args.filter((arg) => arg.length > 1 && !arg.startsWith('-'));
  const lines: string[] = [];
  for (let line of text.split(/\r?\n/)) {
    line = line.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '').trim();
    const url = urls.find((u) => line.startsWith(`${u}: `));
    if (url) line = line.slice(url.length + 2);
    if (line && !lines.includes(line)) lines.push(line);
  }
  return lines.slice(-2).join('; ').slice(0, 500);
}

/** Keeps the last `limit` bytes written (cut at a line start where possible). */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0].length >= this.limit) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const tail = all.subarray(Math.max(0, all.length - this.limit));
    const text = tail.toString('utf8');
    return tail.length < all.length ? text.slice(text.indexOf('\n') + 1) : text;
  }
}

/**
 * `-progress pipe:1` writes blocks of key=value lines, each ended by
 * `progress=continue` or `progress=end`. `out_time_us` is the output position
 * in microseconds; so, despite its name, is `out_time_ms`. Both are "N/A"
 * before the first frame.
 */
export class ProgressParser {
  private partial = '';
  private outTimeUs: number | undefined;
  private last = -1;

  constructor(
    private readonly onProgress: (fraction: number) => void,
    private readonly durationSeconds?: number,
  ) {}

  push(chunk: Buffer | string): void {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (key === 'out_time_us' || (key === 'out_time_ms' && this.outTimeUs === undefined)) {
        const us = Number(value);
        if (Number.isFinite(us) && us >= 0) this.outTimeUs = us;
      } else if (key === 'progress') {
        if (value === 'end') this.emit(1);
        else if (this.outTimeUs !== undefined && this.durationSeconds && this.durationSeconds > 0) {
          this.emit(Math.min(1, this.outTimeUs / (this.durationSeconds * 1e6)));
        }
        this.outTimeUs = undefined;
      }
    }
  }

  /** A run that succeeded is done, whatever the last block said. */
  finish(): void {
    this.emit(1);
  }

  private emit(fraction: number): void {
    if (fraction <= this.last) return;
    this.last = fraction;
    this.onProgress(fraction);
  }
}

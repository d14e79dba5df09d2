/**
 * Live segment-by-segment notarization (实时留痕): ffmpeg records fixed-length
 * MPEG-TS segments; as soon as ffmpeg lists a segment as finished (a new line
 * in its CSV segment list, written only after the segment is flushed), the
 * recorder hashes it, links it to the previous one, signs it and sends it.
 *
 * Sending is one ordered queue with retries: when the link drops, segments
 * wait on disk and go out in order when it returns, so the chain stays
 * intact. A retry of a segment the server already stored is answered 200
 * (same hash), so a lost answer never duplicates anything. Stopping sends
 * SIGINT to ffmpeg (never SIGKILL: the open segment would be lost), sends
 * what is left, then seals the recording with the count and the last hash.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signAsDevice } from '../server/core/device-signature';
import { NO_CONTENT_HASH } from '../server/core/recording-events';
import { formatReprDigest } from '../server/core/repr-digest';
import { sha256OfFile } from '../server/file-sha256';
import { stat } from 'node:fs/promises';

export interface LiveOptions {
  server: string;
  token: string;
  /** The device's Ed25519 private key (PKCS#8 PEM). */
  deviceKey: string;
  deviceId: string;
  officerId: string;
  ffmpegPath: string;
  /** Any ffmpeg input: an RTSP URL, a device, or a lavfi graph with inputFormat "lavfi". */
  input: string;
  inputFormat?: string;
  segmentSeconds: number;
  /** Where segments and ffmpeg's segment list are written (kept after upload). */
  workDir: string;
  note?: string;
  /** Stops the recording (as SIGINT does for the CLI). */
  signal: AbortSignal;
  onEvent?: (event: LiveEvent) => void;
  /** Longest wait between retries while the server cannot be reached. */
  maxRetryMs?: number;
}

export type LiveEvent =
  | { type: 'started'; recordingId: string }
  | { type: 'segment-finished'; sequence: number; sha256: string; size: number; finishedAt: number; lastWrittenAt: number }
  | { type: 'segment-sent'; sequence: number; sha256: string; status: number; sentAt: number }
  | { type: 'retrying'; what: string; error: string; inMs: number }
  | { type: 'sealed'; recordingId: string; segmentCount: number; lastSegmentHash: string | null };

export interface LiveResult {
  recordingId: string;
  segmentCount: number;
  lastSegmentHash: string | null;
}

interface Segment {
  sequence: number;
  file: string;
  sha256: string;
  prev: string | null;
}

export async function recordLive(options: LiveOptions): Promise<LiveResult> {
  const emit = options.onEvent ?? (() => undefined);
  const recordingId = `rec_${randomUUID()}`;
  mkdirSync(options.workDir, { recursive: true });
  const list = join(options.workDir, 'segments.csv');
  const recording = {
    recordingId,
    deviceId: options.deviceId,
    officerId: options.officerId,
    startedAt: new Date().toISOString(),
    segmentSeconds: options.segmentSeconds,
    format: 'mpegts',
    ...(options.note ? { note: options.note } : {}),
  };
  const base = new URL(`/v1/recordings/${recordingId}`, options.server);
  const auth = { authorization: `Bearer ${options.token}` };
  const send = retrying(options.maxRetryMs ?? 5000, emit);

  // A refusal (4xx) ends the recording: ffmpeg is stopped rather than left recording what cannot be sent.
  let stopRecording = () => undefined as unknown;
  const watchQueue = (promise: Promise<unknown>) => {
    promise.catch(() => stopRecording());
    return promise;
  };

  // The queue: one promise chain, so requests leave in order, each after the previous succeeded.
  let queue: Promise<unknown> = send('start', () =>
    request(base, 'PUT', { ...auth, 'content-type': 'application/json', 'custos-device-signature': signAsDevice(options.deviceKey, NO_CONTENT_HASH, recording) }, JSON.stringify(recording)),
  ).then(() => emit({ type: 'started', recordingId }));
  watchQueue(queue);

  const segments: Segment[] = [];
  const enqueue = (segment: Segment) => {
    queue = queue.then(() =>
      send(`segment ${segment.sequence}`, async () => {
        const metadata = { recordingId, deviceId: options.deviceId, sequence: segment.sequence, prevSegmentHash: segment.prev };
        const { size } = await stat(segment.file);
        const status = await request(
          new URL(`${base.pathname}/segments/${segment.sequence}`, base),
          'PUT',
          {
            ...auth,
            'content-type': 'video/mp2t',
            'content-length': String(size),
            'repr-digest': formatReprDigest(segment.sha256),
            'custos-segment-prev': segment.prev ?? 'none',
            'custos-device-signature': signAsDevice(options.deviceKey, segment.sha256, metadata),
          },
          () => createReadStream(segment.file),
        );
        emit({ type: 'segment-sent', sequence: segment.sequence, sha256: segment.sha256, status, sentAt: Date.now() });
      }),
    );
    watchQueue(queue);
  };

  const ffmpeg = spawn(
    options.ffmpegPath,
    [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
      // A generated source runs as fast as the CPU allows; real time is what a camera gives.
      ...(options.inputFormat === 'lavfi' ? ['-re'] : []),
      ...(options.inputFormat ? ['-f', options.inputFormat] : []),
      '-i', options.input,
      '-map', '0:v:0', '-map', '0:a?',
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
      // A keyframe at every segment boundary, so each segment starts cleanly and has the set length.
      '-force_key_frames', `expr:gte(t,n_forced*${options.segmentSeconds})`,
      '-c:a', 'aac',
      '-f', 'segment', '-segment_time', String(options.segmentSeconds), '-segment_format', 'mpegts',
      '-segment_list', list, '-segment_list_type', 'csv', '-reset_timestamps', '0',
      join(options.workDir, 'segment-%06d.ts'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  ffmpeg.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => ffmpeg.on('exit', (code) => resolve(code)));
  const stop = () => ffmpeg.kill('SIGINT');
  stopRecording = stop;
  if (options.signal.aborted) stop();
  options.signal.addEventListener('abort', stop, { once: true });

  // ffmpeg appends a segment's line only once the segment is complete: each new line is final.
  let seen = 0;
  const collect = async () => {
    if (!existsSync(list)) return;
    const lines = readFileSync(list, 'utf8').split('\n');
    const complete = lines.slice(0, -1); // the last element is an unfinished line (or '')
    for (; seen < complete.length; seen++) {
      const name = complete[seen].split(',')[0];
      if (!name) continue;
      const file = join(options.workDir, name);
      const sha256 = await sha256OfFile(file);
      const { size, mtimeMs } = await stat(file);
      const segment: Segment = { sequence: segments.length, file, sha256, prev: segments.length > 0 ? segments[segments.length - 1].sha256 : null };
      segments.push(segment);
      emit({ type: 'segment-finished', sequence: segment.sequence, sha256, size, finishedAt: Date.now(), lastWrittenAt: mtimeMs });
      enqueue(segment);
    }
  };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await collect();
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  const code = await exited;
  polling = false;
  await poller;
  await collect();
  options.signal.removeEventListener('abort', stop);
  // 255 is ffmpeg's exit code after SIGINT: a requested stop, not a failure.
  await queue; // a refusal by the server surfaces here
  if (code !== 0 && code !== 255 && !options.signal.aborted) {
    throw new Error(`ffmpeg stopped with exit code ${code}: ${stderr.trim().split('\n').pop() ?? ''}`);
  }

  const last = segments.length > 0 ? segments[segments.length - 1].sha256 : null;
  const seal = { recordingId, deviceId: options.deviceId, segmentCount: segments.length, sealedAt: new Date().toISOString() };
  await send('seal', () =>
    request(
      new URL(`${base.pathname}/seal`, base),
      'POST',
      { ...auth, 'content-type': 'application/json', 'custos-device-signature': signAsDevice(options.deviceKey, last ?? NO_CONTENT_HASH, seal) },
      JSON.stringify({ segmentCount: seal.segmentCount, sealedAt: seal.sealedAt }),
    ),
  );
  emit({ type: 'sealed', recordingId, segmentCount: segments.length, lastSegmentHash: last });
  return { recordingId, segmentCount: segments.length, lastSegmentHash: last };
}

/** A refusal by the server (4xx): retrying would not help. */
export class RecordingRefusedError extends Error {
  override readonly name = 'RecordingRefusedError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`${code}: ${message} (HTTP ${status})`);
  }

  /** 5xx and 429 are the server's trouble, not the request's: worth retrying. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

type Body = string | (() => NodeJS.ReadableStream);

async function request(url: URL, method: string, headers: Record<string, string>, body: Body): Promise<number> {
  const response = await fetch(url, {
    method,
    headers,
    body: typeof body === 'string' ? body : (body() as unknown as ReadableStream),
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
  const text = await response.text();
  if (response.ok) return response.status;
  let error: { code?: string; message?: string } = {};
  try {
    error = JSON.parse(text).error ?? {};
  } catch {
    // not our JSON: a proxy's error page
  }
  throw new RecordingRefusedError(response.status, error.code ?? 'HTTP_ERROR', error.message ?? text.slice(0, 200));
}

/** Runs a step until it succeeds; network failures and 5xx wait (doubling up to maxMs), 4xx refusals end the recording's upload. */
function retrying(maxMs: number, emit: (event: LiveEvent) => void) {
  return async function send<T>(what: string, step: () => Promise<T>): Promise<T> {
    let wait = 100;
    for (;;) {
      try {
        return await step();
      } catch (error) {
        if (error instanceof RecordingRefusedError && !error.retryable) throw error;
        emit({ type: 'retrying', what, error: (error as Error).message, inMs: wait });
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(maxMs, wait * 2);
      }
    }
  };
}

/**
 * What a file contains, from ffprobe. The file is untrusted (anyone with an
 * upload token can send anything), so ffprobe's JSON is parsed defensively and
 * bounded, and a file that is not a playable recording is a result, not an
 * error: `{ playable: false, reason }`. Only a broken tool throws.
 */
import { isAppError } from '../../core/errors';
import type { MediaInfo, MediaStream, ProbeResult, StreamType } from '../../ports';
import { runTool } from './run-tool';
import { fileUrl } from './file-url';

/** A few KiB for a normal file; a hostile one with thousands of streams or huge tags is refused. */
const PROBE_STDOUT_LIMIT = 4 * 1024 * 1024;
const MAX_STREAMS = 64;
const MAX_DEVICE_TAGS = 32;

/**
 * Demuxers that read stills or text, not recordings. `image2` is any image by
 * extension; `*_pipe` are the single-image demuxers chosen by content (png_pipe,
 * jpeg_pipe...); `tty` renders a text file as video.
 */
const NOT_RECORDINGS = [/^tty$/, /^image2$/, /_pipe$/, /^gif$/, /^apng$/];

/** Tags that identify the device or software that made a file (not when: that is creationTime). */
const DEVICE_TAG_KEYS = new Set([
  'make',
  'model',
  'encoder',
  'handler_name',
  'major_brand',
  'com.apple.quicktime.make',
  'com.apple.quicktime.model',
  'com.apple.quicktime.software',
]);
const DEVICE_TAG_WORDS = ['device', 'serial', 'comment', 'title'];

export async function probeMedia(ffprobePath: string, file: string, timeoutMs: number): Promise<ProbeResult> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', fileUrl(file)];
  let stdout: string;
  try {
    ({ stdout } = await runTool(ffprobePath, args, { timeoutMs, captureStdout: PROBE_STDOUT_LIMIT }));
  } catch (error) {
    // Non-zero exit is ffprobe's verdict on the file; a missing tool or a timeout is ours.
    if (!isAppError(error, 'MEDIA_TOOL_FAILED')) throw error;
    const stderr = error.details?.stderr;
    return { playable: false, reason: typeof stderr === 'string' && stderr ? stderr : 'ffprobe could not read the file' };
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return { playable: false, reason: 'ffprobe printed no valid JSON for this file' };
  }
  return toMediaInfo(json);
}

/** Maps `ffprobe -show_format -show_streams -print_format json` output to MediaInfo, or says why it is not a recording. */
export function toMediaInfo(json: unknown): ProbeResult {
  const root = asRecord(json);
  const format = asRecord(root.format);
  const container = str(format.format_name, 200);
  if (!container) return { playable: false, reason: 'ffprobe found no container format' };
  if (NOT_RECORDINGS.some((re) => re.test(container))) {
    return { playable: false, reason: `"${container}" is an image or text format, not a recording` };
  }

  const rawStreams = Array.isArray(root.streams) ? root.streams.slice(0, MAX_STREAMS).map(asRecord) : [];
  const streams = rawStreams.map(toStream);
  const hasVideo = streams.some((s) => s.type === 'video' && !s.attachedPicture);
  const hasAudio = streams.some((s) => s.type === 'audio');
  if (!hasVideo && !hasAudio) return { playable: false, reason: 'no audio or video stream' };

  const durationSeconds = nonNegative(format.duration) ?? maxOf(streams.map((s) => s.durationSeconds));
  // A recording lasts: zero or unknown duration is a still, an empty file or a stream we cannot place in time.
  if (!durationSeconds) return { playable: false, reason: 'duration is zero or unknown' };

  const formatTags = asRecord(format.tags);
  const creationTime = tag(formatTags, 'creation_time') ?? rawStreams.map((s) => tag(asRecord(s.tags), 'creation_time')).find(Boolean);
  const info: MediaInfo = {
    kind: hasVideo ? 'video' : 'audio',
    container,
    durationSeconds,
    streams,
    deviceTags: deviceTags(formatTags, rawStreams),
  };
  const bitRate = nonNegative(format.bit_rate);
  if (bitRate !== undefined) info.bitRate = Math.round(bitRate);
  if (creationTime) info.creationTime = creationTime.slice(0, 64);
  return { playable: true, info };
}

function toStream(raw: Record<string, unknown>, position: number): MediaStream {
  const stream: MediaStream = {
    index: Number.isSafeInteger(raw.index) && (raw.index as number) >= 0 ? (raw.index as number) : position,
    type: streamType(raw.codec_type),
    codec: str(raw.codec_name, 64) ?? 'unknown',
  };
  const profile = str(raw.profile, 128);
  if (profile) stream.profile = profile;
  const width = positiveInt(raw.width);
  const height = positiveInt(raw.height);
  if (width && height) Object.assign(stream, { width, height });
  if (stream.type === 'video') {
    const frameRate = str(raw.avg_frame_rate, 32);
    if (frameRate && /^\d+\/[1-9]\d*$/.test(frameRate) && !frameRate.startsWith('0/')) stream.frameRate = frameRate;
    const pixelFormat = str(raw.pix_fmt, 64);
    if (pixelFormat) stream.pixelFormat = pixelFormat;
  }
  if (stream.type === 'audio') {
    const sampleRate = positiveInt(raw.sample_rate);
    if (sampleRate) stream.sampleRate = sampleRate;
    const channels = positiveInt(raw.channels);
    if (channels) stream.channels = channels;
    const sampleFormat = str(raw.sample_fmt, 64);
    if (sampleFormat) stream.sampleFormat = sampleFormat;
  }
  const duration = nonNegative(raw.duration);
  if (duration !== undefined) stream.durationSeconds = duration;
  if (asRecord(raw.disposition).attached_pic === 1) stream.attachedPicture = true;
  return stream;
}

/** Format tags under their own name, stream tags as `stream.<index>.<name>`. */
function deviceTags(formatTags: Record<string, unknown>, rawStreams: Record<string, unknown>[]): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (prefix: string, tags: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(tags)) {
      if (Object.keys(out).length >= MAX_DEVICE_TAGS) return;
      const lower = key.toLowerCase();
      if (!DEVICE_TAG_KEYS.has(lower) && !DEVICE_TAG_WORDS.some((w) => lower.includes(w))) continue;
      const text = str(value, 1024);
      const name = `${prefix}${key}`;
      if (text && name.length <= 128) out[name] = text;
    }
  };
  add('', formatTags);
  rawStreams.forEach((s, i) => add(`stream.${Number.isSafeInteger(s.index) ? s.index : i}.`, asRecord(s.tags)));
  return out;
}

function streamType(value: unknown): StreamType {
  return value === 'video' || value === 'audio' || value === 'subtitle' || value === 'attachment' ? value : 'data';
}

function tag(tags: Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(tags).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : str(tags[key], 1024);
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function str(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined;
}

/** ffprobe prints most numbers as strings ("2.000000", "48000"); "N/A" and garbage become undefined. */
function nonNegative(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function positiveInt(value: unknown): number | undefined {
  const n = nonNegative(value);
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function maxOf(values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
}

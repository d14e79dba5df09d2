/**
 * Per-stream SHA-256 of a recording, two ways:
 *
 * - packet hashes: the encoded packets as stored, read with `-c copy` (no
 *   decoding, seconds for an hour). A pure remux between MP4, MOV and MKV keeps
 *   them, so they show that a copy in another container carries the same
 *   streams. Not across MPEG-TS: there H.264 is Annex B and AAC has ADTS
 *   headers, so the packet bytes themselves differ.
 * - decoded hashes: the decoded frames and samples, hashed in Node (ffmpeg's
 *   own SHA-256 is several times slower than OpenSSL's). Costly: a full decode.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError } from '../../core/errors';
import type { MediaInfo, MediaRunOptions, MediaStream, StreamHash } from '../../ports';
import { fileUrl } from './file-url';
import { runTool } from './run-tool';

const QUIET = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];

type HashedStream = MediaStream & { type: 'video' | 'audio' };

/** Audio and video streams, without cover art (a still is not part of the recording). */
export function hashedStreams(info: MediaInfo): HashedStream[] {
  return info.streams.filter((s): s is HashedStream => (s.type === 'video' && !s.attachedPicture) || s.type === 'audio');
}

/**
 * One ffmpeg run, one `hash` output per stream on fds 3, 4... The `hash` muxer
 * hashes packet payloads only (no timestamps, no container framing), which is
 * what a remux keeps.
 *
 * No `-ignore_editlist` here, on purpose. When an MP4's edit list excludes
 * whole packets (e.g. a file cut with `-ss ... -c copy`), the mov demuxer drops
 * them, and so does every ffmpeg remux of that file: the copy no longer holds
 * them. Hashing them in the original would make its hashes differ from its
 * remux's. Measured with ffmpeg 4.1 and 5.1, remuxing and hashing in all four
 * combinations: equal without the option, different with it.
 */
export async function packetHashes(ffmpegPath: string, file: string, info: MediaInfo, run: RunLimits): Promise<StreamHash[]> {
  const streams = hashedStreams(info);
  if (streams.length === 0) return [];
  const args = [...QUIET, '-i', fileUrl(file)];
  streams.forEach((s, k) => args.push('-map', `0:${s.index}`, '-c', 'copy', '-f', 'hash', '-hash', 'sha256', `pipe:${3 + k}`));
  const { outputs } = await runTool(ffmpegPath, args, { ...run, outputs: streams.map(() => readHashLine) });
  return streams.map((s, k) => ({ index: s.index, type: s.type, codec: s.codec, sha256: outputs[k] as string }));
}

/**
 * One ffmpeg run decoding every stream, raw output on fds 3, 4...: video in
 * its native pixel format, audio as 32-bit float PCM (what AAC and Opus
 * decoders produce, so nothing is rounded).
 *
 * - `-ignore_editlist 1` (MP4/MOV only): an edit list trims the decoded start
 *   (encoder priming, B-frame delay) differently from how MKV signals the same;
 *   without it, decoded audio of an MP4 and of its MKV remux differ.
 * - `-noautorotate`: hash the frames as coded, not turned by the display matrix.
 * - `-vsync passthrough`: ffmpeg would otherwise duplicate or drop frames to a
 *   constant rate for rawvideo output (4.1 and 5.1 both; global option in both).
 *
 * Video hashes match across ffmpeg 4.1 and 5.1 (H.264 decoding is bit-exact);
 * AAC decoded to float does not (the decoder changed between them), so decoded
 * audio hashes are comparable only under the same ffmpeg version.
 */
export async function decodedHashes(
  ffmpegPath: string,
  file: string,
  info: MediaInfo,
  run: RunLimits & Pick<MediaRunOptions, 'durationSeconds' | 'onProgress'>,
): Promise<StreamHash[]> {
  const streams = hashedStreams(info);
  if (streams.length === 0) return [];
  const isMov = info.container.split(',').includes('mov');
  const args = [
    ...QUIET,
    ...(run.onProgress ? ['-progress', 'pipe:1'] : []),
    '-vsync', 'passthrough',
    ...(isMov ? ['-ignore_editlist', '1'] : []),
    '-noautorotate',
    '-i', fileUrl(file),
  ];
  const formats = streams.map((s, k) => {
    const pipe = `pipe:${3 + k}`;
    if (s.type === 'video') {
      const pixelFormat = s.pixelFormat ? ['-pix_fmt', s.pixelFormat] : [];
      args.push('-map', `0:${s.index}`, '-c:v', 'rawvideo', ...pixelFormat, '-f', 'rawvideo', pipe);
      return `rawvideo ${s.pixelFormat ?? 'native'} ${s.width ?? '?'}x${s.height ?? '?'}`;
    }
    const rate = s.sampleRate ? ['-ar', String(s.sampleRate)] : [];
    const channels = s.channels ? ['-ac', String(s.channels)] : [];
    args.push('-map', `0:${s.index}`, '-c:a', 'pcm_f32le', ...rate, ...channels, '-f', 'f32le', pipe);
    return `f32le ${s.sampleRate ?? '?'} Hz ${s.channels ?? '?'} ch`;
  });
  const { outputs } = await runTool(ffmpegPath, args, {
    ...run,
    durationSeconds: run.durationSeconds ?? info.durationSeconds,
    outputs: streams.map(() => sha256OfStream),
  });
  return streams.map((s, k) => ({ index: s.index, type: s.type, codec: s.codec, sha256: outputs[k] as string, format: formats[k] }));
}

export interface RunLimits {
  timeoutMs: number;
  signal?: AbortSignal;
}

async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The `hash` muxer writes one line, "SHA256=<hex>". */
async function readHashLine(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += chunk.toString();
    if (text.length > 1024) break;
  }
  const match = /^SHA256=([0-9a-f]{64})\s*$/.exec(text);
  if (!match) throw new AppError('MEDIA_TOOL_FAILED', `ffmpeg's hash muxer wrote "${text.slice(0, 100)}", not a SHA-256`);
  return match[1];
}

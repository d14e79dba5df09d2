/**
 * Pinned rendition recipes: the exact ffmpeg argument list, with `{input}` and
 * `{output}` for the paths, so the list can be logged as it ran and re-run
 * later. With the same ffmpeg binary a recipe reproduces its output byte for
 * byte (measured with the Debian 5.1 and the static 4.1 build); that needs:
 *
 * - a fixed `-threads`: x264 output depends on the thread count, which would
 *   otherwise follow the machine's cores;
 * - `-fflags +bitexact -flags:v +bitexact -flags:a +bitexact`: no "Lavf"/"Lavc"
 *   version strings, which change with the build;
 * - nothing that depends on the clock: `-map_metadata 0` copies the original's
 *   tags, creation_time included (without it, creation_time is lost).
 *
 * No `-ignore_editlist` here: a rendition should show what a player shows, and
 * a player honours the edit list (it trims encoder priming and keeps audio and
 * video in sync). Hashing is where edit lists are ignored (stream-hashes.ts).
 *
 * Changing any argument changes what renditions are: add a new recipe name
 * rather than edit one whose outputs are already logged.
 */
import type { MediaInfo } from '../../ports';
import { fileUrl } from './file-url';

export interface Recipe {
  /** The rendition's name, e.g. "playback"; one rendition per name and original. */
  name: 'playback' | 'poster' | 'audio';
  mediaType: string;
  extension: string;
  /** ffmpeg's arguments with "{input}" and "{output}" placeholders. */
  args: readonly string[];
  /** Whether the service records decoded-content hashes of the original and of this rendition. */
  decodedHashes?: boolean;
}

/** Every run: quiet except for errors, progress on stdout, never waits for a terminal, overwrites the output. */
const COMMON = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y', '-progress', 'pipe:1'];
const THREADS = ['-threads', '2'];
const BITEXACT = ['-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact'];

/**
 * Fit within 1280x720 (either orientation: the long side <= 1280, the short
 * side <= 720), never upscale, even dimensions (yuv420p needs them). Written
 * with plain expressions because ffmpeg 4.1 has no force_original_aspect_ratio
 * with force_divisible_by. The +0.000001 keeps a product like 1142*(720/1142),
 * 719.9999999999999 in binary floating point, from truncating to 718.
 */
const FIT = 'min(1,min(1280/max(iw,ih),720/min(iw,ih)))';
export const SCALE_720P = `scale=w='trunc(iw*${FIT}/2+0.000001)*2':h='trunc(ih*${FIT}/2+0.000001)*2'`;

export const PLAYBACK: Recipe = {
  name: 'playback',
  mediaType: 'video/mp4',
  extension: 'mp4',
  decodedHashes: true,
  args: [
    ...COMMON,
    '-i', '{input}',
    // The first real video stream (V: not cover art) and, if there is one, the first audio stream.
    '-map', '0:V:0', '-map', '0:a:0?',
    '-vf', SCALE_720P,
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k',
    ...THREADS,
    '-map_metadata', '0',
    ...BITEXACT,
    '-movflags', '+faststart',
    '-f', 'mp4', '{output}',
  ],
};

export const AUDIO: Recipe = {
  name: 'audio',
  mediaType: 'audio/mp4',
  extension: 'm4a',
  decodedHashes: true,
  args: [
    ...COMMON,
    '-i', '{input}',
    '-map', '0:a:0',
    '-c:a', 'aac', '-b:a', '128k',
    ...THREADS,
    '-map_metadata', '0',
    ...BITEXACT,
    '-movflags', '+faststart',
    // ipod = MP4 with the "M4A " brand that audio players expect of .m4a.
    '-f', 'ipod', '{output}',
  ],
};

/**
 * One JPEG frame, at 1 s or at mid-clip if the clip is shorter (the first
 * frame of a body camera clip is often black or blurred). Input seeking in
 * ffmpeg >= 2.1 is frame-accurate (it decodes from the keyframe before), so
 * the frame is the same every run. yuvj420p: the full-range format mjpeg
 * encodes in every ffmpeg version without -strict.
 */
export function posterRecipe(info: MediaInfo): Recipe {
  const at = Math.min(1, (info.durationSeconds ?? 0) / 2).toFixed(3);
  return {
    name: 'poster',
    mediaType: 'image/jpeg',
    extension: 'jpg',
    args: [
      ...COMMON,
      '-ss', at,
      '-i', '{input}',
      '-map', '0:V:0',
      '-frames:v', '1',
      '-vf', SCALE_720P,
      '-c:v', 'mjpeg', '-q:v', '2', '-pix_fmt', 'yuvj420p',
      ...THREADS,
      '-fflags', '+bitexact', '-flags:v', '+bitexact',
      '-f', 'mjpeg', '{output}',
    ],
  };
}

/** The renditions a playable original gets: playback copy and poster for video, an M4A for audio. */
export function renditionsFor(info: MediaInfo): Recipe[] {
  return info.kind === 'video' ? [PLAYBACK, posterRecipe(info)] : [AUDIO];
}

/**
 * The arguments to run: placeholders replaced by `file:` URLs of the paths
 * (a bare path with a colon or a leading "-" would not mean that file to ffmpeg).
 */
export function fillRecipe(template: readonly string[], input: string, output: string): string[] {
  const inputUrl = fileUrl(input);
  const outputUrl = fileUrl(output);
  return template.map((arg) => (arg === '{input}' ? inputUrl : arg === '{output}' ? outputUrl : arg));
}

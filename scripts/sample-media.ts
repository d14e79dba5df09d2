/**
 * Synthetic body-camera media, generated on demand so that no media binaries
 * are committed: an H.264/AAC clip with a burned-in device id and clock (as
 * MP4 and MOV, with creation_time and device tags), a 16 kHz WAV and an AAC
 * M4A, plus files that only look like media (random bytes, text, an MP4 cut
 * before its moov atom). Used by the tests (small clips) and by
 * scripts/make-sample-media.ts (demo-sized clips).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveMediaBinaries } from '../server/adapters/media/resolve-binaries';
import { runTool } from '../server/adapters/media/run-tool';

export interface SampleMediaOptions {
  seconds?: number;
  /** "WIDTHxHEIGHT". */
  size?: string;
  deviceId?: string;
  /** ISO-8601, written as the container's creation_time and used as the burned-in clock's start. */
  creationTime?: string;
  /** The test tone: a different tone is a different recording. */
  toneHz?: number;
}

export interface SampleMedia {
  ffmpegPath: string;
  /** 30 fps H.264 + mono 48 kHz AAC. */
  mp4: string;
  /** The same streams as mp4 in a QuickTime file, with make/model tags. */
  mov: string;
  /** 16 kHz mono PCM. */
  wav: string;
  /** 48 kHz mono AAC in M4A. */
  m4a: string;
  /** False when the text could not be drawn (no font, or an ffmpeg without drawtext). */
  drawtext: boolean;
}

export const SAMPLE_DEFAULTS = { seconds: 2, size: '320x240', deviceId: 'BWC-0042', creationTime: '2024-05-01T12:00:00.000000Z', toneHz: 1000 };

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
];
const QUIET = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y'];
const TIMEOUT_MS = 5 * 60_000;

/** Writes the sample set into outDir with the given ffmpeg (default: the one the service would use). */
export async function makeSampleMedia(ffmpegPath: string | undefined, outDir: string, options: SampleMediaOptions = {}): Promise<SampleMedia> {
  const o = { ...SAMPLE_DEFAULTS, ...options };
  if (!/^\d+x\d+$/.test(o.size)) throw new Error(`size must be WIDTHxHEIGHT, got "${o.size}"`);
  const ffmpeg = ffmpegPath ?? (await resolveMediaBinaries()).ffmpegPath;
  await mkdir(outDir, { recursive: true });
  const run = (args: string[]) => runTool(ffmpeg, [...QUIET, ...args], { timeoutMs: TIMEOUT_MS });
  const seconds = String(o.seconds);
  const tags = ['-metadata', `creation_time=${o.creationTime}`, '-metadata', `comment=${o.deviceId}`, '-metadata', `title=Body camera ${o.deviceId}`];

  const base = `${o.deviceId}-${o.size}-${o.seconds}s-${o.toneHz}Hz`;
  const out: SampleMedia = {
    ffmpegPath: ffmpeg,
    mp4: join(outDir, `${base}.mp4`),
    mov: join(outDir, `${base}.mov`),
    wav: join(outDir, `${base}-16k.wav`),
    m4a: join(outDir, `${base}.m4a`),
    drawtext: false,
  };

  const overlay = await overlayFilter(ffmpeg, o.deviceId, o.creationTime, Number(o.size.split('x')[1]));
  out.drawtext = overlay !== undefined;
  await run([
    '-f', 'lavfi', '-i', `testsrc2=size=${o.size}:rate=30`,
    '-f', 'lavfi', '-i', `sine=frequency=${o.toneHz}:sample_rate=48000`,
    '-t', seconds,
    ...(overlay ? ['-vf', overlay] : []),
    // A keyframe a second, like most body cameras.
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', '-ac', '1',
    ...tags,
    out.mp4,
  ]);
  // The mov muxer writes make/model (©mak/©mod); the mp4 muxer has no place for them.
  await run(['-i', out.mp4, '-map', '0', '-c', 'copy', '-map_metadata', '0', '-metadata', 'make=Custos', '-metadata', `model=${o.deviceId}`, out.mov]);
  await run(['-f', 'lavfi', '-i', `sine=frequency=${o.toneHz}:sample_rate=16000`, '-t', seconds, '-ac', '1', '-c:a', 'pcm_s16le', ...tags, out.wav]);
  await run(['-f', 'lavfi', '-i', `sine=frequency=${o.toneHz}:sample_rate=48000`, '-t', seconds, '-ac', '1', '-c:a', 'aac', '-b:a', '64k', ...tags, '-f', 'ipod', out.m4a]);
  return out;
}

/**
 * "BWC-0042  2024-05-01 12:00:00", the clock running from creationTime.
 * Undefined (no text) if no font is found or this ffmpeg has no drawtext.
 * Quoting: the filtergraph parser strips the single quotes, then the option
 * parser turns "\:" into a ":" that does not end the option.
 */
async function overlayFilter(ffmpeg: string, deviceId: string, creationTime: string, height: number): Promise<string | undefined> {
  const font = FONT_CANDIDATES.find((f) => existsSync(f));
  if (!font) return undefined;
  const { stdout } = await runTool(ffmpeg, ['-hide_banner', '-filters'], { timeoutMs: 30_000, captureStdout: true });
  if (!/\sdrawtext\s/.test(stdout)) return undefined;
  const epoch = Math.floor(Date.parse(creationTime) / 1000);
  if (!Number.isFinite(epoch)) throw new Error(`creationTime "${creationTime}" is not a date`);
  const size = Math.max(10, Math.round(height / 18));
  const text = `${deviceId.replace(/[^A-Za-z0-9 _.-]/g, '')}  %{pts\\:gmtime\\:${epoch}}`;
  return `drawtext=fontfile='${font}':text='${text}':x=${size}:y=${size}:fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6`;
}

/** Bytes that are no media format: SHA-256 in counter mode, so the same seed gives the same file. */
export async function writeRandomBytes(path: string, size = 64 * 1024, seed = 'custos'): Promise<string> {
  const blocks: Buffer[] = [];
  for (let i = 0; i * 32 < size; i++) blocks.push(createHash('sha256').update(`${seed}/${i}`).digest());
  await writeFile(path, Buffer.concat(blocks).subarray(0, size));
  return path;
}

export async function writeTextFile(path: string): Promise<string> {
  await writeFile(path, 'Incident report 2024-05-01\nOfficer notes: nothing to see here.\n');
  return path;
}

/**
 * An MP4 cut just before its moov atom, as a recording interrupted before the
 * muxer finished leaves it. Needs the default layout (moov after mdat, i.e.
 * without +faststart).
 */
export async function writeTruncatedMp4(source: string, path: string): Promise<string> {
  const bytes = await readFile(source);
  let seenMdat = false;
  for (let offset = 0; offset + 8 <= bytes.length; ) {
    const size = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (type === 'moov' && seenMdat) {
      await writeFile(path, bytes.subarray(0, offset));
      return path;
    }
    seenMdat ||= type === 'mdat';
    if (size < 8) break; // 0 (to the end) or 1 (64-bit size): not in ffmpeg's output for small files
    offset += size;
  }
  throw new Error(`${source}: no moov atom after the media data to cut off`);
}

/**
 * Which ffmpeg/ffprobe to use: the configured pair, else the system's (only if
 * ffmpeg >= 5: older distribution builds lack muxers and fixes we rely on),
 * else the static builds from the npm packages. The version lines are kept as
 * printed, because every derivation record names the exact tool that made it.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { AppError } from '../../core/errors';
import type { MediaToolInfo } from '../../ports';
import { runTool } from './run-tool';

const MIN_SYSTEM_MAJOR = 5;
const VERSION_TIMEOUT_MS = 15_000;

export interface ResolveMediaBinariesOptions {
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Directories searched for the system binaries, `PATH`-style; defaults to this process's PATH. */
  searchPath?: string;
}

/**
 * The major version from a `-version` first line, e.g. 5 from
 * "ffmpeg version 5.1.9-0+deb12u1 Copyright ..." or "ffmpeg version n6.0 ...".
 * Undefined for git snapshots ("ffmpeg version N-47683-g0e8eb07980-static"):
 * their number says nothing about features.
 */
export function parseFfmpegMajor(versionLine: string): number | undefined {
  const match = /^ff\w+ version n?(\d+)\.\d+/.exec(versionLine);
  return match ? Number(match[1]) : undefined;
}

export async function resolveMediaBinaries(options: ResolveMediaBinariesOptions = {}): Promise<MediaToolInfo> {
  const { ffmpegPath, ffprobePath } = options;
  if (ffmpegPath !== undefined || ffprobePath !== undefined) {
    if (!ffmpegPath || !ffprobePath) {
      throw new AppError('CONFIG_INVALID', 'ffmpegPath and ffprobePath must be configured together (a mismatched pair gives inconsistent probes)');
    }
    // A configured pair that does not work is an error, not a reason to fall back silently.
    return { ffmpegPath, ffprobePath, source: 'config', ...(await versionsOf(ffmpegPath, ffprobePath)) };
  }

  const tried: string[] = [];
  const searchPath = options.searchPath ?? process.env.PATH ?? '';
  const systemFfmpeg = findOnPath('ffmpeg', searchPath);
  const systemFfprobe = findOnPath('ffprobe', searchPath);
  if (systemFfmpeg && systemFfprobe) {
    try {
      const versions = await versionsOf(systemFfmpeg, systemFfprobe);
      const major = parseFfmpegMajor(versions.ffmpegVersion);
      if (major !== undefined && major >= MIN_SYSTEM_MAJOR) return { ffmpegPath: systemFfmpeg, ffprobePath: systemFfprobe, source: 'system', ...versions };
      tried.push(`system ${systemFfmpeg} is "${versions.ffmpegVersion}" (need ${MIN_SYSTEM_MAJOR} or later)`);
    } catch (error) {
      tried.push(`system ${systemFfmpeg}: ${(error as Error).message}`);
    }
  } else {
    tried.push(`no ffmpeg and ffprobe on PATH`);
  }

  try {
    const npmFfmpeg: string = require('@ffmpeg-installer/ffmpeg').path;
    const npmFfprobe: string = require('@ffprobe-installer/ffprobe').path;
    return { ffmpegPath: npmFfmpeg, ffprobePath: npmFfprobe, source: 'npm', ...(await versionsOf(npmFfmpeg, npmFfprobe)) };
  } catch (error) {
    tried.push(`npm @ffmpeg-installer/@ffprobe-installer: ${(error as Error).message}`);
  }
  throw new AppError('MEDIA_TOOL_UNAVAILABLE', `no usable ffmpeg/ffprobe: ${tried.join('; ')}`, { details: { tried } });
}

async function versionsOf(ffmpegPath: string, ffprobePath: string): Promise<{ ffmpegVersion: string; ffprobeVersion: string }> {
  const [ffmpegVersion, ffprobeVersion] = await Promise.all([versionLine(ffmpegPath), versionLine(ffprobePath)]);
  return { ffmpegVersion, ffprobeVersion };
}

async function versionLine(binary: string): Promise<string> {
  const { stdout } = await runTool(binary, ['-version'], { timeoutMs: VERSION_TIMEOUT_MS, captureStdout: 64 * 1024 });
  const first = stdout.split(/\r?\n/, 1)[0];
  if (!/^ff\w+ version /.test(first)) throw new AppError('MEDIA_TOOL_UNAVAILABLE', `${binary} -version printed "${first.slice(0, 100)}": not ffmpeg/ffprobe`);
  return first;
}

function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue; // a relative PATH entry would depend on the working directory
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

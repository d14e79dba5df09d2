/** The MediaTool port on top of ffmpeg/ffprobe child processes. */
import type { MediaTool } from '../../ports';
import { probeMedia } from './probe';
import { resolveMediaBinaries } from './resolve-binaries';
import { runTool } from './run-tool';
import { decodedHashes, packetHashes } from './stream-hashes';

export interface FfmpegMediaToolOptions {
  /** Both or neither: see resolveMediaBinaries. */
  ffmpegPath?: string;
  ffprobePath?: string;
  /** ffprobe reads headers only: seconds even for hours of media. */
  probeTimeoutMs?: number;
  /** Packet hashes copy every packet, decoded hashes decode everything: minutes for hours of 1080p. */
  hashTimeoutMs?: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 60_000;
const DEFAULT_HASH_TIMEOUT_MS = 60 * 60_000;

export async function createFfmpegMediaTool(options: FfmpegMediaToolOptions = {}): Promise<MediaTool> {
  const info = await resolveMediaBinaries({ ffmpegPath: options.ffmpegPath, ffprobePath: options.ffprobePath });
  const probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const hashTimeoutMs = options.hashTimeoutMs ?? DEFAULT_HASH_TIMEOUT_MS;
  return {
    info,
    probe: (file) => probeMedia(info.ffprobePath, file, probeTimeoutMs),
    packetHashes: (file, media) => packetHashes(info.ffmpegPath, file, media, { timeoutMs: hashTimeoutMs }),
    decodedHashes: (file, media, run = {}) => decodedHashes(info.ffmpegPath, file, media, { ...run, timeoutMs: run.timeoutMs ?? hashTimeoutMs }),
    runFfmpeg: async (args, run) => {
      await runTool(info.ffmpegPath, args, run);
    },
  };
}

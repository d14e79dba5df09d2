/** The media part of an evidence record, renditions and jobs, as the API shows them. */
import type { EvidenceProbedEvent } from '../core/media-events';
import type { JobRow } from '../adapters/db/job-store';
import type { MediaRow, RenditionRow } from '../adapters/db/media-store';
import type { MediaInfo, StreamHash } from '../ports';

export interface JobView {
  id: string;
  kind: string;
  evidenceId: string;
  target?: string;
  state: JobRow['state'];
  /** 0..100, from ffmpeg's progress while a transcode runs. */
  progressPercent: number;
  attempts: number;
  maxAttempts: number;
  lastError?: string;
  /** When a queued job that failed before runs again. */
  retryAt?: string;
  /** Milliseconds per step (export, transcode, hashes, store...) of the attempt that succeeded. */
  steps?: Record<string, number>;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface RenditionView {
  name: string;
  id: string;
  sha256: string;
  size: number;
  mediaType: string;
  cid: string;
  leafIndex: number;
  createdAt: string;
  content: string;
  proof: string;
  recipe: { tool: string; version: string; args: string[] };
  decodedHashes?: { original: StreamHash[]; rendition: StreamHash[] };
}

export type MediaView =
  | { state: 'off' }
  | { state: 'pending'; jobs: JobView[] }
  | { state: 'probed'; playable: true; info: MediaInfo; packetHashes: StreamHash[]; leafIndex: number; renditions: RenditionView[]; jobs: JobView[] }
  | { state: 'probed'; playable: false; reason: string; leafIndex: number; jobs: JobView[] };

export function toJobView(job: JobRow): JobView {
  return {
    id: job.id,
    kind: job.kind,
    evidenceId: job.evidenceId,
    ...(job.target ? { target: job.target } : {}),
    state: job.state,
    progressPercent: Math.round(job.progress * 1000) / 10,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    ...(job.lastError ? { lastError: job.lastError } : {}),
    ...(job.state === 'queued' && job.attempts > 0 ? { retryAt: new Date(job.runAfter).toISOString() } : {}),
    ...(job.steps ? { steps: job.steps } : {}),
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
  };
}

export function toRenditionView(row: RenditionRow): RenditionView {
  const event = JSON.parse(row.event) as { recipe: RenditionView['recipe']; decodedHashes?: RenditionView['decodedHashes']; renditionId: string };
  const base = `/v1/evidence/${row.evidenceId}/renditions/${row.name}`;
  return {
    name: row.name,
    id: event.renditionId,
    sha256: row.sha256,
    size: row.size,
    mediaType: row.mediaType,
    cid: row.cid,
    leafIndex: row.leafIndex,
    createdAt: row.createdAt,
    content: `${base}/content`,
    proof: `${base}/proof`,
    recipe: event.recipe,
    ...(event.decodedHashes ? { decodedHashes: event.decodedHashes } : {}),
  };
}

export function toMediaView(enabled: boolean, media: MediaRow | null, renditions: RenditionRow[], jobs: JobRow[]): MediaView {
  const jobViews = jobs.map(toJobView);
  if (!media) return enabled || jobs.length > 0 ? { state: 'pending', jobs: jobViews } : { state: 'off' };
  const event = JSON.parse(media.event) as EvidenceProbedEvent;
  if (!event.media.playable) return { state: 'probed', playable: false, reason: event.media.reason, leafIndex: media.leafIndex, jobs: jobViews };
  return {
    state: 'probed',
    playable: true,
    info: event.media.info as MediaInfo,
    packetHashes: (event.packetHashes ?? []) as StreamHash[],
    leafIndex: media.leafIndex,
    renditions: renditions.map(toRenditionView),
    jobs: jobViews,
  };
}

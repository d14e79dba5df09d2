/**
 * The media pipeline's jobs. An ingest enqueues `probe`; the probe logs what
 * the original contains (evidence.probed) and enqueues one `rendition` job per
 * recipe; each rendition job transcodes the verified original, stores the
 * copy in the content store and logs how it was made (evidence.derived).
 *
 * Each job ends with one transaction that checks its result is not recorded
 * yet, appends the event and writes the row: a job re-run after a crash
 * records nothing twice.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../core/errors';
import { EVENT_VERSION, type EvidenceIngestedEvent } from '../../core/events';
import { renditionId, type EvidenceDerivedEvent, type EvidenceProbedEvent } from '../../core/media-events';
import { streamFingerprint } from '../../core/stream-fingerprint';
import type { Db } from '../../adapters/db/database';
import type { EvidenceRow, EvidenceStore } from '../../adapters/db/evidence-store';
import type { JobRow, JobStore } from '../../adapters/db/job-store';
import type { LogStore } from '../../adapters/db/log-store';
import type { MediaRow, MediaStore, RenditionStore } from '../../adapters/db/media-store';
import { fillRecipe, renditionsFor, type Recipe } from '../../adapters/media';
import type { ContentStore, MediaInfo, MediaTool, StreamHash } from '../../ports';
import type { JobContext, JobHandler } from '../jobs/job-runner';
import { exportVerified } from './export-original';

export const PROBE_JOB = 'probe';
export const RENDITION_JOB = 'rendition';

export interface MediaJobComponents {
  db: Db;
  log: LogStore;
  evidence: EvidenceStore;
  media: MediaStore;
  renditions: RenditionStore;
  jobs: JobStore;
  content: ContentStore;
  tool: MediaTool;
  maxAttempts: number;
  transcodeTimeoutMs: number;
  /** Called after new jobs were enqueued (wakes the runner). */
  onEnqueued: () => void;
  now?: () => Date;
}

export function createMediaJobs(c: MediaJobComponents): Record<string, JobHandler> {
  const now = c.now ?? (() => new Date());

  const recordProbe = c.db.transaction((event: EvidenceProbedEvent, fingerprint: string | null, recipes: string[]) => {
    if (c.media.byEvidence(event.evidenceId)) return false;
    const { leafIndex } = c.log.append(event, event.probedAt);
    c.media.insert(event, leafIndex, fingerprint);
    for (const name of recipes) c.jobs.enqueue(RENDITION_JOB, event.evidenceId, name, { maxAttempts: c.maxAttempts, now: now() });
    return true;
  });

  const recordRendition = c.db.transaction((event: EvidenceDerivedEvent) => {
    if (c.renditions.get(event.derivedFrom.evidenceId, event.name)) return;
    const { leafIndex } = c.log.append(event, event.derivedAt);
    c.renditions.insert(event, leafIndex);
  });

  const findEvidence = (job: JobRow): EvidenceRow => {
    const record = c.evidence.byId(job.evidenceId);
    if (!record) throw new AppError('EVIDENCE_NOT_FOUND', `job ${job.id} names evidence ${job.evidenceId}, which does not exist`);
    return record;
  };

  async function probe(job: JobRow, context: JobContext): Promise<void> {
    if (c.media.byEvidence(job.evidenceId)) return;
    const record = findEvidence(job);
    const original = join(context.workDir, 'original');
    await context.step('export', () => exportVerified(c.content, record, original, context.signal));
    context.progress(0.3);
    const probed = await context.step('probe', () => c.tool.probe(original));
    const packetHashes = probed.playable ? await context.step('packetHashes', () => c.tool.packetHashes(original, probed.info)) : undefined;
    const event: EvidenceProbedEvent = {
      version: EVENT_VERSION,
      type: 'evidence.probed',
      evidenceId: record.id,
      sha256: record.sha256,
      media: probed.playable ? { playable: true, info: probed.info } : { playable: false, reason: probed.reason },
      ...(packetHashes ? { packetHashes: packetHashes.map(stripFormat) } : {}),
      tool: { ffmpeg: c.tool.info.ffmpegVersion, ffprobe: c.tool.info.ffprobeVersion },
      probedAt: now().toISOString(),
    };
    const recipes = probed.playable ? renditionsFor(probed.info).map((r) => r.name) : [];
    if (recordProbe(event, packetHashes ? streamFingerprint(packetHashes) : null, recipes) && recipes.length > 0) c.onEnqueued();
  }

  async function rendition(job: JobRow, context: JobContext): Promise<void> {
    if (c.renditions.get(job.evidenceId, job.target)) return;
    const record = findEvidence(job);
    const media = c.media.byEvidence(job.evidenceId);
    const info = media && playableInfo(media);
    if (!info) throw new AppError('INTERNAL', `evidence ${job.evidenceId} has no playable media record: nothing to derive`);
    const recipe = renditionsFor(info).find((r) => r.name === job.target);
    if (!recipe) throw new AppError('INTERNAL', `no recipe "${job.target}" applies to evidence ${job.evidenceId}`);

    const original = join(context.workDir, 'original');
    const output = join(context.workDir, `${recipe.name}.${recipe.extension}`);
    await context.step('export', () => exportVerified(c.content, record, original, context.signal));
    context.progress(0.05);
    await context.step('transcode', () =>
      c.tool.runFfmpeg(fillRecipe(recipe.args, original, output), {
        timeoutMs: c.transcodeTimeoutMs,
        durationSeconds: info.durationSeconds,
        onProgress: (fraction) => context.progress(0.05 + 0.75 * fraction),
        signal: context.signal,
      }),
    );
    context.progress(0.8);
    const decodedHashes = recipe.decodedHashes ? await context.step('decodedHashes', () => decodedHashesOf(media!, info, original, output, context)) : undefined;
    context.progress(0.95);

    const staged = await context.step('store', async () => {
      const staged = await c.content.put(createReadStream(output));
      try {
        await staged.commit();
      } catch (error) {
        await staged.discard();
        throw error;
      }
      await c.content.pin(staged.cid);
      return staged;
    });
    const event: EvidenceDerivedEvent = {
      version: EVENT_VERSION,
      type: 'evidence.derived',
      renditionId: renditionId(record.id, recipe.name),
      name: recipe.name,
      sha256: staged.sha256,
      size: staged.size,
      mediaType: recipe.mediaType,
      cid: staged.cid,
      cidProfile: c.content.profile,
      derivedFrom: { evidenceId: record.id, sha256: record.sha256 },
      recipe: { tool: 'ffmpeg', version: c.tool.info.ffmpegVersion, args: [...recipe.args] },
      ...(decodedHashes ? { decodedHashes } : {}),
      derivedAt: now().toISOString(),
    };
    try {
      recordRendition(event);
    } catch (error) {
      // Stored and pinned, but not recorded: unpin unless other records hold the same bytes (a retry stores them again).
      if (!c.renditions.bySha256(staged.sha256) && !c.evidence.bySha256(staged.sha256)) await c.content.unpin(staged.cid).catch(() => undefined);
      throw error;
    }
  }

  /** The original's decoded hashes are computed once and reused by every rendition of it. */
  async function decodedHashesOf(media: MediaRow, info: MediaInfo, original: string, output: string, context: JobContext) {
    let originalHashes = media.decodedHashes;
    if (!originalHashes) {
      originalHashes = await c.tool.decodedHashes(original, info, { signal: context.signal, timeoutMs: c.transcodeTimeoutMs });
      c.media.saveDecodedHashes(media.evidenceId, originalHashes);
    }
    const probedOutput = await c.tool.probe(output);
    if (!probedOutput.playable) throw new AppError('MEDIA_TOOL_FAILED', `ffmpeg made a rendition that ffprobe cannot read: ${probedOutput.reason}`);
    const renditionHashes = await c.tool.decodedHashes(output, probedOutput.info, { signal: context.signal, timeoutMs: c.transcodeTimeoutMs });
    return { original: originalHashes, rendition: renditionHashes };
  }

  return { [PROBE_JOB]: probe, [RENDITION_JOB]: rendition };
}

/** The logged probe result of an original, if it is playable media. */
export function playableInfo(media: MediaRow): MediaInfo | null {
  const event = JSON.parse(media.event) as EvidenceProbedEvent;
  return event.media.playable ? (event.media.info as MediaInfo) : null;
}

/** Packet hashes hash the stored bytes: there is no decoded format to name. */
function stripFormat({ format: _format, ...hash }: StreamHash): StreamHash {
  return hash;
}

/** Enqueues the probe of a new original; call inside the ingest transaction. */
export function enqueueProbe(jobs: JobStore, event: EvidenceIngestedEvent, maxAttempts: number): void {
  jobs.enqueue(PROBE_JOB, event.evidenceId, '', { maxAttempts, now: new Date(event.receivedAt) });
}

export type { Recipe };

/**
 * /v1/uploads: tus 1.0.0 resumable uploads (core + creation, checksum,
 * termination, expiration; https://tus.io/protocols/resumable-upload). The
 * metadata is checked at creation, before any byte is sent; when the last byte
 * has arrived the file goes through the same ingest as POST /v1/evidence (same
 * digest check, same event), so nothing half-uploaded ever becomes evidence.
 */
import { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import { AppError, isAppError } from '../../core/errors';
import { HTTP_STATUS } from '../error-status';
import { checkDeviceSignature } from '../../services/devices';
import type { Actor } from '../../core/events';
import {
  TUS_CHECKSUM_ALGORITHMS,
  TUS_EXTENSIONS,
  TUS_VERSION,
  parseTusInteger,
  parseUploadChecksum,
  parseUploadEvidenceFields,
  parseUploadMetadata,
} from '../../core/tus';
import { requirePermission } from '../auth';
import { assertDeclaredLength } from '../request-input';
import type { UploadRecord } from '../../adapters/uploads/upload-store';
import type { AppComponents } from '../components';

const OFFSET_OCTET_STREAM = 'application/offset+octet-stream';

export function uploadRoutes(c: AppComponents): Router {
  const router = new Router({ prefix: '/v1/uploads' });
  const canUpload = requirePermission(c.tokens, 'evidence.upload');
  // Room for base64 (4/3) and the key names on top of the metadata limit of POST /v1/evidence.
  const maxMetadataHeader = Math.ceil((c.config.maxMetadataBytes * 4) / 3) + 1024;

  /** tus §Tus-Resumable: on every answer; a client speaking another version gets 412 with the versions we speak. */
  const tus = async (ctx: Context, next: Next): Promise<void> => {
    ctx.set('Tus-Resumable', TUS_VERSION);
    // Upload state changes with every PATCH: nothing here may be cached (tus §HEAD requires it there).
    ctx.set('Cache-Control', 'no-store');
    if (ctx.get('Tus-Resumable') !== TUS_VERSION) {
      ctx.set('Tus-Version', TUS_VERSION);
      throw new AppError('TUS_VERSION_UNSUPPORTED', `send Tus-Resumable: ${TUS_VERSION}`, { details: { supported: [TUS_VERSION] } });
    }
    await next();
  };

  /**
   * The upload, if this token may see it: its creator or an admin. Anyone else
   * gets the same 404 as for an unknown id, so existence does not leak.
   */
  const findUpload = async (ctx: Context, options: { allowExpired?: boolean } = {}): Promise<UploadRecord> => {
    const id = ctx.params.id as string;
    const record = await c.uploads.get(id);
    const actor = ctx.state.actor as Actor;
    if (!record || (record.creator.tokenId !== actor.tokenId && actor.role !== 'admin')) {
      throw new AppError('UPLOAD_NOT_FOUND', `no upload with id ${id}`);
    }
    if (!options.allowExpired && c.uploads.isExpired(record)) {
      throw new AppError('UPLOAD_EXPIRED', `upload ${id} expired at ${record.expiresAt}; start a new one`, { details: { expiresAt: record.expiresAt } });
    }
    return record;
  };

  /** Upload-Offset & co. (tus §HEAD, §Expiration), and where the evidence is once the upload completed. */
  const describe = (ctx: Context, record: UploadRecord): void => {
    ctx.set('Upload-Offset', String(record.offset));
    ctx.set('Upload-Length', String(record.length));
    if (record.uploadMetadata !== '') ctx.set('Upload-Metadata', record.uploadMetadata);
    ctx.set('Upload-Expires', new Date(record.expiresAt).toUTCString());
    if (record.completed) {
      ctx.set('Custos-Evidence-Id', record.completed.evidenceId);
      ctx.set('Custos-Evidence', `/v1/evidence/${record.completed.evidenceId}`);
    }
  };

  /**
   * The last byte arrived: the same ingest as POST /v1/evidence. A refusal of
   * the upload itself (4xx, e.g. DIGEST_MISMATCH) ends it. The server's own
   * trouble (5xx, e.g. STORAGE_FULL) keeps it: a retry of the final PATCH
   * imports it again, instead of the device sending gigabytes anew.
   */
  const finish = async (record: UploadRecord): Promise<UploadRecord> => {
    let result;
    try {
      result = await c.ingest({
        body: c.uploads.readPart(record),
        metadata: record.metadata,
        mediaType: record.mediaType,
        declaredSha256: record.declaredSha256,
        deviceSignature: record.deviceSignature,
        uploader: record.creator,
      });
    } catch (error) {
      if (refusesTheUpload(error)) await c.uploads.remove(record.id);
      throw error;
    }
    // Identical bytes already evidence (created: false) is success too: the upload points to that record.
    return c.uploads.complete(record, result.evidence.id, result.created);
  };

  const discover = (ctx: Context): void => {
    ctx.set('Tus-Resumable', TUS_VERSION);
    ctx.set('Tus-Version', TUS_VERSION);
    ctx.set('Tus-Extension', TUS_EXTENSIONS.join(','));
    ctx.set('Tus-Max-Size', String(c.config.maxUploadBytes));
    ctx.set('Tus-Checksum-Algorithm', TUS_CHECKSUM_ALGORITHMS.join(','));
    ctx.status = 204;
  };
  router.options('/', discover);
  router.options('/:id', discover);

  router.post('/', tus, canUpload, async (ctx) => {
    if (ctx.get('Upload-Defer-Length') !== '') throw new AppError('BAD_REQUEST', 'Upload-Defer-Length is not supported: send Upload-Length');
    if (ctx.get('Upload-Length') === '') throw new AppError('BAD_REQUEST', 'send the file size in Upload-Length');
    const length = parseTusInteger(ctx.get('Upload-Length'), 'Upload-Length');
    if (length === 0) throw new AppError('EMPTY_BODY', 'an empty file cannot become evidence');
    if (length > c.config.maxUploadBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `recordings larger than ${c.config.maxUploadBytes} bytes are refused`, { details: { maxUploadBytes: c.config.maxUploadBytes } });
    }
    // creation-with-upload is not offered: the bytes must not arrive before the metadata is accepted.
    if (Number(ctx.get('Content-Length') || 0) > 0) throw new AppError('BAD_REQUEST', 'send the bytes with PATCH; creation-with-upload is not supported');
    const raw = ctx.get('Upload-Metadata');
    if (raw.length > maxMetadataHeader) {
      throw new AppError('METADATA_TOO_LARGE', `Upload-Metadata is limited to ${maxMetadataHeader} characters`, { details: { maxMetadataBytes: c.config.maxMetadataBytes } });
    }
    const fields = parseUploadEvidenceFields(parseUploadMetadata(raw));
    // Twice the length: the received part and its import into the blockstore coexist until the import ends.
    await c.storage.assertRoomFor(2 * length, 'this upload (its part file and its imported copy)');
    // The device signature is checked now, not after the last byte: a refused recorder sends nothing.
    checkDeviceSignature(c.devices, c.config.requireDeviceSignatureFor, { ...fields, uploader: ctx.state.actor as Actor });
    const record = await c.uploads.create({ ...fields, length, uploadMetadata: raw, creator: ctx.state.actor as Actor });
    ctx.status = 201;
    ctx.body = ''; // tus answers creation with no body (Koa would send its status text)
    ctx.set('Location', `/v1/uploads/${record.id}`);
    ctx.set('Upload-Expires', new Date(record.expiresAt).toUTCString());
  });

  router.head('/:id', tus, canUpload, async (ctx) => {
    describe(ctx, await findUpload(ctx));
    ctx.status = 200;
  });

  router.patch('/:id', tus, canUpload, async (ctx) => {
    if (ctx.get('Content-Type').split(';')[0].trim().toLowerCase() !== OFFSET_OCTET_STREAM) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', `PATCH bodies must be Content-Type: ${OFFSET_OCTET_STREAM}`);
    }
    const offset = parseTusInteger(ctx.get('Upload-Offset'), 'Upload-Offset');
    const checksumHeader = ctx.get('Upload-Checksum');
    const checksum = checksumHeader === '' ? undefined : parseUploadChecksum(checksumHeader);
    const { id } = await findUpload(ctx);
    const release = c.uploads.tryLock(id);
    if (!release) throw new AppError('UPLOAD_LOCKED', `upload ${id} is receiving another PATCH; retry after it ends`);
    try {
      // Read again under the lock: the PATCH that held it may have moved the offset.
      const record = await findUpload(ctx);
      if (record.completed) {
        // The answer to the final PATCH may have been lost: its retry (nothing more to send) gets the same answer.
        if (offset !== record.length || Number(ctx.get('Content-Length') || 0) > 0) {
          throw new AppError('UPLOAD_OFFSET_MISMATCH', `upload ${id} is complete`, { details: { offset: record.length } });
        }
        describe(ctx, record);
        ctx.status = 204;
        return;
      }
      if (offset !== record.offset) {
        ctx.set('Upload-Offset', String(record.offset));
        throw new AppError('UPLOAD_OFFSET_MISMATCH', `Upload-Offset is ${offset}, the upload has ${record.offset} bytes: HEAD it and resume from there`, {
          details: { offset: record.offset },
        });
      }
      const remaining = record.length - record.offset;
      assertDeclaredLength(ctx, remaining, `the body is longer than the ${remaining} bytes left of Upload-Length`);
      const { complete } = await c.uploads.append(record, ctx.req, checksum);
      describe(ctx, complete ? await finish(record) : record);
      ctx.status = 204;
    } finally {
      release();
    }
  });

  router.delete('/:id', tus, canUpload, async (ctx) => {
    const { id } = await findUpload(ctx, { allowExpired: true });
    const release = c.uploads.tryLock(id);
    if (!release) throw new AppError('UPLOAD_LOCKED', `upload ${id} is receiving a PATCH; retry after it ends`);
    try {
      await c.uploads.remove(id);
    } finally {
      release();
    }
    ctx.status = 204;
  });

  return router;
}

/** An error that says the upload's bytes or metadata are unacceptable (4xx), as opposed to the server failing (5xx). */
function refusesTheUpload(error: unknown): boolean {
  return isAppError(error) && HTTP_STATUS[error.code] < 500;
}

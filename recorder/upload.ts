/**
 * One-shot upload of a finished recording to `POST /v1/evidence`: hash at the
 * source, then stream the file (never read whole into memory). Resumable
 * dock-station uploads build on this later (see issue "Recorder").
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import { reprDigestHeader, sha256OfFile } from './source-digest';
import { signAsDevice } from '../server/core/device-signature';

/** How long to wait for `100 Continue` before sending the body anyway. */
const CONTINUE_TIMEOUT_MS = 1000;

export interface RecordingMetadata {
  deviceId: string;
  officerId: string;
  recordedAt: string;
  endedAt?: string;
  location?: { lat: number; lon: number };
  fileName?: string;
  note?: string;
}

export interface UploadRecordingOptions {
  /** Base URL of the Custos server, e.g. http://127.0.0.1:8080 */
  server: string;
  token: string;
  file: string;
  metadata: RecordingMetadata;
  mediaType?: string;
  /** The SHA-256 (hex) if the device already computed it while recording; computed here otherwise. */
  sha256?: string;
  /** The device's Ed25519 private key (PKCS#8 PEM, from `custos-recorder keygen`): signs (sha256, metadata). */
  deviceKey?: string;
}

export interface UploadResult {
  /** true when the server already held these exact bytes (200) rather than creating a record (201). */
  duplicate: boolean;
  /** The evidence record as the server returned it. */
  record: { id: string; sha256: string; size: number; cid: string; leafIndex: number; status: string } & Record<string, unknown>;
}

/** The server refused the upload; `code` is the server's stable error code. */
export class UploadRefusedError extends Error {
  override readonly name = 'UploadRefusedError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`${code}: ${message} (HTTP ${status})`);
  }
}

export async function uploadRecording(options: UploadRecordingOptions): Promise<UploadResult> {
  const { size } = await stat(options.file);
  const sha256 = options.sha256 ?? (await sha256OfFile(options.file));
  const url = new URL('/v1/evidence', options.server);
  const send = url.protocol === 'https:' ? requestTls : request;

  const { status, body } = await new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.token}`,
        'content-type': options.mediaType ?? 'application/octet-stream',
        'content-length': size,
        'custos-metadata': JSON.stringify(options.metadata),
        'repr-digest': reprDigestHeader(sha256),
        ...(options.deviceKey ? { 'custos-device-signature': signAsDevice(options.deviceKey, sha256, options.metadata) } : {}),
        // Ask before sending: a refused upload (bad token, bad metadata, too
        // large) is answered before a byte of the recording goes out.
        expect: '100-continue',
      },
    });
    let sending = false;
    const sendBody = () => {
      if (sending) return;
      sending = true;
      const file = createReadStream(options.file, { highWaterMark: 1024 * 1024 });
      file.on('error', (error) => req.destroy(error));
      file.pipe(req);
    };
    req.on('continue', sendBody);
    // A server (or proxy) that ignores Expect gets the body after a short wait.
    const fallback = setTimeout(sendBody, CONTINUE_TIMEOUT_MS);
    req.on('response', (res) => {
      clearTimeout(fallback);
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        if (!sending) req.destroy(); // refused before the body was sent: this request ends here
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          reject(new Error(`the server answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', (error) => {
      clearTimeout(fallback);
      reject(error);
    });
  });

  if (status === 200 || status === 201) return { duplicate: status === 200, record: body };
  const error = body?.error ?? {};
  throw new UploadRefusedError(status, String(error.code ?? 'UNKNOWN'), String(error.message ?? 'upload refused'));
}

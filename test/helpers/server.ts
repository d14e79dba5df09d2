/**
 * Starts the real service (embedded anvil, IPFS blockstore and SQLite) in a
 * temporary data directory on a free port, for black-box HTTP tests.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type ConfigOverrides } from '../../server/config';
import { serve, type RunningServer, type StartOptions } from '../../server/runtime';
import { scratchDir } from './scratch';

export interface TestServer extends RunningServer {
  dataDir: string;
  adminToken: string;
  /** Stops the service; keeps the data directory unless `remove` is set. */
  stop(options?: { remove?: boolean }): Promise<void>;
}

export function makeDataDir(prefix = 'custos-test-'): string {
  return scratchDir(prefix);
}

export async function startTestServer(options: { dataDir?: string; config?: ConfigOverrides; start?: StartOptions } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? makeDataDir();
  const config = loadConfig({}, {
    port: 0,
    dataDir,
    anchorIntervalMs: 150,
    anchorMaxBackoffMs: 1000,
    logLevel: (process.env.CUSTOS_TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent',
    // A small reserve: the suite must not depend on the CI machine having 512 MiB free (test/http/storage.test.ts covers the check).
    minFreeBytes: 1024 * 1024,
    ...options.config,
    chain: { embeddedPort: 0, rpcTimeoutMs: 5000, ...options.config?.chain },
    // No scheduled audit may append its event in the middle of a test.
    audit: { fullSchedule: 'off', sampleSchedule: 'off', ...options.config?.audit },
  });
  const running = await serve(config, options.start);
  return {
    ...running,
    dataDir,
    adminToken: readFileSync(join(dataDir, 'admin.token'), 'utf8').trim(),
    async stop({ remove = false } = {}) {
      await running.close();
      if (remove) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface UploadOptions {
  token: string;
  metadata?: unknown;
  reprDigest?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Aborts the request (a client's own timeout). */
  signal?: AbortSignal;
}

export const sampleMetadata = (overrides: Record<string, unknown> = {}) => ({
  deviceId: 'BWC-0042',
  officerId: 'officer-0421',
  recordedAt: '2026-11-20T09:30:00+08:00',
  ...overrides,
});

export async function upload(url: string, body: Uint8Array | AsyncIterable<Uint8Array>, options: UploadOptions): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token}`,
    'content-type': options.contentType ?? 'video/mp4',
    ...(options.metadata === null ? {} : { 'custos-metadata': JSON.stringify(options.metadata ?? sampleMetadata()) }),
    ...(options.reprDigest ? { 'repr-digest': options.reprDigest } : {}),
    ...options.headers,
  };
  const isBytes = body instanceof Uint8Array;
  const response = await fetch(`${url}/v1/evidence`, {
    method: 'POST',
    headers,
    body: isBytes ? body : (body as any),
    ...(isBytes ? {} : { duplex: 'half' }),
    ...(options.signal ? { signal: options.signal } : {}),
  } as RequestInit);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** Longest a test waits for one JSON request: a hung server fails the test naming the request, not by mocha's timeout. */
const REQUEST_TIMEOUT_MS = 45_000;

async function boundedFetch(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') throw new Error(`${init.method ?? 'GET'} ${url} got no answer within ${REQUEST_TIMEOUT_MS} ms`);
    throw error;
  }
}

export async function getJson(url: string, token?: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await boundedFetch(url, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) } });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export async function postJson(url: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
  const response = await boundedFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Polls until the evidence is anchored; fails the test after `timeoutMs`. */
export async function waitForAnchored(url: string, id: string, token: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getJson(`${url}/v1/evidence/${id}`, token);
    if (body.status === 'anchored') return body;
    if (Date.now() > deadline) throw new Error(`evidence ${id} not anchored after ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sha256Hex = (bytes: Uint8Array) => require('node:crypto').createHash('sha256').update(bytes).digest('hex') as string;
export const reprDigestOf = (bytes: Uint8Array) => `sha-256=:${require('node:crypto').createHash('sha256').update(bytes).digest('base64')}:`;

/**
 * A request body that arrives slowly: `chunks` random chunks of `chunkBytes`,
 * `delayMs` apart; `sent()` counts those yielded so far, so a test can act
 * (kill, abort) in the middle of an upload.
 */
export function trickle(chunks: number, chunkBytes: number, delayMs: number): { body: AsyncGenerator<Uint8Array>; sent(): number } {
  let sent = 0;
  async function* body() {
    for (let i = 0; i < chunks; i++) {
      sent += 1;
      yield require('node:crypto').randomBytes(chunkBytes) as Uint8Array;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  return { body: body(), sent: () => sent };
}

/**
 * The few Custos requests the dock agent makes besides tus, and the one rule
 * that turns any answer into what the agent does next (see errorForAnswer).
 */
import { ServerRefusalError, WatchError } from './errors';

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * What an unsuccessful answer means for the agent:
 * - 401, or 403 FORBIDDEN: the token is refused; every file would be, so the agent stops (TOKEN_REFUSED);
 * - 5xx, 429, 409 (offset moved under us), 423 (a killed PATCH still holds the upload), 460: retry (TRANSIENT);
 * - any other 4xx: this file is refused, with the server's code (e.g. DEVICE_NOT_REGISTERED).
 * The body is the server's `{"error": {"code", "message"}}`, or anything at all from a proxy.
 */
export function errorForAnswer(status: number, body: string, what: string): Error {
  let error: { code?: unknown; message?: unknown } = {};
  try {
    error = (JSON.parse(body) as { error?: typeof error }).error ?? {};
  } catch {
    // not our JSON (a proxy's page, or a HEAD without a body)
  }
  const code = typeof error.code === 'string' ? error.code : `HTTP_${status}`;
  const message = typeof error.message === 'string' ? error.message : body.slice(0, 200) || `HTTP ${status}`;
  if (status === 401 || (status === 403 && code === 'FORBIDDEN')) {
    return new WatchError('TOKEN_REFUSED', `${what}: the server refused the token: ${code}: ${message}`, { details: { status, code } });
  }
  if (status >= 500 || status === 429 || status === 409 || status === 423 || status === 460) {
    return new WatchError('TRANSIENT', `${what}: ${code}: ${message} (HTTP ${status})`, { details: { status, code } });
  }
  return new ServerRefusalError(status, code, message);
}

export interface EvidenceRecord {
  id: string;
  sha256: string;
  status: string;
}

export type ProofAnswer = { ready: false } | { ready: true; text: string; bundle: unknown };

export class CustosApi {
  constructor(
    private readonly server: string,
    private readonly token: string,
  ) {}

  uploadsEndpoint(): string {
    return new URL('/v1/uploads', this.server).toString();
  }

  async evidence(id: string): Promise<EvidenceRecord> {
    const { status, text } = await this.get(`/v1/evidence/${encodeURIComponent(id)}`, `GET evidence ${id}`);
    if (status !== 200) throw errorForAnswer(status, text, `GET evidence ${id}`);
    const record = parseJson(text, `GET evidence ${id}`) as Partial<EvidenceRecord>;
    if (typeof record.sha256 !== 'string') throw new WatchError('PROTOCOL_ERROR', `GET evidence ${id}: the record has no sha256`);
    return record as EvidenceRecord;
  }

  /** 200: the bundle; 202: not anchored yet. */
  async proof(id: string): Promise<ProofAnswer> {
    const { status, text } = await this.get(`/v1/evidence/${encodeURIComponent(id)}/proof`, `GET proof ${id}`);
    if (status === 202) return { ready: false };
    if (status !== 200) throw errorForAnswer(status, text, `GET proof ${id}`);
    return { ready: true, text, bundle: parseJson(text, `GET proof ${id}`) };
  }

  private async get(path: string, what: string): Promise<{ status: number; text: string }> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.server), {
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return { status: response.status, text: await response.text() };
    } catch (cause) {
      throw new WatchError('TRANSIENT', `${what}: ${(cause as Error).message}`, { cause });
    }
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new WatchError('PROTOCOL_ERROR', `${what}: the answer is not JSON`, { cause });
  }
}

/**
 * The CLI's requests to a Custos server: JSON in, text or JSON out, bounded in
 * time, and one readable line when it fails. An unreachable server is
 * SERVER_UNAVAILABLE; an error answer carries the server's own code and message.
 */
import { AppError } from '../core/errors';

export interface ServerRequest {
  method?: string;
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  timeoutMs?: number;
}

export async function serverText(url: string | URL, request: ServerRequest = {}): Promise<string> {
  const target = new URL(url);
  let response: Response;
  try {
    response = await fetch(target, {
      method: request.method ?? (request.body === undefined ? 'GET' : 'POST'),
      headers: { ...(request.token ? { authorization: `Bearer ${request.token}` } : {}), ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
    });
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    throw new AppError('SERVER_UNAVAILABLE', `cannot reach ${target.origin}: ${cause}`);
  }
  const text = await response.text();
  if (!response.ok) {
    let error: { code?: string; message?: string } | undefined;
    try {
      error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    } catch {
      error = undefined;
    }
    throw new Error(`${target.pathname}: HTTP ${response.status} ${error?.code ?? ''}: ${error?.message ?? 'no error body'}`);
  }
  return text;
}

export async function serverJson<T = unknown>(url: string | URL, request: ServerRequest = {}): Promise<T> {
  const text = await serverText(url, request);
  return (text === '' ? null : JSON.parse(text)) as T;
}

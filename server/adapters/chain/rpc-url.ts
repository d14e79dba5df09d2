/**
 * RPC URLs often carry credentials: `https://user:pass@node`, Infura's
 * `/v3/<project id>`, Alchemy's `/v2/<key>`, `?apikey=<key>`. Nothing that
 * reaches a message, a log line or `/healthz` may contain them, so every
 * adapter passes its URL through `redactRpcUrl` first.
 *
 * The rule (deliberately biased towards over-redacting: a false positive only
 * makes a log line less precise, a false negative leaks a secret):
 *  - userinfo (`user:password@`) is removed;
 *  - every query parameter keeps its name but its value becomes `***`
 *    (an RPC endpoint has no reason to carry a non-secret query value);
 *  - a path segment becomes `***` when it looks like a key: at least 16
 *    characters of `[A-Za-z0-9_-]` containing both a letter and a digit, or
 *    at least 32 such characters whatever they are (hex or base62 keys);
 *  - the fragment is removed;
 *  - scheme, host, port and the other path segments are kept, so an operator
 *    can still tell which endpoint failed.
 * Secrets in the host name itself (`<key>.rpc.example`) are not detected.
 */

export const REDACTED = '***';

const KEY_CHARS = /^[A-Za-z0-9_-]+$/;

/** True when a path segment looks like an API key or token (see the rule above). */
export function looksLikeSecret(segment: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    decoded = segment;
  }
  if (!KEY_CHARS.test(decoded)) return false;
  if (decoded.length >= 32) return true;
  return decoded.length >= 16 && /[A-Za-z]/.test(decoded) && /[0-9]/.test(decoded);
}

/**
 * The URL with credentials stripped. An unparseable URL is never echoed
 * (it could be a key pasted in the wrong place): a placeholder is returned.
 */
export function redactRpcUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid rpc url>';
  }
  const path = parsed.pathname
    .split('/')
    .map((segment) => (looksLikeSecret(segment) ? REDACTED : segment))
    .join('/');
  const query = [...parsed.searchParams.keys()].map((name) => `${encodeURIComponent(name)}=${REDACTED}`);
  return `${parsed.protocol}//${parsed.host}${path === '/' ? '' : path}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/**
 * Replaces the secret parts of `url` wherever they occur in `text` (error
 * messages from HTTP libraries sometimes quote the request URL). Fragments
 * shorter than 4 characters are left alone: replacing every "1" of a message
 * because of `?v=1` would make it unreadable, and such a value protects nothing.
 */
export function redactRpcUrlIn(text: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return text.split(url).join('<invalid rpc url>');
  }
  const secrets = new Set<string>();
  for (const part of [parsed.username, parsed.password]) {
    if (part) {
      secrets.add(part);
      secrets.add(decodeURIComponent(part));
    }
  }
  for (const segment of parsed.pathname.split('/')) if (looksLikeSecret(segment)) secrets.add(segment);
  for (const value of parsed.searchParams.values()) if (value) secrets.add(value);
  let result = text.split(url).join(redactRpcUrl(url));
  // Longest first, so a secret that contains another is replaced whole.
  const replaceable = [...secrets].filter((secret) => secret.length >= 4);
  for (const secret of replaceable.sort((a, b) => b.length - a.length)) {
    result = result.split(secret).join(REDACTED);
  }
  return result;
}

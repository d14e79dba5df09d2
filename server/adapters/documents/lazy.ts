/**
 * The renderers, loaded on first use: pdfkit, fontkit and qrcode cost ~24 MB
 * of memory and ~160 ms at start-up, which a service that only ingests and
 * verifies should not pay (the ingest RSS target is < 200 MB).
 */
type Documents = typeof import('./index');

let loaded: Documents | undefined;

export function documents(): Documents {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see above
  loaded ??= require('./index') as Documents;
  return loaded;
}

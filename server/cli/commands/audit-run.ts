/** custos audit run — start an integrity audit on the server and follow it to its report (progress bar on a terminal). */
import { readFileSync } from 'node:fs';
import { parseCommandArgs } from '../args';
import { EXIT, UsageError } from '../cli-error';
import { serverText } from '../server-client';

export const AUDIT_RUN_HELP = `Usage: custos audit run [--sample PERCENT | --since DATE | --case CODE] --server URL --token-file FILE [--json]

Starts an integrity audit (auditor or admin token) and follows it: every item
in scope is re-fetched from IPFS and re-hashed, its record checked against its
logged event, its leaf against the latest head anchored on chain; the log
against every anchored head; renditions' derivations and live recordings'
segment chains. Prints each finding and the report's SHA-256 (logged, and
anchored, as audit.completed). Exit 0 when nothing was found, 1 otherwise.

Options:
  --sample PERCENT   audit a random sample (e.g. 1 for 1%)
  --since DATE       audit evidence received since this ISO date-time
  --case CODE        audit the evidence attached to one case
  --server URL       the Custos server (env CUSTOS_SERVER, default http://127.0.0.1:8080)
  --token-file FILE  a file holding an auditor or admin token (env CUSTOS_TOKEN also works)
  --json             print the final report as JSON`;

export async function auditRunCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    sample: { type: 'string' },
    since: { type: 'string' },
    case: { type: 'string' },
    server: { type: 'string' },
    'token-file': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    console.log(AUDIT_RUN_HELP);
    return EXIT.ok;
  }
  const server = (values.server ?? process.env.CUSTOS_SERVER ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : process.env.CUSTOS_TOKEN;
  if (!token) throw new UsageError('--token-file FILE (or CUSTOS_TOKEN) is required: an auditor or admin token');
  const scopes = (['sample', 'since', 'case'] as const).filter((k) => values[k] !== undefined);
  if (scopes.length > 1) throw new UsageError('give at most one of --sample, --since, --case');
  const body = scopes.length === 0 ? {} : { [scopes[0]]: scopes[0] === 'sample' ? Number(values.sample) : values[scopes[0]] };

  const call = (path: string, payload?: unknown) => serverText(`${server}${path}`, { token, ...(payload !== undefined ? { body: payload } : {}) });

  let audit = JSON.parse(await call('/v1/audits', body)) as { id: string; state: string; progressPercent: number; items: number; itemsDone: number; error?: string };
  const tty = process.stderr.isTTY;
  while (audit.state === 'queued' || audit.state === 'running') {
    if (tty) {
      const width = 30;
      const filled = Math.round((audit.progressPercent / 100) * width);
      process.stderr.write(`\raudit ${audit.id} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${audit.progressPercent.toFixed(1)}% ${audit.itemsDone}/${audit.items} items `);
    }
    await new Promise((r) => setTimeout(r, 500));
    audit = JSON.parse(await call(`/v1/audits/${audit.id}`)) as typeof audit;
  }
  if (tty) process.stderr.write('\n');
  if (audit.state === 'failed') throw new Error(`audit ${audit.id} failed: ${audit.error ?? 'unknown error'}`);
  const reportText = await call(`/v1/audits/${audit.id}/report`);
  const report = JSON.parse(reportText) as { counts: { items: number; bytes: number; findings: number }; findings: Array<{ item: string; check: string; message: string; expected?: string; found?: string; action: string }> };
  const sha = JSON.parse(await call(`/v1/audits/${audit.id}`)) as { reportSha256: string; leafIndex: number };
  if (values.json) {
    console.log(reportText.trimEnd());
  } else {
    for (const f of report.findings) {
      console.log(`✗ ${f.item}  [${f.check}] ${f.message}${f.expected !== undefined ? ` (expected ${f.expected}, found ${f.found})` : ''}\n    → ${f.action}`);
    }
    console.log(
      report.counts.findings === 0
        ? `NO ALTERATION FOUND: ${report.counts.items} items, ${report.counts.bytes} bytes re-hashed`
        : `FOUND ${report.counts.findings} problem(s) in ${report.counts.items} items`,
    );
    console.log(`report sha256 ${sha.reportSha256}, logged as audit.completed at leaf ${sha.leafIndex} (GET /v1/audits/${audit.id}/report?format=html to print)`);
  }
  return report.counts.findings === 0 ? EXIT.ok : EXIT.verificationFailed;
}

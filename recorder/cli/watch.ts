/** `custos-recorder watch`: the dock-station agent's command line (the agent is recorder/watch/dock-agent.ts). */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDeviceKeys } from '../watch/device-keys';
import { runDockAgent } from '../watch/dock-agent';
import { WatchError } from '../watch/errors';
import { createWatchOutput } from './watch-output';
import { UsageError } from './usage-error';

export const WATCH_HELP = `Usage: custos-recorder watch <dir> --server URL --token-file FILE --key FILE|DIR
                             [--device-id ID] [--officer-id ID] [--journal FILE]
                             [--delete-after-verified] [--retry-refused] [--once] [--json]
                             [--settle-ms 2000] [--poll-ms 1000] [--chunk-size 8MiB]
                             [--proof-timeout-ms 600000]

Watches a dock folder (and its subfolders) for recordings. Each one, once its
size and mtime have not changed for --settle-ms, is hashed, signed with the
device key and sent over tus in chunks (resumable: the upload URL is journaled
before the first byte, and a restarted agent resumes from the server's offset).
It is done when the server's record has the same SHA-256 and, once anchored,
its proof bundle is stored in <journal dir>/proofs/<evidenceId>.proof.json.

Metadata, field by field, from the first that has it:
  1. a sidecar <recording>.json: {"deviceId", "officerId", "recordedAt", "endedAt",
     "location": {"lat", "lon"}, "note"}
  2. the file name <deviceId>_<YYYYMMDDTHHMMSS><Z|+HHMM>[_<anything>].<ext>,
     e.g. BWC-0042_20261120T173000+0800_0001.mp4 (deviceId, recordedAt)
  3. --device-id, --officer-id, and the file's mtime as recordedAt
Skipped: hidden files and folders, *.part *.partial *.tmp *.temp *.crdownload
*.download *.swp *.lock, and *.json (sidecars).

Options:
  --server URL             the Custos server (env CUSTOS_SERVER)
  --token-file FILE        an uploader token (env CUSTOS_TOKEN holds the token itself)
  --key FILE|DIR           the device's private key (device.key from keygen), or a
                           directory of <deviceId>.key for a dock serving several recorders
  --device-id ID           device when neither sidecar nor file name gives one
  --officer-id ID          officer when no sidecar gives one
  --journal FILE           the journal (default <dir>/.custos-journal.sqlite)
  --delete-after-verified  delete a recording (and its sidecar) once its proof is
                           stored and proves the file's SHA-256; never otherwise
  --retry-refused          try files the server refused (e.g. DEVICE_NOT_REGISTERED)
                           again; otherwise only a changed file or sidecar is retried
  --once                   process what is there, then exit: 0 when every file is
                           done or refused, 3 when some are left for the next run
  --json                   one JSON object per event on stdout
  --settle-ms N            how long a file must stay unchanged (default 2000)
  --poll-ms N              how often the folder is listed (default 1000)
  --chunk-size SIZE        bytes per PATCH, e.g. 8MiB, 512KiB (default 8MiB)
  --proof-timeout-ms N     report a proof not ready after N ms (default 600000);
                           with --once the file is then left for the next run

SIGINT/SIGTERM: the chunk in flight is finished, the journal saved, exit 0.`;

const MiB = 1024 * 1024;

export async function watch(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        'token-file': { type: 'string' },
        key: { type: 'string' },
        'device-id': { type: 'string' },
        'officer-id': { type: 'string' },
        journal: { type: 'string' },
        'delete-after-verified': { type: 'boolean' },
        'retry-refused': { type: 'boolean' },
        once: { type: 'boolean' },
        json: { type: 'boolean' },
        'settle-ms': { type: 'string' },
        'poll-ms': { type: 'string' },
        'chunk-size': { type: 'string' },
        'proof-timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(WATCH_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one folder to watch (see custos-recorder watch --help)');
  const dir = resolve(positionals[0]);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${dir} is not a directory`);
  const server = values.server ?? process.env.CUSTOS_SERVER;
  if (!server) throw new UsageError('--server is required (or CUSTOS_SERVER)');
  const token = values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : process.env.CUSTOS_TOKEN;
  if (!token) throw new UsageError('--token-file is required (or CUSTOS_TOKEN)');
  if (!values.key) throw new UsageError('--key is required: the device key file, or a directory of <deviceId>.key');

  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    // A second Ctrl-C does not wait for the chunk in flight; the journal is consistent at every point anyway.
    if (++signals > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const output = createWatchOutput({ json: values.json === true, terminal: process.stderr.isTTY === true });
  try {
    const summary = await runDockAgent({
      dir,
      server,
      token,
      keys: loadDeviceKeys(values.key),
      flags: { deviceId: values['device-id'], officerId: values['officer-id'] },
      journalPath: resolve(values.journal ?? join(dir, '.custos-journal.sqlite')),
      deleteAfterVerified: values['delete-after-verified'] === true,
      retryRefused: values['retry-refused'] === true,
      once: values.once === true,
      pollMs: integer(values['poll-ms'], 1000, 10, 3_600_000, '--poll-ms'),
      settleMs: integer(values['settle-ms'], 2000, 0, 86_400_000, '--settle-ms'),
      chunkSize: size(values['chunk-size'], 8 * MiB),
      proofTimeoutMs: integer(values['proof-timeout-ms'], 600_000, 1000, 7 * 86_400_000, '--proof-timeout-ms'),
      maxRetryMs: 30_000,
      maxAttempts: 6,
      stallTimeoutMs: 120_000,
      signal: controller.signal,
      onEvent: output.show,
    }).catch((error: unknown) => {
      // `CODE: message` on one line, as every custos command reports a failure.
      if (!(error instanceof WatchError)) throw error;
      output.done();
      console.error(`custos-recorder watch: ${error.code}: ${error.message}`);
      return null;
    });
    if (summary === null) return 3;
    if (summary.unfinished > 0) {
      output.done();
      console.error(`custos-recorder watch: ${summary.unfinished} file(s) left unfinished after retries; they are resumed by the next run`);
      return 3;
    }
    return 0;
  } finally {
    output.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function integer(text: string | undefined, fallback: number, min: number, max: number, name: string): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,12}$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}`);
  return Number(text);
}

/** `8MiB`, `512KiB` or plain bytes; tus chunks from 64 KiB to 1 GiB. */
function size(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const match = /^(\d{1,10})(KiB|MiB|GiB)?$/.exec(text);
  const bytes = match ? Number(match[1]) * ({ KiB: 1024, MiB: MiB, GiB: 1024 * MiB }[match[2] ?? ''] ?? 1) : NaN;
  if (!(bytes >= 64 * 1024 && bytes <= 1024 * MiB)) throw new UsageError('--chunk-size must be from 64KiB to 1GiB (e.g. 8MiB, 524288)');
  return bytes;
}

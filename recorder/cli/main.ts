/**
 * `custos-recorder`: the body-camera / dock-station side. Exit codes as for
 * `custos`: 0 ok, 2 usage error, 3 failure (one readable line on stderr).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDeviceKey, keyId } from '../../server/core/device-signature';
import { resolveMediaBinaries } from '../../server/adapters/media';
import { recordLive, RecordingRefusedError, type LiveEvent } from '../live';
import { UsageError } from './usage-error';
import { watch } from './watch';

const HELP = `Usage: custos-recorder <command> [options]

Commands:
  keygen   make this recorder's Ed25519 device key pair (an admin then registers
           the public key: custos device register --id <deviceId> --public-key <file>)
  live     record from any ffmpeg input in fixed-length segments, each signed, chained
           and sent as soon as it is finished; Ctrl-C stops and seals the recording
  watch    dock station: upload every finished recording in a folder (signed, resumable),
           keep its proof once anchored, optionally delete it then

Run custos-recorder <command> --help for a command's options.`;

const KEYGEN_HELP = `Usage: custos-recorder keygen [--out DIR] [--force]

Writes DIR/device.key (the private key, PKCS#8 PEM, mode 0600: it never leaves
the recorder) and DIR/device.pub (the public key, base64, for the admin).

Options:
  --out DIR  where to write the keys (default: ./device-key)
  --force    replace an existing key pair (the old key can no longer sign)`;

const LIVE_HELP = `Usage: custos-recorder live --input INPUT [--input-format FMT] --server URL --token-file FILE
                            --key FILE --device-id ID --officer-id ID [--segment-seconds 2]
                            [--out DIR] [--json]

Records from any ffmpeg input (an RTSP URL, a capture device, or for demos
--input-format lavfi --input testsrc2=size=640x360:rate=25) into MPEG-TS
segments. As ffmpeg finishes each segment the recorder hashes it, links it to
the previous one, signs it with the device key and sends it; if the server
cannot be reached, segments wait in --out and go out in order when it can.
Ctrl-C (SIGINT) stops ffmpeg gracefully, sends the rest and seals the recording.

Options:
  --input INPUT          ffmpeg input
  --input-format FMT     ffmpeg -f for the input (e.g. lavfi, rtsp, v4l2)
  --segment-seconds N    segment length (default 2)
  --server URL           the Custos server (env CUSTOS_SERVER)
  --token-file FILE      an uploader token (env CUSTOS_TOKEN holds the token itself)
  --key FILE             the device's private key (device.key from keygen)
  --device-id ID         the id the device is registered under
  --officer-id ID        who is recording
  --out DIR              where segments are kept (default ./live-<time>)
  --json                 one JSON object per event on stdout instead of status lines`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h') {
      console.log(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === 'keygen') return keygen(rest);
    if (command === 'live') return await live(rest);
    if (command === 'watch') return await watch(rest);
    throw new UsageError(`unknown command "${command}" (try custos-recorder --help)`);
  } catch (error) {
    const prefix = command && command !== '--help' ? `custos-recorder ${command}` : 'custos-recorder';
    console.error(`${prefix}: ${(error as Error).message}`);
    return error instanceof UsageError ? 2 : 3;
  }
}

async function live(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        input: { type: 'string' },
        'input-format': { type: 'string' },
        'segment-seconds': { type: 'string' },
        server: { type: 'string' },
        'token-file': { type: 'string' },
        key: { type: 'string' },
        'device-id': { type: 'string' },
        'officer-id': { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(LIVE_HELP);
    return 0;
  }
  const need = (name: string): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required (see custos-recorder live --help)`);
    return value;
  };
  const server = (values.server as string | undefined) ?? process.env.CUSTOS_SERVER;
  if (!server) throw new UsageError('--server is required (or CUSTOS_SERVER)');
  const token = values['token-file'] ? readFileSync(values['token-file'] as string, 'utf8').trim() : process.env.CUSTOS_TOKEN;
  if (!token) throw new UsageError('--token-file is required (or CUSTOS_TOKEN)');
  const segmentSeconds = Number(values['segment-seconds'] ?? 2);
  if (!(segmentSeconds > 0 && segmentSeconds <= 3600)) throw new UsageError('--segment-seconds must be between 0 and 3600');
  const input = need('input');
  const deviceKey = readFileSync(need('key'), 'utf8');
  const deviceId = need('device-id');
  const officerId = need('officer-id');
  const workDir = resolve((values.out as string | undefined) ?? `live-${new Date().toISOString().replace(/[:.]/g, '-')}`);

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const json = values.json === true;
  const show = (event: LiveEvent) => {
    if (json) return console.log(JSON.stringify(event));
    if (event.type === 'started') console.error(`recording ${event.recordingId} (Ctrl-C to stop and seal)`);
    else if (event.type === 'segment-sent') console.error(`segment ${event.sequence} sent  ${event.sha256.slice(0, 16)}…`);
    else if (event.type === 'retrying') console.error(`${event.what}: ${event.error}; retrying in ${event.inMs} ms (segments wait in ${workDir})`);
    else if (event.type === 'sealed') console.error(`sealed ${event.recordingId}: ${event.segmentCount} segments`);
  };
  try {
    const { ffmpegPath } = await resolveMediaBinaries();
    const result = await recordLive({
      server,
      token,
      deviceKey,
      deviceId,
      officerId,
      ffmpegPath,
      input,
      inputFormat: values['input-format'] as string | undefined,
      segmentSeconds,
      workDir,
      signal: controller.signal,
      onEvent: show,
    });
    if (!json) console.log(result.recordingId);
    return 0;
  } catch (error) {
    if (error instanceof RecordingRefusedError) throw new Error(`the server refused the recording: ${error.message}`);
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

function keygen(args: string[]): number {
  let values: { out?: string; force?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { out: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(KEYGEN_HELP);
    return 0;
  }
  const dir = resolve(values.out ?? 'device-key');
  const keyFile = join(dir, 'device.key');
  const pubFile = join(dir, 'device.pub');
  if (existsSync(keyFile) && !values.force) throw new Error(`${keyFile} exists; give --force to replace it (the old key then stops working)`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKeyPem, publicKey } = generateDeviceKey();
  writeFileSync(keyFile, privateKeyPem, { mode: 0o600 });
  writeFileSync(pubFile, publicKey + '\n');
  console.log(`private key  ${keyFile} (keep it on this recorder)`);
  console.log(`public key   ${publicKey}`);
  console.log(`key id       ${keyId(publicKey)}`);
  console.log(`register it: npx custos device register --id <deviceId> --public-key ${pubFile}`);
  return 0;
}

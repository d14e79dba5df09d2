import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig, serviceUrl } from '../../config';
import { createFfmpegMediaTool, fillRecipe } from '../../adapters/media';
import { sha256OfFile } from '../../file-sha256';
import { parseCommandArgs } from '../args';
import { EXIT, UsageError } from '../cli-error';

export const REDERIVE_HELP = `Usage: custos rederive <evidenceId> [--rendition NAME] [--server URL] [--token-file FILE] [--json]

Re-runs the recorded transcode of an evidence's renditions on this machine:
downloads the original (checking its SHA-256), runs ffmpeg with exactly the
logged argument list, and reports whether each rendition's SHA-256 is
reproduced. Exit code 0 if all are, 1 if any is not.

x264 output is byte-for-byte reproducible only with the same ffmpeg binary
(and the same -threads, which the recipe pins); when this machine's ffmpeg
differs from the recorded one, the output says so.

Options:
  --rendition NAME   only this rendition (default: all of them)
  --server URL       the Custos server (env CUSTOS_SERVER, default http://<CUSTOS_HOST>:<CUSTOS_PORT>)
  --token-file FILE  a file holding an officer or admin token (env CUSTOS_TOKEN holds the token itself)
  --ffmpeg PATH      ffmpeg to use (with --ffprobe); default: as the service resolves it
  --ffprobe PATH
  --purpose TEXT     why the original is read (logged as custody; default: "custos rederive: …")
  --json             print the result as JSON`;

interface RenditionInfo {
  name: string;
  sha256: string;
  recipe: { tool: string; version: string; args: string[] };
}

interface Outcome {
  name: string;
  reproduced: boolean;
  recordedSha256: string;
  rederivedSha256: string;
  recordedFfmpeg: string;
  localFfmpeg: string;
  sameBinary: boolean;
  explanation: string;
}

export async function rederiveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      rendition: { type: 'string' },
      server: { type: 'string' },
      'token-file': { type: 'string' },
      ffmpeg: { type: 'string' },
      ffprobe: { type: 'string' },
      json: { type: 'boolean' },
      purpose: { type: 'string' },
    },
    true,
  );
  if (values.help) {
    console.log(REDERIVE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one evidence id (see custos rederive --help)');
  const evidenceId = positionals[0];
  const server = values.server ?? process.env.CUSTOS_SERVER ?? defaultServer();
  const token = values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : process.env.CUSTOS_TOKEN;
  if (!token) throw new UsageError('give --token-file FILE (or CUSTOS_TOKEN): reading the original needs an officer or admin token');
  if ((values.ffmpeg === undefined) !== (values.ffprobe === undefined)) throw new UsageError('--ffmpeg and --ffprobe go together');

  const headers = { authorization: `Bearer ${token}` };
  const record = (await getJson(new URL(`/v1/evidence/${encodeURIComponent(evidenceId)}`, server), headers)) as {
    sha256: string;
    media?: { renditions?: RenditionInfo[] };
  };
  const renditions = (record.media?.renditions ?? []).filter((r) => values.rendition === undefined || r.name === values.rendition);
  if (renditions.length === 0) {
    throw new Error(values.rendition ? `evidence ${evidenceId} has no rendition "${values.rendition}"` : `evidence ${evidenceId} has no renditions (yet)`);
  }

  const tool = await createFfmpegMediaTool({ ffmpegPath: values.ffmpeg, ffprobePath: values.ffprobe });
  const work = mkdtempSync(join(tmpdir(), 'custos-rederive-'));
  try {
    const original = join(work, 'original');
    // The read is logged as custody (custody.read) with this purpose.
    const contentUrl = new URL(`/v1/evidence/${encodeURIComponent(evidenceId)}/content`, server);
    contentUrl.searchParams.set('purpose', values.purpose ?? 'custos rederive: reproduce the logged renditions');
    const response = await fetch(contentUrl, { headers });
    if (!response.ok || !response.body) throw new Error(`${server} answered ${response.status} for the original's content`);
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(original));
    const originalSha256 = await sha256OfFile(original);
    if (originalSha256 !== record.sha256) throw new Error(`the downloaded original hashes to ${originalSha256}, not the recorded ${record.sha256}: not re-deriving from it`);

    const outcomes: Outcome[] = [];
    for (const rendition of renditions) {
      const output = join(work, `${rendition.name}.out`);
      await tool.runFfmpeg(fillRecipe(rendition.recipe.args, original, output), { timeoutMs: 24 * 3_600_000 });
      const rederived = await sha256OfFile(output);
      const sameBinary = rendition.recipe.version === tool.info.ffmpegVersion;
      const reproduced = rederived === rendition.sha256;
      outcomes.push({
        name: rendition.name,
        reproduced,
        recordedSha256: rendition.sha256,
        rederivedSha256: rederived,
        recordedFfmpeg: rendition.recipe.version,
        localFfmpeg: tool.info.ffmpegVersion,
        sameBinary,
        explanation: reproduced
          ? 'the recorded recipe reproduces the rendition byte for byte'
          : sameBinary
            ? 'NOT reproduced with the same ffmpeg version and the recorded arguments: the rendition or its record may have been altered'
            : 'not reproduced, as expected with a different ffmpeg build: encoders (x264, aac) give identical bytes only with the same binary; re-run on a machine with the recorded version to decide',
      });
    }
    if (values.json) console.log(JSON.stringify({ evidenceId, outcomes }, null, 2));
    else {
      for (const o of outcomes) {
        console.log(`${o.reproduced ? '✓' : '✗'} ${o.name}: ${o.explanation}`);
        console.log(`    recorded  ${o.recordedSha256}  (${o.recordedFfmpeg})`);
        console.log(`    re-made   ${o.rederivedSha256}  (${o.localFfmpeg})`);
      }
    }
    return outcomes.every((o) => o.reproduced) ? EXIT.ok : EXIT.verificationFailed;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function getJson(url: URL, headers: Record<string, string>): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (error) {
    throw new Error(`cannot reach ${url.origin}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!response.ok) throw new Error(body?.error ? `${body.error.code}: ${body.error.message}` : `${url.origin} answered ${response.status}`);
  return body;
}

function defaultServer(): string {
  const config = loadConfig(process.env);
  return serviceUrl(config.host, config.port);
}

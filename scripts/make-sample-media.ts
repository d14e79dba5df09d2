/**
 * Writes synthetic body-camera media for demos and manual tests:
 *
 *   node dist/scripts/make-sample-media.js <outDir> [--seconds 10] [--size 1920x1080] [--device BWC-0042]
 *
 * Uses the ffmpeg the service would use (system ffmpeg >= 5, else the npm build).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeSampleMedia, writeRandomBytes, writeTextFile, writeTruncatedMp4 } from './sample-media';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seconds: { type: 'string', default: '10' }, size: { type: 'string', default: '1920x1080' }, device: { type: 'string', default: 'BWC-0042' } },
  });
  const seconds = Number(values.seconds);
  if (positionals.length !== 1 || !(seconds > 0)) {
    throw new Error('usage: make-sample-media <outDir> [--seconds 10] [--size 1920x1080] [--device BWC-0042]');
  }
  const outDir = positionals[0];
  const media = await makeSampleMedia(undefined, outDir, { seconds, size: values.size, deviceId: values.device });
  if (!media.drawtext) console.error('note: no font or no drawtext filter in this ffmpeg: clips have no burned-in text');
  const extras = {
    random: await writeRandomBytes(join(outDir, 'random.bin')),
    text: await writeTextFile(join(outDir, 'notes.txt')),
    truncated: await writeTruncatedMp4(media.mp4, join(outDir, 'truncated.mp4')),
  };
  console.log(JSON.stringify({ ...media, ...extras }, null, 2));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});

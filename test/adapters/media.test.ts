/**
 * The ffmpeg/ffprobe adapter against the real binaries, no mocks: the pure
 * parts first, then the whole suite once per ffmpeg build (the system's
 * ffmpeg >= 5 and the static npm build), on synthetic media made in `before`.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSampleMedia, writeRandomBytes, writeTextFile, writeTruncatedMp4, type SampleMedia } from '../../scripts/sample-media';
import { createFfmpegMediaTool, fillRecipe, parseFfmpegMajor, renditionsFor, resolveMediaBinaries } from '../../server/adapters/media';
import { toMediaInfo } from '../../server/adapters/media/probe';
import { PLAYBACK, posterRecipe, AUDIO } from '../../server/adapters/media/recipes';
import { ProgressParser, runTool, summarizeStderr } from '../../server/adapters/media/run-tool';
import { isAppError, type ErrorCode } from '../../server/core/errors';
import type { MediaInfo, MediaTool, MediaToolInfo } from '../../server/ports';

const NPM_FFMPEG: string = require('@ffmpeg-installer/ffmpeg').path;
const NPM_FFPROBE: string = require('@ffprobe-installer/ffprobe').path;

async function expectCode(promise: Promise<unknown>, code: ErrorCode) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(error), `expected AppError ${code}, got ${String(error)}`).to.equal(true);
  expect((error as { code: string }).code, String(error)).to.equal(code);
  return error as Error & { details?: Record<string, unknown> };
}

const sha256File = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** The system build if there is one (ffmpeg >= 5 on PATH), resolved once for the whole file. */
let systemBuild: Promise<MediaToolInfo | undefined> | undefined;
function findSystemBuild(): Promise<MediaToolInfo | undefined> {
  systemBuild ??= resolveMediaBinaries().then((info) => (info.source === 'system' ? info : undefined));
  return systemBuild;
}

describe('media adapter (ffmpeg/ffprobe)', function () {
  describe('parseFfmpegMajor', function () {
    it('reads the major version of release builds', () => {
      expect(parseFfmpegMajor('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers')).to.equal(5);
      expect(parseFfmpegMajor('ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021 the FFmpeg developers')).to.equal(4);
      expect(parseFfmpegMajor('ffmpeg version n6.1.1 Copyright (c) 2000-2023 the FFmpeg developers')).to.equal(6);
      expect(parseFfmpegMajor('ffprobe version 7.0 Copyright (c) 2007-2024 the FFmpeg developers')).to.equal(7);
    });

    it('returns undefined for git snapshots and anything else', () => {
      expect(parseFfmpegMajor('ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/')).to.equal(undefined);
      expect(parseFfmpegMajor('ffmpeg version 2023-03-05-git-912ac82a3c-full_build-www.gyan.dev')).to.equal(undefined);
      expect(parseFfmpegMajor('avconv version 12.3')).to.equal(undefined);
      expect(parseFfmpegMajor('')).to.equal(undefined);
    });
  });

  describe('toMediaInfo', function () {
    // Trimmed `ffprobe -v error -print_format json -show_format -show_streams` output of a phone clip.
    const phoneClip = {
      streams: [
        {
          index: 0, codec_name: 'h264', profile: 'High', codec_type: 'video', width: 1920, height: 1080, pix_fmt: 'yuv420p',
          avg_frame_rate: '30000/1001', duration: '12.012000', disposition: { default: 1, attached_pic: 0 },
          tags: { creation_time: '2024-05-01T12:00:01.000000Z', handler_name: 'Core Media Video', vendor_id: '[0][0][0][0]' },
        },
        {
          index: 1, codec_name: 'aac', profile: 'LC', codec_type: 'audio', sample_fmt: 'fltp', sample_rate: '48000', channels: 1,
          avg_frame_rate: '0/0', duration: '12.000000', disposition: { default: 1, attached_pic: 0 }, tags: { handler_name: 'Core Media Audio' },
        },
        { index: 2, codec_type: 'data', codec_tag_string: 'mebx', disposition: { attached_pic: 0 }, tags: { handler_name: 'Core Media Metadata' } },
      ],
      format: {
        format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '12.012000', bit_rate: '10485760',
        tags: {
          major_brand: 'qt  ', creation_time: '2024-05-01T12:00:00.000000Z', 'com.apple.quicktime.make': 'Apple',
          'com.apple.quicktime.model': 'iPhone 12', 'com.apple.quicktime.software': '17.4', 'com.apple.quicktime.location.ISO6709': '+48.8584+002.2945/',
          'com.custos.device_id': 'BWC-0042',
        },
      },
    };

    it('maps container, duration, streams, creation_time and device tags', () => {
      const result = toMediaInfo(phoneClip);
      expect(result.playable).to.equal(true);
      const info = (result as { info: MediaInfo }).info;
      expect(info).to.deep.equal({
        kind: 'video',
        container: 'mov,mp4,m4a,3gp,3g2,mj2',
        durationSeconds: 12.012,
        bitRate: 10485760,
        creationTime: '2024-05-01T12:00:00.000000Z',
        streams: [
          { index: 0, type: 'video', codec: 'h264', profile: 'High', width: 1920, height: 1080, frameRate: '30000/1001', pixelFormat: 'yuv420p', durationSeconds: 12.012 },
          { index: 1, type: 'audio', codec: 'aac', profile: 'LC', sampleRate: 48000, channels: 1, sampleFormat: 'fltp', durationSeconds: 12 },
          { index: 2, type: 'data', codec: 'unknown' },
        ],
        deviceTags: {
          major_brand: 'qt  ',
          'com.apple.quicktime.make': 'Apple',
          'com.apple.quicktime.model': 'iPhone 12',
          'com.apple.quicktime.software': '17.4',
          'com.custos.device_id': 'BWC-0042',
          'stream.0.handler_name': 'Core Media Video',
          'stream.1.handler_name': 'Core Media Audio',
          'stream.2.handler_name': 'Core Media Metadata',
        },
      });
    });

    it('takes creation_time from the first stream that has one when the container has none', () => {
      const { tags: _tags, ...format } = phoneClip.format;
      const result = toMediaInfo({ ...phoneClip, format });
      expect(result.playable && result.info.creationTime).to.equal('2024-05-01T12:00:01.000000Z');
    });

    it('an MP3 with cover art is audio: the attached picture is not a video', () => {
      const result = toMediaInfo({
        streams: [
          { index: 0, codec_type: 'audio', codec_name: 'mp3', sample_rate: '44100', channels: 2 },
          { index: 1, codec_type: 'video', codec_name: 'mjpeg', width: 600, height: 600, disposition: { attached_pic: 1 } },
        ],
        format: { format_name: 'mp3', duration: '180.5' },
      });
      expect(result.playable && result.info.kind).to.equal('audio');
      expect(result.playable && result.info.streams[1].attachedPicture).to.equal(true);
    });

    for (const [name, json, reason] of [
      ['a still image (image2)', { streams: [{ index: 0, codec_type: 'video', codec_name: 'mjpeg' }], format: { format_name: 'image2', duration: '0.04' } }, /image or text/],
      ['a PNG read by content (png_pipe)', { streams: [{ index: 0, codec_type: 'video', codec_name: 'png' }], format: { format_name: 'png_pipe' } }, /image or text/],
      ['a text file shown as video (tty)', { streams: [{ index: 0, codec_type: 'video', codec_name: 'ansi' }], format: { format_name: 'tty', duration: '1' } }, /image or text/],
      ['a subtitle file', { streams: [{ index: 0, codec_type: 'subtitle', codec_name: 'subrip' }], format: { format_name: 'srt', duration: '60' } }, /no audio or video/],
      ['cover art alone', { streams: [{ index: 0, codec_type: 'video', codec_name: 'png', disposition: { attached_pic: 1 } }], format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '1' } }, /no audio or video/],
      ['zero duration', { streams: [{ index: 0, codec_type: 'audio', codec_name: 'pcm_s16le' }], format: { format_name: 'wav', duration: '0.000000' } }, /duration/],
      ['unknown duration', { streams: [{ index: 0, codec_type: 'audio', codec_name: 'aac' }], format: { format_name: 'aac', duration: 'N/A' } }, /duration/],
      ['not ffprobe output at all', [1, 2, 3], /no container/],
    ] as const) {
      it(`${name} is not playable`, () => {
        const result = toMediaInfo(json);
        expect(result.playable).to.equal(false);
        expect(!result.playable && result.reason).to.match(reason);
      });
    }
  });

  describe('run-tool helpers', function () {
    it('summarizeStderr keeps the last meaningful lines, without addresses or the input path', () => {
      const stderr = '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d0c1a2b3c0] moov atom not found\nfile:/srv/custos/work/job-7/original: Invalid data found when processing input\n';
      expect(summarizeStderr(stderr, ['-i', 'file:/srv/custos/work/job-7/original'])).to.equal('moov atom not found; Invalid data found when processing input');
    });

    it('ProgressParser turns out_time_us (5.x) and out_time_ms (4.1, also microseconds) into fractions, ending at 1', () => {
      const seen: number[] = [];
      const parser = new ProgressParser((f) => seen.push(f), 10);
      parser.push('frame=1\nout_time_us=N/A\nout_time_ms=N/A\nprogress=continue\n');
      parser.push('frame=75\nout_time_us=2500000\nout_time_ms=2500000\nprogress=cont');
      parser.push('inue\nframe=150\nout_time_ms=5000000\nprogress=continue\n');
      parser.push('out_time_ms=9960000\nprogress=end\n');
      expect(seen).to.deep.equal([0.25, 0.5, 1]);
    });
  });

  describe('resolveMediaBinaries', function () {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'custos-media-resolve-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('uses configured paths first, and records both version lines as printed', async () => {
      const info = await resolveMediaBinaries({ ffmpegPath: NPM_FFMPEG, ffprobePath: NPM_FFPROBE });
      expect(info.source).to.equal('config');
      expect(info.ffmpegPath).to.equal(NPM_FFMPEG);
      expect(info.ffmpegVersion).to.match(/^ffmpeg version N-47683-g0e8eb07980-static https:\/\/johnvansickle\.com\/ffmpeg\/ {2}Copyright \(c\) 2000-2018/);
      expect(info.ffprobeVersion).to.match(/^ffprobe version \S+ .*Copyright/);
    });

    it('refuses half a configured pair', async () => {
      await expectCode(resolveMediaBinaries({ ffmpegPath: NPM_FFMPEG }), 'CONFIG_INVALID');
    });

    it('does not fall back when configured binaries do not run', async () => {
      await expectCode(resolveMediaBinaries({ ffmpegPath: join(dir, 'nope', 'ffmpeg'), ffprobePath: NPM_FFPROBE }), 'MEDIA_TOOL_UNAVAILABLE');
    });

    it('prefers a system ffmpeg >= 5 on PATH', async function () {
      const system = await findSystemBuild();
      if (!system) {
        console.warn('      (no system ffmpeg >= 5 on PATH: nothing to prefer)');
        this.skip();
      }
      expect(system!.source).to.equal('system');
      expect(parseFfmpegMajor(system!.ffmpegVersion)).to.be.at.least(5);
    });

    it('skips a system ffmpeg older than 5 and falls back to the npm build', async () => {
      // A fake ffmpeg 4.4 (and ffprobe) on a PATH of its own.
      for (const tool of ['ffmpeg', 'ffprobe']) {
        await writeFile(join(dir, tool), `#!/bin/sh\necho "${tool} version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021 the FFmpeg developers"\n`);
        await chmod(join(dir, tool), 0o755);
      }
      const info = await resolveMediaBinaries({ searchPath: dir });
      expect(info.source).to.equal('npm');
      expect(info.ffmpegPath).to.equal(NPM_FFMPEG);
      expect(info.ffprobePath).to.equal(NPM_FFPROBE);
    });

    it('falls back to the npm build when nothing is on PATH', async () => {
      const info = await resolveMediaBinaries({ searchPath: '' });
      expect(info.source).to.equal('npm');
    });

    it('a missing binary is MEDIA_TOOL_UNAVAILABLE', async () => {
      await expectCode(createFfmpegMediaTool({ ffmpegPath: join(dir, 'missing-ffmpeg'), ffprobePath: join(dir, 'missing-ffprobe') }), 'MEDIA_TOOL_UNAVAILABLE');
      await expectCode(runTool(join(dir, 'missing-ffmpeg'), ['-version'], { timeoutMs: 5000 }), 'MEDIA_TOOL_UNAVAILABLE');
    });

    it('a binary that is not executable (EACCES) is MEDIA_TOOL_UNAVAILABLE', async () => {
      await writeFile(join(dir, 'not-executable'), '#!/bin/sh\n');
      await chmod(join(dir, 'not-executable'), 0o644);
      await expectCode(runTool(join(dir, 'not-executable'), ['-version'], { timeoutMs: 5000 }), 'MEDIA_TOOL_UNAVAILABLE');
    });
  });

  describe('renditionsFor / fillRecipe', function () {
    const video = { kind: 'video', container: 'mov,mp4,m4a,3gp,3g2,mj2', durationSeconds: 0.5, streams: [], deviceTags: {} } as MediaInfo;

    it('gives video a playback copy and a poster, audio an M4A', () => {
      expect(renditionsFor(video).map((r) => [r.name, r.mediaType, r.extension])).to.deep.equal([
        ['playback', 'video/mp4', 'mp4'],
        ['poster', 'image/jpeg', 'jpg'],
      ]);
      expect(renditionsFor({ ...video, kind: 'audio' }).map((r) => [r.name, r.mediaType, r.extension])).to.deep.equal([['audio', 'audio/mp4', 'm4a']]);
    });

    it('takes the poster at 1 s, or mid-clip when the clip is shorter', () => {
      const seek = (info: MediaInfo) => posterRecipe(info).args[posterRecipe(info).args.indexOf('-ss') + 1];
      expect(seek({ ...video, durationSeconds: 60 })).to.equal('1.000');
      expect(seek(video)).to.equal('0.250');
    });

    it('substitutes the placeholders with file: URLs and nothing else', () => {
      const args = fillRecipe(PLAYBACK.args, '/work/job 1/original', '/work/job 1/playback.mp4');
      expect(args[args.indexOf('-i') + 1]).to.equal('file:/work/job 1/original');
      expect(args.at(-1)).to.equal('file:/work/job 1/playback.mp4');
      expect(args.filter((a) => a.includes('{'))).to.deep.equal([]);
      expect(args.length).to.equal(PLAYBACK.args.length);
    });
  });

  for (const build of ['system', 'npm'] as const) {
    describe(`with the ${build} ffmpeg build`, function () {
      let dir: string;
      let tool: MediaTool;
      let ffmpegs: string[];
      let clip: SampleMedia;
      let other: SampleMedia;

      before(async function () {
        const system = await findSystemBuild();
        if (build === 'system' && !system) {
          console.warn('      (skipped: no system ffmpeg >= 5 on PATH)');
          this.skip();
        }
        const paths = build === 'system' ? system! : { ffmpegPath: NPM_FFMPEG, ffprobePath: NPM_FFPROBE };
        tool = await createFfmpegMediaTool({ ffmpegPath: paths.ffmpegPath, ffprobePath: paths.ffprobePath });
        // Every available ffmpeg remuxes; this build hashes.
        ffmpegs = [...new Set([tool.info.ffmpegPath, NPM_FFMPEG, ...(system ? [system.ffmpegPath] : [])])];
        dir = await mkdtemp(join(tmpdir(), `custos-media-${build}-`));
        clip = await makeSampleMedia(tool.info.ffmpegPath, join(dir, 'a'));
        other = await makeSampleMedia(tool.info.ffmpegPath, join(dir, 'b'), { deviceId: 'BWC-0043', toneHz: 440, creationTime: '2024-05-02T08:30:00Z' });
      });
      after(async () => {
        if (dir) await rm(dir, { recursive: true, force: true });
      });

      const ffmpeg = (path: string, args: string[]) => runTool(path, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { timeoutMs: 30_000 });
      const probeInfo = async (file: string) => {
        const result = await tool.probe(file);
        expect(result.playable, !result.playable ? result.reason : '').to.equal(true);
        return (result as { info: MediaInfo }).info;
      };

      describe('probe', function () {
        it('reads an MP4: container, duration, streams, creation_time, device tags', async () => {
          const info = await probeInfo(clip.mp4);
          expect(info.kind).to.equal('video');
          expect(info.container.split(',')).to.include('mp4');
          expect(info.durationSeconds).to.be.closeTo(2, 0.1);
          const [video, audio] = info.streams;
          expect(video).to.include({ type: 'video', codec: 'h264', width: 320, height: 240, frameRate: '30/1', pixelFormat: 'yuv420p' });
          expect(audio).to.include({ type: 'audio', codec: 'aac', sampleRate: 48000, channels: 1 });
          expect(info.creationTime).to.match(/^2024-05-01T12:00:00(\.0+)?Z$/);
          expect(info.deviceTags).to.include({ comment: 'BWC-0042', title: 'Body camera BWC-0042', major_brand: 'isom' });
        });

        it('reads a MOV with make and model', async () => {
          const info = await probeInfo(clip.mov);
          expect(info.container.split(',')).to.include('mov');
          expect(info.streams.map((s) => s.codec)).to.deep.equal(['h264', 'aac']);
          expect(info.creationTime).to.match(/^2024-05-01T12:00:00/);
          expect(info.deviceTags).to.include({ make: 'Custos', model: 'BWC-0042', comment: 'BWC-0042' });
        });

        it('reads a 16 kHz WAV and an M4A as audio', async () => {
          const wav = await probeInfo(clip.wav);
          expect(wav).to.include({ kind: 'audio', container: 'wav' });
          expect(wav.durationSeconds).to.be.closeTo(2, 0.05);
          expect(wav.streams).to.have.length(1);
          expect(wav.streams[0]).to.include({ codec: 'pcm_s16le', sampleRate: 16000, channels: 1 });
          expect(wav.deviceTags).to.include({ comment: 'BWC-0042' });

          const m4a = await probeInfo(clip.m4a);
          expect(m4a.kind).to.equal('audio');
          expect(m4a.streams[0]).to.include({ codec: 'aac', sampleRate: 48000, channels: 1 });
          expect(m4a.creationTime).to.match(/^2024-05-01T12:00:00/);
          expect(m4a.deviceTags).to.include({ major_brand: 'M4A ', comment: 'BWC-0042' });
        });

        it('random bytes, a text file and an MP4 without its moov atom are not playable, with ffprobe\'s reason', async () => {
          const random = await tool.probe(await writeRandomBytes(join(dir, 'random.bin')));
          const text = await tool.probe(await writeTextFile(join(dir, 'notes.txt')));
          const truncated = await tool.probe(await writeTruncatedMp4(clip.mp4, join(dir, 'truncated.mp4')));
          expect(random).to.deep.equal({ playable: false, reason: 'Invalid data found when processing input' });
          expect(text).to.deep.equal({ playable: false, reason: 'Invalid data found when processing input' });
          expect(truncated.playable).to.equal(false);
          expect(!truncated.playable && truncated.reason).to.match(/^moov atom not found/);
          expect(!truncated.playable && truncated.reason).not.to.include(dir);
        });
      });

      describe('packetHashes', function () {
        it('are equal for an MP4 and its remuxes to MOV and MKV, whichever ffmpeg remuxed', async () => {
          const original = await tool.packetHashes(clip.mp4, await probeInfo(clip.mp4));
          expect(original.map((h) => [h.index, h.type, h.codec])).to.deep.equal([[0, 'video', 'h264'], [1, 'audio', 'aac']]);
          for (const [i, remuxer] of ffmpegs.entries()) {
            for (const ext of ['mov', 'mkv']) {
              const copy = join(dir, `remux-${i}.${ext}`);
              await ffmpeg(remuxer, ['-i', clip.mp4, '-map', '0', '-c', 'copy', copy]);
              const hashes = await tool.packetHashes(copy, await probeInfo(copy));
              expect(hashes.map((h) => h.sha256), `${remuxer} → ${ext}`).to.deep.equal(original.map((h) => h.sha256));
            }
          }
        });

        it('are equal for an MP4 whose edit list hides packets and its remuxes (why there is no -ignore_editlist)', async () => {
          // ffmpeg 4.1's `-ss 1 -c copy` keeps the packets before 1 s and writes an edit list that hides them.
          const cut = join(dir, 'cut.mp4');
          await ffmpeg(NPM_FFMPEG, ['-ss', '1', '-i', clip.mp4, '-map', '0', '-c', 'copy', cut]);
          const cutHashes = await tool.packetHashes(cut, await probeInfo(cut));
          expect(cutHashes).to.have.length(2);
          // The hidden packets are there: hashing them too would give other hashes...
          const { stdout } = await runTool(tool.info.ffmpegPath, ['-v', 'error', '-ignore_editlist', '1', '-i', cut, '-map', '0:1', '-c', 'copy', '-f', 'hash', '-hash', 'sha256', '-'], { timeoutMs: 30_000, captureStdout: true });
          expect(stdout.trim()).not.to.equal(`SHA256=${cutHashes[1].sha256}`);
          // ...but every remux drops them, and must keep the hashes.
          for (const [i, remuxer] of ffmpegs.entries()) {
            for (const ext of ['mov', 'mkv']) {
              const copy = join(dir, `cut-${i}.${ext}`);
              await ffmpeg(remuxer, ['-i', cut, '-map', '0', '-c', 'copy', copy]);
              expect(await tool.packetHashes(copy, await probeInfo(copy)), `${remuxer} → ${ext}`).to.deep.equal(cutHashes);
            }
          }
        });

        it('differ for a different clip, stream by stream', async () => {
          const a = await tool.packetHashes(clip.mp4, await probeInfo(clip.mp4));
          const b = await tool.packetHashes(other.mp4, await probeInfo(other.mp4));
          expect(b[0].sha256).not.to.equal(a[0].sha256);
          expect(b[1].sha256).not.to.equal(a[1].sha256);
        });
      });

      describe('decodedHashes', function () {
        it('are deterministic, name the raw format, and survive a remux to MKV', async () => {
          const info = await probeInfo(clip.mp4);
          const first = await tool.decodedHashes(clip.mp4, info);
          expect(first.map((h) => h.format)).to.deep.equal(['rawvideo yuv420p 320x240', 'f32le 48000 Hz 1 ch']);
          expect(first.every((h) => /^[0-9a-f]{64}$/.test(h.sha256))).to.equal(true);
          expect(await tool.decodedHashes(clip.mp4, info)).to.deep.equal(first);
          const mkv = join(dir, 'decoded.mkv');
          await ffmpeg(tool.info.ffmpegPath, ['-i', clip.mp4, '-map', '0', '-c', 'copy', mkv]);
          expect((await tool.decodedHashes(mkv, await probeInfo(mkv))).map((h) => h.sha256)).to.deep.equal(first.map((h) => h.sha256));
          const otherHashes = await tool.decodedHashes(other.mp4, await probeInfo(other.mp4));
          expect(otherHashes[1].sha256).not.to.equal(first[1].sha256);
        });

        it('equal the SHA-256 of the decoded stream computed independently', async () => {
          const info = await probeInfo(clip.wav);
          const [hash] = await tool.decodedHashes(clip.wav, info);
          const raw = join(dir, 'wav.f32le');
          await ffmpeg(tool.info.ffmpegPath, ['-i', clip.wav, '-map', '0:0', '-c:a', 'pcm_f32le', '-f', 'f32le', raw]);
          expect(hash.sha256).to.equal(await sha256File(raw));
          expect(hash.format).to.equal('f32le 16000 Hz 1 ch');
        });
      });

      describe('recipes', function () {
        const render = async (args: readonly string[], input: string, output: string, durationSeconds?: number, onProgress?: (f: number) => void) => {
          await tool.runFfmpeg(fillRecipe(args, input, output), { timeoutMs: 60_000, durationSeconds, onProgress });
          return sha256File(output);
        };

        it('playback: byte-identical twice, H.264/AAC MP4, creation_time kept, progress reaching 1', async () => {
          const progress: number[] = [];
          const first = await render(PLAYBACK.args, clip.mp4, join(dir, 'playback-1.mp4'), 2, (f) => progress.push(f));
          const second = await render(PLAYBACK.args, clip.mp4, join(dir, 'playback-2.mp4'), 2);
          expect(second).to.equal(first);
          expect(progress.at(-1)).to.equal(1);
          expect(progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress[i - 1]))).to.equal(true);

          const info = await probeInfo(join(dir, 'playback-1.mp4'));
          expect(info.streams.map((s) => s.codec)).to.deep.equal(['h264', 'aac']);
          expect(info.streams[0]).to.include({ width: 320, height: 240, pixelFormat: 'yuv420p' }); // never upscaled
          expect(info.creationTime).to.match(/^2024-05-01T12:00:00/);
          expect(info.deviceTags).to.include({ comment: 'BWC-0042' });
        });

        it('playback: fits 1280x720 in either orientation, even dimensions', async () => {
          for (const [size, expected] of [['1920x1080', '1280x720'], ['1440x1080', '960x720'], ['720x1600', '576x1280']]) {
            const source = join(dir, `big-${size}.mp4`);
            await ffmpeg(tool.info.ffmpegPath, ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-t', '0.2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', source]);
            await render(PLAYBACK.args, source, join(dir, `small-${size}.mp4`));
            const [video] = (await probeInfo(join(dir, `small-${size}.mp4`))).streams;
            expect(`${video.width}x${video.height}`, size).to.equal(expected);
          }
        });

        it('poster: the same JPEG twice', async () => {
          const recipe = posterRecipe(await probeInfo(clip.mp4));
          const first = await render(recipe.args, clip.mp4, join(dir, 'poster-1.jpg'));
          expect(await render(recipe.args, clip.mp4, join(dir, 'poster-2.jpg'))).to.equal(first);
          const jpeg = await readFile(join(dir, 'poster-1.jpg'));
          expect(jpeg.subarray(0, 3).toString('hex')).to.equal('ffd8ff');
          // A poster is a still: probing it must not call it a recording.
          expect((await tool.probe(join(dir, 'poster-1.jpg'))).playable).to.equal(false);
        });

        it('audio: the same M4A twice, from a WAV', async () => {
          const first = await render(AUDIO.args, clip.wav, join(dir, 'audio-1.m4a'));
          expect(await render(AUDIO.args, clip.wav, join(dir, 'audio-2.m4a'))).to.equal(first);
          const info = await probeInfo(join(dir, 'audio-1.m4a'));
          expect(info.streams.map((s) => [s.codec, s.sampleRate])).to.deep.equal([['aac', 16000]]);
          expect(info.deviceTags).to.include({ major_brand: 'M4A ', comment: 'BWC-0042' });
        });
      });

      describe('runFfmpeg failures', function () {
        it('kills a run that exceeds its timeout: MEDIA_TOOL_TIMEOUT', async () => {
          const started = Date.now();
          await expectCode(tool.runFfmpeg(['-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-f', 'null', '-'], { timeoutMs: 300 }), 'MEDIA_TOOL_TIMEOUT');
          expect(Date.now() - started).to.be.below(5000);
        });

        it('stops when aborted, with the abort reason', async () => {
          const controller = new AbortController();
          setTimeout(() => controller.abort(new Error('job cancelled')), 100);
          const run = tool.runFfmpeg(['-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-f', 'null', '-'], { timeoutMs: 10_000, signal: controller.signal });
          const error = await run.then(() => undefined, (e: Error) => e);
          expect(error?.message).to.equal('job cancelled');
        });

        it('a failing run is MEDIA_TOOL_FAILED with ffmpeg\'s last words', async () => {
          const truncated = await writeTruncatedMp4(clip.mp4, join(dir, 'truncated-2.mp4'));
          const error = await expectCode(tool.runFfmpeg(fillRecipe(PLAYBACK.args, truncated, join(dir, 'never.mp4')), { timeoutMs: 10_000 }), 'MEDIA_TOOL_FAILED');
          expect(error.details?.exitCode).to.equal(1);
          expect(error.details?.stderr).to.match(/moov atom not found/);
        });
      });
    });
  }
});

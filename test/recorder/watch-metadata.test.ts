import { expect } from 'chai';
import { computeRecordingMetadata, isRecordingName, isSidecarInMetadata, mediaTypeOf, parseFileNameConvention, parseSidecar } from '../../recorder/watch/file-metadata';
import { WatchError } from '../../recorder/watch/errors';

const mtime = new Date('2026-11-20T10:15:00.000Z');

/** The code of the WatchError `run` throws (fails the test if it throws nothing, or something else). */
function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(WatchError);
    return (error as WatchError).code;
  }
  throw new Error('expected a WatchError');
}

describe('dock agent: which files are recordings', () => {
  it('skips hidden, partial, temporary and sidecar files; keeps anything else', () => {
    for (const name of ['.hidden.mp4', 'clip.mp4.part', 'clip.MP4.PART', 'x.tmp', 'x.partial', 'x.crdownload', 'clip.mp4.json', 'clip.mp4~', 'Thumbs.db', '~$lock.mp4']) {
      expect(isRecordingName(name), name).to.equal(false);
    }
    for (const name of ['clip.mp4', 'CLIP0001.MOV', 'audio.amr', 'no-extension', 'BWC-0042_20261120T093000Z.mp4']) {
      expect(isRecordingName(name), name).to.equal(true);
    }
  });

  it('gives the media type from the extension, case-insensitively, else application/octet-stream', () => {
    expect(mediaTypeOf('a.mp4')).to.equal('video/mp4');
    expect(mediaTypeOf('A.MOV')).to.equal('video/quicktime');
    expect(mediaTypeOf('a.wav')).to.equal('audio/wav');
    expect(mediaTypeOf('a.m4a')).to.equal('audio/mp4');
    expect(mediaTypeOf('a.mp3')).to.equal('audio/mpeg');
    expect(mediaTypeOf('a.amr')).to.equal('audio/amr');
    expect(mediaTypeOf('a.avi')).to.equal('video/x-msvideo');
    expect(mediaTypeOf('a.mkv')).to.equal('application/octet-stream');
    expect(mediaTypeOf('README')).to.equal('application/octet-stream');
  });
});

describe('parseFileNameConvention', () => {
  it('reads <deviceId>_<YYYYMMDDTHHMMSS>Z.<ext>', () => {
    expect(parseFileNameConvention('BWC-0042_20261120T093000Z.mp4')).to.deep.equal({ deviceId: 'BWC-0042', recordedAt: '2026-11-20T09:30:00Z' });
  });

  it('keeps a numeric zone as ±HH:MM and ignores what follows the second underscore', () => {
    expect(parseFileNameConvention('BWC-0042_20261120T173000+0800_0001_night.MOV')).to.deep.equal({ deviceId: 'BWC-0042', recordedAt: '2026-11-20T17:30:00+08:00' });
    expect(parseFileNameConvention('cam.7_20260101T000000-0530.wav')).to.deep.equal({ deviceId: 'cam.7', recordedAt: '2026-01-01T00:00:00-05:30' });
  });

  const notConventional: Array<[string, string]> = [
    ['no zone (local time would be a guess)', 'BWC-0042_20261120T093000.mp4'],
    ['month 13', 'BWC-0042_20261320T093000Z.mp4'],
    ['30 February', 'BWC-0042_20260230T093000Z.mp4'],
    ['hour 24', 'BWC-0042_20261120T243000Z.mp4'],
    ['a zone beyond ±14:00', 'BWC-0042_20261120T093000+1500.mp4'],
    ['no device id', '_20261120T093000Z.mp4'],
    ['an underscore in the device id position and no timestamp after it', 'BWC_0042_clip.mp4'],
    ['a plain camera name', 'CLIP0001.MP4'],
  ];
  for (const [desc, name] of notConventional) {
    it(`returns null for ${desc}`, () => {
      expect(parseFileNameConvention(name)).to.equal(null);
    });
  }
});

describe('parseSidecar', () => {
  it('refuses an unknown key, naming it (SIDECAR_INVALID)', () => {
    expect(codeOf(() => parseSidecar('{"deviceId":"BWC-1","colour":"red"}'))).to.equal('SIDECAR_INVALID');
  });
  it('refuses text that is not a JSON object, and fields of the wrong type', () => {
    expect(codeOf(() => parseSidecar('not json'))).to.equal('SIDECAR_INVALID');
    expect(codeOf(() => parseSidecar('[1,2]'))).to.equal('SIDECAR_INVALID');
    expect(codeOf(() => parseSidecar('{"officerId": 42}'))).to.equal('SIDECAR_INVALID');
    expect(codeOf(() => parseSidecar('{"location": "here"}'))).to.equal('SIDECAR_INVALID');
  });
  it('refuses a sidecar over 64 KiB', () => {
    expect(codeOf(() => parseSidecar(JSON.stringify({ note: 'x'.repeat(70 * 1024) })))).to.equal('SIDECAR_INVALID');
  });
});

describe('computeRecordingMetadata', () => {
  const flags = { deviceId: 'DOCK-FLAG', officerId: 'officer-flag' };

  describe('with a sidecar', () => {
    it('takes every field the sidecar gives over the file name and the flags', () => {
      const sidecarText = JSON.stringify({
        deviceId: 'BWC-SIDE',
        officerId: 'officer-7',
        recordedAt: '2026-11-20T09:00:00+08:00',
        endedAt: '2026-11-20T09:10:00+08:00',
        location: { lat: 31.23, lon: 121.47 },
        note: '夜间巡逻',
      });
      const { metadata, sources } = computeRecordingMetadata({ fileName: 'BWC-0042_20261120T093000Z.mp4', sidecarText, flags, mtime });
      expect(metadata).to.deep.equal({
        deviceId: 'BWC-SIDE',
        officerId: 'officer-7',
        recordedAt: '2026-11-20T09:00:00+08:00',
        endedAt: '2026-11-20T09:10:00+08:00',
        location: { lat: 31.23, lon: 121.47 },
        fileName: 'BWC-0042_20261120T093000Z.mp4',
        note: '夜间巡逻',
      });
      expect(sources).to.deep.equal({ deviceId: 'sidecar', officerId: 'sidecar', recordedAt: 'sidecar' });
    });

    it('falls back field by field: a sidecar with only an officer still takes device and time from the file name', () => {
      const { metadata, sources } = computeRecordingMetadata({ fileName: 'BWC-0042_20261120T093000Z.mp4', sidecarText: '{"officerId":"officer-7"}', flags, mtime });
      expect(metadata).to.include({ deviceId: 'BWC-0042', officerId: 'officer-7', recordedAt: '2026-11-20T09:30:00Z' });
      expect(sources).to.deep.equal({ deviceId: 'file-name', officerId: 'sidecar', recordedAt: 'file-name' });
    });

    it('refuses values the server would refuse, before anything is sent (METADATA_INVALID)', () => {
      expect(codeOf(() => computeRecordingMetadata({ fileName: 'a.mp4', sidecarText: '{"location":{"lat":95,"lon":0}}', flags, mtime }))).to.equal('METADATA_INVALID');
      expect(codeOf(() => computeRecordingMetadata({ fileName: 'a.mp4', sidecarText: '{"recordedAt":"yesterday"}', flags, mtime }))).to.equal('METADATA_INVALID');
      const endsBefore = '{"recordedAt":"2026-11-20T09:00:00Z","endedAt":"2026-11-20T08:00:00Z"}';
      expect(codeOf(() => computeRecordingMetadata({ fileName: 'a.mp4', sidecarText: endsBefore, flags, mtime }))).to.equal('METADATA_INVALID');
    });
  });

  describe('by the file-name convention', () => {
    it('takes device and recordedAt from the name, the officer from the flag', () => {
      const { metadata, sources } = computeRecordingMetadata({ fileName: 'BWC-0042_20261120T173000+0800_0001.mov', flags, mtime });
      expect(metadata).to.deep.equal({ deviceId: 'BWC-0042', officerId: 'officer-flag', recordedAt: '2026-11-20T17:30:00+08:00', fileName: 'BWC-0042_20261120T173000+0800_0001.mov' });
      expect(sources).to.deep.equal({ deviceId: 'file-name', officerId: 'flag', recordedAt: 'file-name' });
    });
  });

  describe('by the flags alone', () => {
    it('takes device and officer from the flags and recordedAt from the mtime', () => {
      const { metadata, sources } = computeRecordingMetadata({ fileName: 'CLIP0001.MP4', flags, mtime });
      expect(metadata).to.deep.equal({ deviceId: 'DOCK-FLAG', officerId: 'officer-flag', recordedAt: '2026-11-20T10:15:00.000Z', fileName: 'CLIP0001.MP4' });
      expect(sources).to.deep.equal({ deviceId: 'flag', officerId: 'flag', recordedAt: 'mtime' });
    });

    it('refuses a file no source names a device or an officer for (METADATA_INCOMPLETE)', () => {
      expect(codeOf(() => computeRecordingMetadata({ fileName: 'CLIP0001.MP4', flags: { officerId: 'o' }, mtime }))).to.equal('METADATA_INCOMPLETE');
      expect(codeOf(() => computeRecordingMetadata({ fileName: 'BWC-0042_20261120T093000Z.mp4', flags: {}, mtime }))).to.equal('METADATA_INCOMPLETE');
    });
  });
});

describe('isSidecarInMetadata (may the sidecar go with its recording?)', () => {
  const logged = { deviceId: 'BWC-1', officerId: 'officer-7', recordedAt: '2026-11-20T09:00:00Z', location: { lat: 1, lon: 2 }, fileName: 'a.mp4', note: 'n' };
  it('is true when every field of the sidecar is in the logged metadata', () => {
    expect(isSidecarInMetadata('{"officerId":"officer-7","location":{"lat":1,"lon":2},"note":"n"}', logged)).to.equal(true);
  });
  it('is false for a sidecar edited since (a corrected note), or one that no longer parses', () => {
    expect(isSidecarInMetadata('{"officerId":"officer-7","note":"corrected"}', logged)).to.equal(false);
    expect(isSidecarInMetadata('{"officerId":', logged)).to.equal(false);
  });
});

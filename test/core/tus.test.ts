import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { isAppError, type ErrorCode } from '../../server/core/errors';
import { parseTusInteger, parseUploadChecksum, parseUploadEvidenceFields, parseUploadMetadata } from '../../server/core/tus';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const header = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key} ${b64(value)}`)
    .join(',');

function codeOf(run: () => unknown): ErrorCode | 'no error' {
  try {
    run();
    return 'no error';
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
}

describe('core tus', () => {
  describe('parseUploadMetadata', () => {
    it('decodes comma-separated "key base64value" pairs as UTF-8, with optional spaces after commas', () => {
      const fields = parseUploadMetadata(`note ${b64('嫌疑人 — 夜间')}, deviceId ${b64('BWC-1')}`);
      expect(Object.fromEntries(fields)).to.deep.equal({ note: '嫌疑人 — 夜间', deviceId: 'BWC-1' });
    });

    it('takes a key without a value as the empty string', () => {
      expect(parseUploadMetadata('note').get('note')).to.equal('');
    });

    it('returns no fields for an empty header', () => {
      expect(parseUploadMetadata('').size).to.equal(0);
    });

    const bad: Array<[string, string]> = [
      ['a key given twice', `a ${b64('x')},a ${b64('y')}`],
      ['unpadded base64', 'a YQ'],
      ['base64 with non-zero padding bits', 'a YR=='],
      ['base64 with a stray character', 'a YW!j'],
      ['a value that is not UTF-8', `a ${Buffer.from([0xff, 0xfe]).toString('base64')}`],
      ['three parts in a pair', `a ${b64('x')} ${b64('y')}`],
      ['an empty pair', `a ${b64('x')},,b ${b64('y')}`],
    ];
    for (const [desc, value] of bad) {
      it(`refuses ${desc} (INVALID_METADATA)`, () => {
        expect(codeOf(() => parseUploadMetadata(value))).to.equal('INVALID_METADATA');
      });
    }
  });

  describe('parseUploadChecksum', () => {
    const digest = createHash('sha256').update('chunk').digest();

    it('parses sha256 and sha1 with their digests', () => {
      expect(parseUploadChecksum(`sha256 ${digest.toString('base64')}`)).to.deep.equal({ algorithm: 'sha256', digest });
      const sha1 = createHash('sha1').update('chunk').digest();
      expect(parseUploadChecksum(`sha1 ${sha1.toString('base64')}`).digest.equals(sha1)).to.equal(true);
    });

    it('answers CHECKSUM_ALGORITHM_UNSUPPORTED for md5 (tus: 400)', () => {
      expect(codeOf(() => parseUploadChecksum(`md5 ${createHash('md5').update('x').digest('base64')}`))).to.equal('CHECKSUM_ALGORITHM_UNSUPPORTED');
    });

    it('refuses a digest of the wrong length, bad base64 or a missing digest', () => {
      expect(codeOf(() => parseUploadChecksum(`sha256 ${digest.subarray(0, 20).toString('base64')}`))).to.equal('INVALID_CHECKSUM_HEADER');
      expect(codeOf(() => parseUploadChecksum(`sha256 ${digest.toString('hex')}`))).to.equal('INVALID_CHECKSUM_HEADER');
      expect(codeOf(() => parseUploadChecksum('sha256'))).to.equal('INVALID_CHECKSUM_HEADER');
    });
  });

  describe('parseTusInteger', () => {
    it('accepts plain digits only', () => {
      expect(parseTusInteger('1048576', 'Upload-Length')).to.equal(1048576);
      for (const value of ['', ' 12', '-1', '1e3', '0x10', '12345678901234567']) {
        expect(codeOf(() => parseTusInteger(value, 'Upload-Offset')), value).to.equal('BAD_REQUEST');
      }
    });
  });

  describe('parseUploadEvidenceFields', () => {
    const base = { deviceId: 'BWC-0042', officerId: 'officer-0421', recordedAt: '2026-11-20T09:30:00+08:00' };

    it('maps the keys onto the evidence metadata, location from JSON, filename → fileName, filetype → media type', () => {
      const fields = parseUploadEvidenceFields(
        parseUploadMetadata(header({ ...base, location: '{"lat":31.23,"lon":121.47}', filename: 'clip.mov', filetype: 'Video/QuickTime; x=1', note: '夜间' })),
      );
      expect(fields).to.deep.equal({
        metadata: { ...base, location: { lat: 31.23, lon: 121.47 }, fileName: 'clip.mov', note: '夜间' },
        mediaType: 'video/quicktime',
      });
    });

    it('prefers fileName over filename, defaults the media type, lowercases sha256 and passes deviceSignature through', () => {
      const sha = 'AB'.repeat(32);
      const fields = parseUploadEvidenceFields(parseUploadMetadata(header({ ...base, fileName: 'a.mp4', filename: 'b.mp4', sha256: sha, deviceSignature: 'c2ln' })));
      expect(fields.metadata.fileName).to.equal('a.mp4');
      expect(fields.mediaType).to.equal('application/octet-stream');
      expect(fields.declaredSha256).to.equal(sha.toLowerCase());
      expect(fields.deviceSignature).to.equal('c2ln');
    });

    const bad: Array<[string, Record<string, string>]> = [
      ['no officerId', { deviceId: 'x', recordedAt: base.recordedAt }],
      ['an unknown key', { ...base, colour: 'red' }],
      ['location that is not JSON', { ...base, location: 'lat=1' }],
      ['location out of range', { ...base, location: '{"lat":91,"lon":0}' }],
      ['a sha256 that is not 64 hex characters', { ...base, sha256: 'abc' }],
      ['a filetype that is not a media type', { ...base, filetype: 'video' }],
      ['a file name with a path', { ...base, filename: '../etc/passwd' }],
      ['an empty deviceSignature', { ...base, deviceSignature: '' }],
    ];
    for (const [desc, fields] of bad) {
      it(`refuses ${desc} (INVALID_METADATA)`, () => {
        expect(codeOf(() => parseUploadEvidenceFields(parseUploadMetadata(header(fields))))).to.equal('INVALID_METADATA');
      });
    }
  });
});

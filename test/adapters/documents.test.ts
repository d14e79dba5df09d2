/**
 * The printed documents, read back the way a person or a checker would:
 * poppler's pdftotext / pdffonts / pdfinfo / pdfimages on the rendered PDFs
 * (skipped with a message when poppler-utils is missing; CI installs it), and
 * string checks on the HTML. QR codes are checked by regenerating them from
 * the URL (qrcode is deterministic), not by decoding images.
 */
import { expect } from 'chai';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import QRCode from 'qrcode';
import { isAppError } from '../../server/core/errors';
import {
  findCjkFonts,
  qrPng,
  QR_OPTIONS,
  renderCertificateHtml,
  renderCertificatePdf,
  renderSupervisionCardPdf,
  type CertificateInput,
  type CertificateItem,
  type SupervisionCardInput,
} from '../../server/adapters/documents';
import { groupActionCode } from '../../server/adapters/documents/format';

const run = promisify(execFile);
const POPPLER = spawnSync('pdftotext', ['-v']).error === undefined;
const NO_POPPLER = 'pdftotext (poppler-utils) is not installed: apt-get install poppler-utils';

const CASE_CODE = '021101010012405010001000007';
const hex = (seed: string, length = 64) => seed.repeat(length).slice(0, length);

function item(i: number, overrides: Partial<CertificateItem> = {}): CertificateItem {
  return {
    evidenceId: `ev_01HXYZ${i}ABCDEF`,
    sha256: hex(`${i}f3a`),
    cid: `bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzd${i}`,
    fileName: `现场执法记录_${i}.mp4`,
    mediaType: 'video/mp4',
    size: 123_456_789 + i,
    recordedAt: '2024-05-01T12:00:00+08:00',
    officer: { name: '张三', certificate: '11010012345' },
    anchor: { chainId: 31337, contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3', txHash: `0x${hex(`${i}9c`)}`, blockNumber: 1234 + i, anchoredAt: '2024-05-01T12:05:00Z' },
    notarization: null,
    verifyUrl: `https://custos.example.gov.cn/verify/ev_01HXYZ${i}ABCDEF`,
    ...overrides,
  };
}

/** Three items: anchored; not yet anchored; anchored and notarized. */
const CERTIFICATE: CertificateInput = {
  caseCode: CASE_CODE,
  caseTitle: '某某餐饮店超范围经营案 <script>alert("x")</script>',
  actionType: { zh: '处罚', en: 'penalty' },
  unit: '北京市东城区市场监督管理局',
  status: 'under-review',
  generatedAt: '2024-05-02T08:00:00Z',
  generatedBy: '李四',
  manifestSha256: hex('ab12'),
  items: [
    item(0),
    item(1, { anchor: null, fileName: `a "quoted" & 'odd' <name>.mp4` }),
    item(2, { notarization: { notary: '北京市东方公证处', certificateNumber: '(2024)京东方内经证字第123号', issuedAt: '2024-05-03' } }),
  ],
};

const CARD: SupervisionCardInput = {
  caseCode: CASE_CODE,
  caseTitle: '某某餐饮店超范围经营案',
  actionType: { zh: '处罚', en: 'penalty' },
  unit: '北京市东城区市场监督管理局',
  officer: { name: '张三', certificate: '11010012345' },
  issuedAt: '2024-05-01',
  statusUrl: `https://custos.example.gov.cn/status/${CASE_CODE}`,
};

const LONG = '长'.repeat(300) + 'L'.repeat(400);
const noSpace = (text: string) => text.replace(/\s+/g, '');

/** The IDAT payload of a PNG: what pdfkit embeds unchanged for a grayscale PNG without alpha. */
function pngImageData(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') parts.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return Buffer.concat(parts);
}

interface Box {
  page: number;
  word: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Word boxes from `pdftotext -bbox`, with each page's size. */
async function wordBoxes(file: string): Promise<{ pages: { width: number; height: number }[]; words: Box[] }> {
  const { stdout } = await run('pdftotext', ['-bbox', file, '-'], { maxBuffer: 64 << 20 });
  const pages: { width: number; height: number }[] = [];
  const words: Box[] = [];
  for (const line of stdout.split('\n')) {
    const page = /<page width="([\d.]+)" height="([\d.]+)">/.exec(line);
    if (page) pages.push({ width: Number(page[1]), height: Number(page[2]) });
    const word = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<\/word>/.exec(line);
    if (word) words.push({ page: pages.length, word: word[5]!, x0: Number(word[1]), y0: Number(word[2]), x1: Number(word[3]), y1: Number(word[4]) });
  }
  return { pages, words };
}

/** Words that overlap another word on the same page, or lie outside the page. */
async function layoutProblems(file: string): Promise<string[]> {
  const { pages, words } = await wordBoxes(file);
  const problems: string[] = [];
  // A point of tolerance: glyph boxes of neighbouring words can touch.
  const overlap = (a: Box, b: Box) => Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > 1 && Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) > 1;
  for (const [i, a] of words.entries()) {
    const page = pages[a.page - 1]!;
    if (a.x0 < 0 || a.y0 < 0 || a.x1 > page.width || a.y1 > page.height) problems.push(`page ${a.page}: "${a.word}" outside the page`);
    for (const b of words.slice(i + 1)) {
      if (b.page === a.page && overlap(a, b)) problems.push(`page ${a.page}: "${a.word}" overlaps "${b.word}"`);
    }
  }
  return problems;
}

async function pdfInfo(file: string): Promise<Record<string, string>> {
  const { stdout } = await run('pdfinfo', [file]);
  const fields: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const match = /^([^:]+):\s*(.*)$/.exec(line);
    if (match) fields[match[1]!] = match[2]!;
  }
  return fields;
}

describe('documents adapter', function () {
  let dir: string;
  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'custos-documents-'));
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes the PDF to a temporary file; skips the test when poppler is missing. */
  async function pdfFile(context: Mocha.Context, name: string, pdf: Buffer): Promise<string> {
    if (!POPPLER) {
      console.log(`      (skipped: ${NO_POPPLER})`);
      context.skip();
    }
    const file = join(dir, name);
    await writeFile(file, pdf);
    return file;
  }

  describe('findCjkFonts', function () {
    it('finds the Noto Sans SC files of the npm font package', () => {
      const fonts = findCjkFonts();
      expect(fonts.source).to.equal('package');
      expect(fonts.regular.path).to.match(/@embedpdf[/\\]fonts-sc[/\\]fonts[/\\]NotoSansHans-Regular\.otf$/);
      expect(fonts.bold.path).to.match(/NotoSansHans-Bold\.otf$/);
    });

    describe('when the package is missing', function () {
      const missing = () => {
        throw new Error('Cannot find module');
      };

      it('falls back to a system font, using the regular face for bold when there is no bold file', () => {
        const regular = findCjkFonts().regular.path; // any existing font file stands in for a system one
        const fonts = findCjkFonts({
          packageDir: missing,
          systemCandidates: [
            { regular: { path: join(dir, 'absent.ttc'), face: 'X' }, bold: { path: join(dir, 'absent-bold.ttc') }, source: 'system' },
            { regular: { path: regular, face: 'NotoSansCJKsc-Regular' }, bold: { path: join(dir, 'absent-bold.ttc') }, source: 'system' },
          ],
        });
        expect(fonts).to.deep.equal({ source: 'system', regular: { path: regular, face: 'NotoSansCJKsc-Regular' }, bold: { path: regular, face: 'NotoSansCJKsc-Regular' } });
      });

      it('throws CONFIG_INVALID listing every place it looked when there is no font at all', () => {
        const absent = join(dir, 'NotoSansCJK-Regular.ttc');
        let error: unknown;
        try {
          findCjkFonts({ packageDir: missing, systemCandidates: [{ regular: { path: absent }, bold: { path: absent }, source: 'system' }] });
        } catch (e) {
          error = e;
        }
        expect(isAppError(error, 'CONFIG_INVALID'), String(error)).to.equal(true);
        expect((error as { details: { tried: string[] } }).details.tried).to.include(absent);
      });
    });
  });

  describe('groupActionCode', function () {
    it('splits a 27-digit code into its fields', () => {
      expect(groupActionCode(CASE_CODE)).to.equal('02 110101001 240501 0001 00000 7');
    });

    it('leaves anything else as it is', () => {
      expect(groupActionCode('12345')).to.equal('12345');
      expect(groupActionCode(`${CASE_CODE}0`)).to.equal(`${CASE_CODE}0`);
    });
  });

  describe('renderCertificatePdf', function () {
    let pdf: Buffer;
    before(async function () {
      pdf = await renderCertificatePdf(CERTIFICATE);
    });

    it('is a small PDF: the font is subset, not embedded whole (8 MB)', () => {
      expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
      expect(pdf.length).to.be.below(400_000);
    });

    it('gives the same bytes for the same input', async () => {
      expect((await renderCertificatePdf(CERTIFICATE)).equals(pdf)).to.equal(true);
    });

    it('refuses a generatedAt that is not a time', async () => {
      const error = await renderCertificatePdf({ ...CERTIFICATE, generatedAt: 'yesterday' }).catch((e: unknown) => e);
      expect(isAppError(error, 'BAD_REQUEST'), String(error)).to.equal(true);
    });

    it('embeds each item’s QR code of its verify URL as is', async () => {
      for (const { verifyUrl } of CERTIFICATE.items) {
        expect(pdf.includes(pngImageData(await qrPng(verifyUrl))), verifyUrl).to.equal(true);
      }
    });

    describe('read back with poppler', function () {
      let file: string;
      let text: string;
      before(async function () {
        file = await pdfFile(this, 'certificate.pdf', pdf);
        text = (await run('pdftotext', ['-layout', file, '-'])).stdout;
      });

      it('prints the title, labels and names in Chinese and English', () => {
        for (const expected of ['证据保全证书', 'Evidence Preservation Certificate', '行政行为码', '案件名称', '执法单位', '张三', '李四', '处罚 / penalty', '审核中 / under-review', '北京市东城区市场监督管理局', '现场执法记录_0.mp4', '无需信任出具方', 'without trusting the issuer']) {
          expect(text, expected).to.include(expected);
        }
        expect(text).to.include('<script>alert("x")</script>'); // printed as text, not interpreted
      });

      it('prints the case code grouped and once unbroken', () => {
        expect(text).to.include('02 110101001 240501 0001 00000 7');
        expect(text).to.include(CASE_CODE);
      });

      it('prints every SHA-256, CID, transaction, contract and verify URL whole', () => {
        const flat = noSpace(text);
        for (const entry of CERTIFICATE.items) {
          for (const value of [entry.sha256, entry.cid, entry.evidenceId, entry.verifyUrl]) expect(flat, value).to.include(value);
          if (entry.anchor) expect(flat, entry.anchor.txHash).to.include(entry.anchor.txHash).and.include(entry.anchor.contract);
        }
        expect(flat).to.include(CERTIFICATE.manifestSha256);
      });

      it('marks the unanchored item and prints the notary certificate', () => {
        expect(text).to.include('尚未上链 / Not yet anchored');
        expect(text).to.include('北京市东方公证处');
        expect(noSpace(text)).to.include('(2024)京东方内经证字第123号');
        expect(text.match(/交易哈希 Transaction/g)).to.have.length(2);
      });

      it('numbers every page "第 n 页，共 m 页 / Page n of m"', async () => {
        const pages = Number((await pdfInfo(file)).Pages);
        expect(pages).to.be.greaterThan(1);
        for (let page = 1; page <= pages; page++) expect(text).to.include(`第 ${page} 页，共 ${pages} 页 / Page ${page} of ${pages}`);
      });

      it('embeds every font it uses: Noto Sans SC subsets, nothing a reader has to substitute', async () => {
        const fonts = (await run('pdffonts', [file])).stdout.trim().split('\n').slice(2);
        expect(fonts).to.have.length(2); // regular and bold
        for (const line of fonts) expect(line).to.match(/^[A-Z]{6}\+NotoSans\S+\s.*\byes\s+yes\s+yes\b/);
      });

      it('sets the title, creator and creation date from the input', async () => {
        const info = await pdfInfo(file);
        expect(info.Title).to.equal(`证据保全证书 Evidence Preservation Certificate ${CASE_CODE}`);
        expect(info.Creator).to.equal('Custos');
        expect(info.CreationDate).to.match(/May\s+2 08:00:00 2024 UTC/);
        expect(info['Page size']).to.match(/^595\.\d+ x 841\.\d+ pts \(A4\)/);
      });

      it('has one QR image per item', async () => {
        const rows = (await run('pdfimages', ['-list', file])).stdout.trim().split('\n').slice(2);
        expect(rows).to.have.length(CERTIFICATE.items.length);
      });

      it('lays the page out without overlapping or cut-off text', async () => {
        expect(await layoutProblems(file)).to.deep.equal([]);
      });
    });

    describe('with many items and very long values', function () {
      it('breaks pages so every item is printed once and no text overlaps or leaves the page', async function () {
        const items = Array.from({ length: 12 }, (_, i) => item(i, { anchor: i % 4 === 1 ? null : item(i).anchor }));
        items[5] = item(5, { fileName: LONG, evidenceId: 'e'.repeat(700), officer: { name: LONG, certificate: LONG }, notarization: { notary: LONG, certificateNumber: LONG, issuedAt: LONG } });
        const file = await pdfFile(this, 'many.pdf', await renderCertificatePdf({ ...CERTIFICATE, caseTitle: LONG, unit: LONG, items }));
        const flat = noSpace((await run('pdftotext', ['-layout', file, '-'])).stdout);
        for (const entry of items) expect(flat.split(entry.sha256), entry.evidenceId).to.have.length(2);
        expect(flat).to.include('Item6of12(continued)');
        expect(flat).to.include('truncated,700characters');
        expect(await layoutProblems(file)).to.deep.equal([]);
      });
    });
  });

  describe('renderCertificateHtml', function () {
    let html: string;
    before(async function () {
      html = await renderCertificateHtml(CERTIFICATE);
    });

    it('is a Chinese page with print styles', () => {
      expect(html).to.match(/^<!DOCTYPE html>\n<html lang="zh-CN">/);
      expect(html).to.include('@media print');
      expect(html).to.include('<title>证据保全证书 Evidence Preservation Certificate 021101010012405010001000007</title>');
    });

    it('escapes every value', () => {
      expect(html).not.to.include('<script');
      expect(html).to.include('某某餐饮店超范围经营案 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(html).to.include('a &quot;quoted&quot; &amp; &#39;odd&#39; &lt;name&gt;.mp4');
    });

    it('embeds one QR code per item, the SVG of exactly its verify URL', async () => {
      expect(html.match(/<svg /g)).to.have.length(CERTIFICATE.items.length);
      for (const { verifyUrl } of CERTIFICATE.items) {
        const svg = await QRCode.toString(verifyUrl, { ...QR_OPTIONS, type: 'svg' });
        expect(html.split(svg), verifyUrl).to.have.length(2);
        expect(html).to.include(`<a href="${verifyUrl}">${verifyUrl}</a>`);
      }
    });

    it('prints the same facts as the PDF', () => {
      for (const expected of ['尚未上链', '02 110101001 240501 0001 00000 7', '北京市东方公证处', '张三（执法证号 / Cert. No. 11010012345）', CERTIFICATE.manifestSha256]) {
        expect(html, expected).to.include(expected);
      }
      for (const entry of CERTIFICATE.items) expect(html).to.include(entry.sha256).and.include(entry.cid);
      expect(html.match(/交易哈希/g)).to.have.length(2);
    });

    it('loads nothing from elsewhere', () => {
      expect(html).not.to.match(/<link|<img|<iframe|\ssrc=|@import|url\(/i);
    });

    it('links only http(s) verify URLs', async () => {
      const page = await renderCertificateHtml({ ...CERTIFICATE, items: [item(0, { verifyUrl: 'javascript:alert(1)' })] });
      expect(page).not.to.include('href="javascript:');
      expect(page).to.include('<figcaption>javascript:alert(1)</figcaption>');
    });
  });

  describe('renderSupervisionCardPdf', function () {
    let pdf: Buffer;
    before(async function () {
      pdf = await renderSupervisionCardPdf(CARD);
    });

    it('embeds the QR code of the status URL', async () => {
      expect(pdf.includes(pngImageData(await qrPng(CARD.statusUrl)))).to.equal(true);
      expect(pdf.length).to.be.below(300_000);
    });

    it('prints officer, certificate number, case, unit, issue date and how to check them, on one card', async function () {
      const file = await pdfFile(this, 'card.pdf', pdf);
      const text = (await run('pdftotext', ['-layout', file, '-'])).stdout;
      for (const expected of ['一案一卡', 'Case Supervision Card', '执法人员', '张三', '执法证号', '11010012345', '02 110101001 240501 0001 00000 7', '处罚 / penalty', '北京市东城区市场监督管理局', '2024-05-01', '扫描二维码可查询本案的公开办理状态', "public status"]) {
        expect(text, expected).to.include(expected);
      }
      expect(noSpace(text)).to.include(CARD.statusUrl);
      const info = await pdfInfo(file);
      expect(info.Pages).to.equal('1');
      expect(info['Page size']).to.match(/^419\.\d+ x 297\.\d+ pts/); // 148 × 105 mm
      expect(info.Creator).to.equal('Custos');
      expect((await run('pdfimages', ['-list', file])).stdout.trim().split('\n').slice(2)).to.have.length(1);
    });

    it('stays on one page, shortening long values, without overlapping text', async function () {
      const long = await renderSupervisionCardPdf({ ...CARD, caseTitle: LONG, unit: LONG, officer: { name: LONG, certificate: LONG }, actionType: { zh: LONG, en: LONG } });
      const file = await pdfFile(this, 'card-long.pdf', long);
      expect((await pdfInfo(file)).Pages).to.equal('1');
      expect((await run('pdftotext', ['-layout', file, '-'])).stdout).to.include('…').and.include('扫描二维码');
      expect(await layoutProblems(file)).to.deep.equal([]);
    });
  });
});

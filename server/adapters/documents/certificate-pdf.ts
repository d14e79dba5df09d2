/** The certificate as an A4 PDF with the CJK font embedded (subset) and the QR codes as images. */
import type { CertificateInput } from './certificate';
import { certificateContent, NOT_ANCHORED, type CertificateContent, type ItemContent } from './certificate-content';
import { FONT, MONO_FEATURES } from './fonts';
import { decoratePages, drawField, drawQr, fieldHeight, INK, MUTED, qrBlockHeight, renderPdf, rule, WARNING, type FieldStyle } from './pdf';
import { qrPng } from './qr';

const MARGINS = { top: 60, bottom: 76, left: 50, right: 50 };
const CASE_STYLE: FieldStyle = { labelWidth: 150, labelSize: 8, valueSize: 9.5, padding: 5 };
const ITEM_STYLE: FieldStyle = { labelWidth: 122, labelSize: 7.5, valueSize: 8.5, padding: 4 };
const QR_SIZE = 96;
const QR_URL_SIZE = 6;
const QR_COLUMN = QR_SIZE + 12;
const HEADING = 20;
const ROW_RULE = '#e3e5e8';

export async function renderCertificatePdf(input: CertificateInput): Promise<Buffer> {
  const content = certificateContent(input);
  const qrs = await Promise.all(content.items.map((item) => qrPng(item.verifyUrl)));
  return renderPdfDocument(content, qrs);
}

function renderPdfDocument(content: CertificateContent, qrs: Buffer[]): Promise<Buffer> {
  return renderPdf(
    {
      size: 'A4',
      margins: MARGINS,
      title: content.documentTitle,
      subject: content.caseTitle,
      createdAt: content.createdAt,
    },
    (doc) => {
      let y = drawTitle(doc, content);
      for (const field of content.caseFields) {
        const height = fieldHeight(doc, field, width(doc), CASE_STYLE);
        y = ensureSpace(doc, y, height);
        drawField(doc, field, MARGINS.left, y, width(doc), CASE_STYLE);
        y += height;
      }
      y = drawStatement(doc, content, y + 10);
      content.items.forEach((item, i) => {
        y = drawItem(doc, item, qrs[i]!, y);
      });
      decoratePages(doc, (page, count) => drawPageFrame(doc, content, page, count));
    },
  );
}

const width = (doc: PDFKit.PDFDocument) => doc.page.width - MARGINS.left - MARGINS.right;
const bottom = (doc: PDFKit.PDFDocument) => doc.page.height - MARGINS.bottom;

/** A new page when `height` does not fit below `y`; returns where to draw. */
function ensureSpace(doc: PDFKit.PDFDocument, y: number, height: number): number {
  if (y + height <= bottom(doc) || y === MARGINS.top) return y;
  doc.addPage();
  return MARGINS.top;
}

function drawTitle(doc: PDFKit.PDFDocument, content: CertificateContent): number {
  const x = MARGINS.left;
  let y = MARGINS.top;
  doc.font(FONT.bold).fontSize(22).fillColor(INK).text(content.title.zh, x, y, { width: width(doc), align: 'center', characterSpacing: 4 });
  y = doc.y + 2;
  doc.font(FONT.regular).fontSize(12).fillColor(MUTED).text(content.title.en, x, y, { width: width(doc), align: 'center' });
  y = doc.y + 10;
  rule(doc, x, y, width(doc), INK);
  return y + 8;
}

function drawStatement(doc: PDFKit.PDFDocument, content: CertificateContent, y: number): number {
  const x = MARGINS.left + 10;
  const textWidth = width(doc) - 10;
  doc.font(FONT.regular).fontSize(9);
  const zh = doc.heightOfString(content.statement.zh, { width: textWidth, lineGap: 2 });
  doc.fontSize(8);
  const en = doc.heightOfString(content.statement.en, { width: textWidth, lineGap: 1 });
  y = ensureSpace(doc, y, zh + en + 6);
  doc.save().rect(MARGINS.left, y, 3, zh + en + 6).fill(INK).restore();
  doc.font(FONT.regular).fontSize(9).fillColor(INK).text(content.statement.zh, x, y, { width: textWidth, lineGap: 2 });
  doc.fontSize(8).fillColor(MUTED).text(content.statement.en, x, y + zh + 6, { width: textWidth, lineGap: 1 });
  doc.fillColor(INK);
  return y + zh + en + 20;
}

/**
 * One item: heading, rows on the left, QR code on the right. Kept on one page
 * when it fits on one; otherwise rows continue on the next page under a
 * "continued" heading, and the heading never sits alone at a page's foot.
 */
function drawItem(doc: PDFKit.PDFDocument, item: ItemContent, qr: Buffer, y: number): number {
  const x = MARGINS.left;
  const rowsWidth = width(doc) - QR_COLUMN;
  const heights = item.fields.map((field) => fieldHeight(doc, field, rowsWidth, ITEM_STYLE));
  const qrHeight = qrBlockHeight(doc, item.verifyUrl, QR_SIZE, QR_URL_SIZE);
  const whole = HEADING + 4 + Math.max(sum(heights), qrHeight);
  const pageHeight = bottom(doc) - MARGINS.top;
  y = ensureSpace(doc, y, whole <= pageHeight ? whole : HEADING + 4 + Math.max(heights[0] ?? 0, qrHeight));

  drawHeading(doc, item, y, false);
  let rowY = y + HEADING + 4;
  let end = rowY + drawQr(doc, qr, item.verifyUrl, x + width(doc) - QR_SIZE, rowY, QR_SIZE, QR_URL_SIZE);
  item.fields.forEach((field, i) => {
    const height = heights[i]!;
    if (rowY + height > bottom(doc)) {
      doc.addPage();
      drawHeading(doc, item, MARGINS.top, true);
      rowY = MARGINS.top + HEADING + 4;
      end = rowY;
    }
    drawField(doc, field, x, rowY, rowsWidth, ITEM_STYLE);
    rowY += height;
    rule(doc, x, rowY - ITEM_STYLE.padding / 2, rowsWidth - 8, ROW_RULE);
  });
  return Math.max(rowY, end) + 14;
}

function drawHeading(doc: PDFKit.PDFDocument, item: ItemContent, y: number, continued: boolean): void {
  const x = MARGINS.left;
  doc.save().rect(x, y, width(doc), HEADING).fill('#eef1f4').restore();
  const suffix = continued ? { zh: '（续）', en: ' (continued)' } : { zh: '', en: '' };
  doc.font(FONT.bold).fontSize(10).fillColor(INK).text(`${item.heading.zh}${suffix.zh}`, x + 6, y + 4, { continued: true });
  doc.font(FONT.regular).fillColor(MUTED).text(`  ${item.heading.en}${suffix.en}`);
  if (!item.anchored) {
    doc.font(FONT.bold).fontSize(9).fillColor(WARNING).text(`${NOT_ANCHORED.zh} / ${NOT_ANCHORED.en}`, x, y + 5, { width: width(doc) - 6, align: 'right' });
  }
  doc.fillColor(INK);
}

/** Running head from page 2, and on every page the manifest digest, who generated it and "page n of m". */
function drawPageFrame(doc: PDFKit.PDFDocument, content: CertificateContent, page: number, count: number): void {
  const x = MARGINS.left;
  const w = width(doc);
  if (page > 1) {
    doc.font(FONT.regular).fontSize(7).fillColor(MUTED).text(content.runningHead, x, 34, { width: w, height: 10, ellipsis: true });
    rule(doc, x, 46, w);
  }
  const y = doc.page.height - MARGINS.bottom + 16;
  rule(doc, x, y - 5, w);
  doc.font(FONT.regular).fontSize(6.5).fillColor(MUTED);
  // One line each whatever the input: a footer that wrapped would run off the page.
  doc.text(`${content.manifest.label.zh} ${content.manifest.label.en}`, x, y, { width: 130, height: 8, ellipsis: true });
  doc.text(content.manifest.value, x + 130, y, { width: w - 130, height: 8, ellipsis: true, features: MONO_FEATURES });
  const pageText = `第 ${page} 页，共 ${count} 页 / Page ${page} of ${count}`;
  doc.text(content.generated.zh, x, y + 11, { width: w - 140, height: 9, ellipsis: true });
  doc.text(content.generated.en, x, y + 21, { width: w - 140, height: 9, ellipsis: true });
  doc.font(FONT.bold).fillColor(INK).text(pageText, x + w - 140, y + 11, { width: 140, align: 'right', lineBreak: false });
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * The "one case, one card" supervision card (一案一卡) handed to the party:
 * who the officer is, which case, and a QR code to the case's public status.
 * One card-size page (148 × 105 mm, A6 landscape) whatever the input: long
 * values are shortened and the text shrinks before anything moves off the card.
 */
import { ellipsize, groupActionCode, parseTime, type Bilingual, type Field } from './format';
import { FONT } from './fonts';
import { drawField, drawQr, fieldHeight, INK, mm, MUTED, qrBlockHeight, renderPdf, rule, type FieldStyle } from './pdf';
import { qrPng } from './qr';

export interface SupervisionCardInput {
  caseCode: string;
  caseTitle: string;
  actionType: { zh: string; en: string };
  unit: string;
  officer: { name: string; certificate: string };
  /** ISO time; also the PDF's CreationDate. */
  issuedAt: string;
  /** The QR code encodes exactly this URL. */
  statusUrl: string;
}

export const CARD_TITLE: Bilingual = { zh: '一案一卡 · 执法监督卡', en: 'Case Supervision Card' };
export const CARD_NOTICE: Bilingual = {
  zh: '扫描二维码可查询本案的公开办理状态；执法人员的执法证号可向发证机关核验。',
  en: "Scan the QR code to see this case's public status. The officer's enforcement certificate number can be checked with the issuing authority.",
};

const SIZE: [number, number] = [mm(148), mm(105)];
const MARGIN = 20;
const QR_SIZE = 92;
const QR_URL_SIZE = 5.5;

export async function renderSupervisionCardPdf(input: SupervisionCardInput): Promise<Buffer> {
  const createdAt = parseTime(input.issuedAt, 'issuedAt');
  const qr = await qrPng(input.statusUrl);
  const fields: Field[] = [
    { label: { zh: '执法人员', en: 'Officer' }, value: ellipsize(input.officer.name, 30) },
    { label: { zh: '执法证号', en: 'Certificate No.' }, value: ellipsize(input.officer.certificate, 40), mono: true },
    { label: { zh: '行政行为码', en: 'Action code' }, value: ellipsize(groupActionCode(input.caseCode), 40) },
    { label: { zh: '案件名称', en: 'Case' }, value: ellipsize(input.caseTitle, 40) },
    { label: { zh: '行为类型', en: 'Action type' }, value: ellipsize(`${input.actionType.zh} / ${input.actionType.en}`, 40) },
    { label: { zh: '执法单位', en: 'Unit' }, value: ellipsize(input.unit, 40) },
    { label: { zh: '发放日期', en: 'Issued' }, value: ellipsize(input.issuedAt, 40) },
  ];
  return renderPdf(
    {
      size: SIZE,
      margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
      title: `${CARD_TITLE.zh} ${CARD_TITLE.en} ${ellipsize(input.caseCode, 40)}`,
      subject: ellipsize(input.caseTitle, 200),
      createdAt,
    },
    (doc) => {
      const x = MARGIN;
      const width = doc.page.width - 2 * MARGIN;
      doc.font(FONT.bold).fontSize(13).fillColor(INK).text(CARD_TITLE.zh, x, MARGIN, { width, lineBreak: false });
      doc.font(FONT.regular).fontSize(8).fillColor(MUTED).text(CARD_TITLE.en, x, MARGIN + 18, { width, lineBreak: false });
      rule(doc, x, MARGIN + 31, width, INK);

      const top = MARGIN + 38;
      const noticeTop = drawNotice(doc, x, width);
      const qrWidth = QR_SIZE + 10;
      const rowsWidth = width - qrWidth;
      const style = fitStyle(doc, fields, rowsWidth, noticeTop - 6 - top);
      let y = top;
      for (const field of fields) y += drawField(doc, field, x, y, rowsWidth, style);
      const qrHeight = Math.min(QR_SIZE, noticeTop - 6 - top - (qrBlockHeight(doc, input.statusUrl, QR_SIZE, QR_URL_SIZE) - QR_SIZE));
      drawQr(doc, qr, input.statusUrl, x + width - qrHeight, top, qrHeight, QR_URL_SIZE);
    },
  );
}

/** The notice at the foot of the card; returns its top. */
function drawNotice(doc: PDFKit.PDFDocument, x: number, width: number): number {
  doc.font(FONT.regular).fontSize(7.5);
  const zh = doc.heightOfString(CARD_NOTICE.zh, { width });
  doc.fontSize(6.5);
  const en = doc.heightOfString(CARD_NOTICE.en, { width });
  const top = doc.page.height - MARGIN - zh - en - 2;
  rule(doc, x, top - 4, width);
  doc.fontSize(7.5).fillColor(INK).text(CARD_NOTICE.zh, x, top, { width });
  doc.fontSize(6.5).fillColor(MUTED).text(CARD_NOTICE.en, x, top + zh + 2, { width });
  doc.fillColor(INK);
  return top - 4;
}

/** The largest value size (10.5 pt down to 6 pt) at which every row fits in `height`. */
function fitStyle(doc: PDFKit.PDFDocument, fields: Field[], width: number, height: number): FieldStyle {
  let style: FieldStyle = { labelWidth: 90, labelSize: 7.5, valueSize: 10.5, padding: 5 };
  while (style.valueSize > 6 && fields.reduce((sum, field) => sum + fieldHeight(doc, field, width, style), 0) > height) {
    style = { ...style, valueSize: style.valueSize - 0.5, labelSize: Math.max(5.5, style.labelSize - 0.25), padding: 3 };
  }
  return style;
}

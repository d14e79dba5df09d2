/** pdfkit plumbing shared by the certificate and the supervision card: document set-up, labelled rows, QR codes, page decoration. */
import PDFDocument from 'pdfkit';
import { FONT, MONO_FEATURES, registerCjkFonts } from './fonts';
import type { Field } from './format';

export const INK = '#111111';
export const MUTED = '#5f6368';
export const WARNING = '#b00020';
export const RULE = '#9aa0a6';

export const mm = (value: number) => (value * 72) / 25.4;

export interface Margins {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface RenderPdfOptions {
  size: string | [number, number];
  margins: Margins;
  title: string;
  subject?: string;
  /** Also the document's file ID seed (pdfkit hashes the info dictionary), so the same input gives the same bytes. */
  createdAt: Date;
}

/** A new document with the CJK fonts registered and pages kept in memory until `draw` returns (for "page n of m"). */
export async function renderPdf(options: RenderPdfOptions, draw: (doc: PDFKit.PDFDocument) => Promise<void> | void): Promise<Buffer> {
  const doc = new PDFDocument({
    size: options.size,
    margins: options.margins,
    bufferPages: true,
    lang: 'zh-CN',
    displayTitle: true,
    info: {
      Title: options.title,
      ...(options.subject === undefined ? {} : { Subject: options.subject }),
      Creator: 'Custos',
      CreationDate: options.createdAt,
      ModDate: options.createdAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  registerCjkFonts(doc);
  await draw(doc);
  doc.end();
  return done;
}

export interface FieldStyle {
  labelWidth: number;
  labelSize: number;
  valueSize: number;
  /** Vertical space added to every row. */
  padding: number;
}

/** Label "中文 English" (English muted) in the left column, the value beside it. Returns the row height. */
export function drawField(doc: PDFKit.PDFDocument, field: Field, x: number, y: number, width: number, style: FieldStyle): number {
  const height = fieldHeight(doc, field, width, style);
  const labelWidth = style.labelWidth - 6;
  doc.font(FONT.bold).fontSize(style.labelSize).fillColor(INK).text(`${field.label.zh} `, x, y, { width: labelWidth, continued: true });
  doc.font(FONT.regular).fillColor(MUTED).text(field.label.en, { width: labelWidth });
  setValueFont(doc, field, style);
  doc.text(valueText(doc, field, width - style.labelWidth), x + style.labelWidth, y, valueOptions(field, width - style.labelWidth));
  doc.fillColor(INK);
  return height;
}

export function fieldHeight(doc: PDFKit.PDFDocument, field: Field, width: number, style: FieldStyle): number {
  // Measured in bold, which is at least as wide as the mixed run drawn.
  doc.font(FONT.bold).fontSize(style.labelSize);
  const label = doc.heightOfString(`${field.label.zh} ${field.label.en}`, { width: style.labelWidth - 6 });
  setValueFont(doc, field, style);
  const valueWidth = width - style.labelWidth;
  const value = doc.heightOfString(valueText(doc, field, valueWidth), valueOptions(field, valueWidth));
  return Math.max(label, value) + style.padding;
}

function setValueFont(doc: PDFKit.PDFDocument, field: Field, style: FieldStyle): void {
  doc.font(field.warning ? FONT.bold : FONT.regular).fontSize(style.valueSize).fillColor(field.warning ? WARNING : INK);
}

function valueOptions(field: Field, width: number): PDFKit.Mixins.TextOptions {
  return field.mono ? { width, features: MONO_FEATURES } : { width };
}

function valueText(doc: PDFKit.PDFDocument, field: Field, width: number): string {
  return field.mono ? wrapMono(doc, field.value, width) : field.value;
}

/** Balanced lines of equal length (a 64-digit hash in two halves rather than 50 + 14), at the current font size. */
export function wrapMono(doc: PDFKit.PDFDocument, text: string, width: number): string {
  const chars = Array.from(text);
  const perLine = Math.max(8, Math.floor((width - 1) / doc.widthOfString('0', { features: MONO_FEATURES })));
  if (chars.length <= perLine) return text;
  const lines = Math.ceil(chars.length / perLine);
  const size = Math.ceil(chars.length / lines);
  const out: string[] = [];
  for (let at = 0; at < chars.length; at += size) out.push(chars.slice(at, at + size).join(''));
  return out.join('\n');
}

/** Height of a QR code of `size` with its URL printed under it in `urlSize`. */
export function qrBlockHeight(doc: PDFKit.PDFDocument, url: string, size: number, urlSize: number): number {
  doc.font(FONT.regular).fontSize(urlSize);
  return size + 2 + doc.heightOfString(url, { width: size, align: 'center' });
}

/** The printed URL is the fallback when the code cannot be scanned, so it is printed whole, wrapped anywhere. */
export function drawQr(doc: PDFKit.PDFDocument, png: Buffer, url: string, x: number, y: number, size: number, urlSize: number): number {
  doc.image(png, x, y, { width: size, height: size });
  doc.font(FONT.regular).fontSize(urlSize).fillColor(MUTED).text(url, x, y + size + 2, { width: size, align: 'center' });
  doc.fillColor(INK);
  return qrBlockHeight(doc, url, size, urlSize);
}

/**
 * Runs `decorate` on every buffered page with the bottom margin lifted, so a
 * footer drawn below the content area does not make pdfkit start a new page.
 */
export function decoratePages(doc: PDFKit.PDFDocument, decorate: (page: number, count: number) => void): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    decorate(i - range.start + 1, range.count);
    doc.page.margins.bottom = bottom;
  }
}

export function rule(doc: PDFKit.PDFDocument, x: number, y: number, width: number, color = RULE): void {
  doc.save().moveTo(x, y).lineTo(x + width, y).lineWidth(0.5).strokeColor(color).stroke().restore();
}

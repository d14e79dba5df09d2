/**
 * QR codes of verification and status URLs. Deterministic: the same URL and
 * options give the same bytes, which is how tests check what a document
 * encodes without decoding an image.
 */
import QRCode from 'qrcode';

/**
 * Level M survives ~15% damage (a fold, a stamp over a corner). A 2-module
 * quiet zone instead of the standard 4: the documents leave white space
 * around every code, and the printed code stays larger in the same space.
 */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/**
 * 8-bit grayscale with no alpha: pdfkit then embeds the PNG's compressed
 * data as it is (an RGBA PNG would be decoded and split), so the image is
 * small and its bytes are the PNG's own.
 */
export function qrPng(url: string): Promise<Buffer> {
  const rendererOpts = { colorType: 0 } as { deflateLevel?: number };
  return QRCode.toBuffer(url, { ...QR_OPTIONS, type: 'png', scale: 6, rendererOpts });
}

/** An <svg> element (no XML prologue, no width): it scales to the CSS box it is put in. */
export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { ...QR_OPTIONS, type: 'svg' });
}

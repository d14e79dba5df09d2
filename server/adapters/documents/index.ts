/** Printable documents rendered from plain data: the evidence-preservation certificate (PDF, HTML) and the supervision card (PDF). */
export { renderCertificateHtml, renderCertificatePdf, type CertificateInput, type CertificateItem } from './certificate';
export { renderSupervisionCardPdf, type SupervisionCardInput } from './supervision-card';
export { cjkFonts, findCjkFonts, registerCjkFonts, FONT, type CjkFonts, type FindCjkFontsOptions } from './fonts';
export { qrPng, qrSvg, QR_OPTIONS } from './qr';

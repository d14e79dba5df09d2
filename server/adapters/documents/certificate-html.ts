/**
 * The certificate as one self-contained HTML page: inline CSS, inline SVG QR
 * codes, no external resources (it must print the same offline and must not
 * call anywhere when opened). Every value is escaped: case titles, file names
 * and officer names come from users.
 */
import type { CertificateInput } from './certificate';
import { certificateContent, NOT_ANCHORED, type ItemContent } from './certificate-content';
import type { Field } from './format';
import { qrSvg } from './qr';

export async function renderCertificateHtml(input: CertificateInput): Promise<string> {
  const content = certificateContent(input);
  const qrs = await Promise.all(content.items.map((item) => qrSvg(item.verifyUrl)));
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Custos">
<title>${escapeHtml(content.documentTitle)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(content.title.zh)}<span lang="en">${escapeHtml(content.title.en)}</span></h1>
</header>
<section class="case">
${fieldTable(content.caseFields)}
</section>
<section class="statement">
<p>${escapeHtml(content.statement.zh)}</p>
<p lang="en">${escapeHtml(content.statement.en)}</p>
</section>
${content.items.map((item, i) => itemArticle(item, qrs[i]!)).join('\n')}
<footer>
<p>${escapeHtml(content.manifest.label.zh)} <span lang="en">${escapeHtml(content.manifest.label.en)}</span>: <code>${escapeHtml(content.manifest.value)}</code></p>
<p>${escapeHtml(content.generated.zh)} <span lang="en">/ ${escapeHtml(content.generated.en)}</span></p>
</footer>
</main>
</body>
</html>
`;
}

function itemArticle(item: ItemContent, svg: string): string {
  const warning = item.anchored ? '' : ` <strong class="warning">${escapeHtml(NOT_ANCHORED.zh)} / <span lang="en">${escapeHtml(NOT_ANCHORED.en)}</span></strong>`;
  return `<article class="item">
<h2>${escapeHtml(item.heading.zh)} <span lang="en">${escapeHtml(item.heading.en)}</span>${warning}</h2>
<div class="item-body">
${fieldTable(item.fields)}
<figure class="qr">${svg}<figcaption>${urlText(item.verifyUrl)}</figcaption></figure>
</div>
</article>`;
}

function fieldTable(fields: Field[]): string {
  const rows = fields.map((field) => {
    const value = field.mono ? `<code>${escapeHtml(field.value)}</code>` : escapeHtml(field.value);
    return `<tr${field.warning ? ' class="warning"' : ''}><th scope="row">${escapeHtml(field.label.zh)} <span lang="en">${escapeHtml(field.label.en)}</span></th><td>${value}</td></tr>`;
  });
  return `<table>\n${rows.join('\n')}\n</table>`;
}

/** A link only for http(s): an escaped "javascript:" URL is still a script when clicked. */
function urlText(url: string): string {
  const text = escapeHtml(url);
  return /^https?:\/\//i.test(url) ? `<a href="${text}">${text}</a>` : text;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

const CSS = `
:root { color: #111; background: #fff; font: 10.5pt/1.5 "Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
body { margin: 0; }
main { max-width: 190mm; margin: 0 auto; padding: 12mm 10mm; }
h1 { text-align: center; font-size: 22pt; letter-spacing: 0.2em; margin: 0 0 4mm; border-bottom: 1.5pt solid #111; padding-bottom: 3mm; }
h1 span { display: block; font-size: 12pt; letter-spacing: 0; font-weight: normal; color: #5f6368; }
[lang="en"] { color: #5f6368; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 1.2mm 2mm 1.2mm 0; border-bottom: 0.5pt solid #e3e5e8; }
th { width: 38mm; font-weight: bold; font-size: 9pt; }
th span { font-weight: normal; }
code { font-family: ui-monospace, "Noto Sans Mono CJK SC", Menlo, Consolas, monospace; font-size: 9pt; overflow-wrap: anywhere; }
td { overflow-wrap: anywhere; }
.warning, .warning td, .warning [lang="en"] { color: #b00020; font-weight: bold; }
.statement { border-left: 3pt solid #111; padding-left: 3mm; margin: 5mm 0; font-size: 9.5pt; }
.statement p { margin: 0 0 1.5mm; }
.item { margin: 5mm 0; }
.item h2 { font-size: 11pt; background: #eef1f4; margin: 0; padding: 1mm 2mm; }
.item h2 .warning { float: right; font-size: 9.5pt; }
.item-body { display: flex; gap: 4mm; align-items: flex-start; }
.item-body table { flex: 1; font-size: 9pt; }
.qr { flex: 0 0 34mm; margin: 1mm 0 0; text-align: center; }
.qr svg { display: block; width: 34mm; height: 34mm; }
.qr figcaption { font-size: 6.5pt; color: #5f6368; overflow-wrap: anywhere; }
footer { margin-top: 6mm; border-top: 0.5pt solid #9aa0a6; font-size: 8pt; color: #5f6368; }
footer p { margin: 1mm 0; }
@media print {
  @page { size: A4; margin: 14mm 12mm 18mm; @bottom-right { content: "第 " counter(page) " 页，共 " counter(pages) " 页 / Page " counter(page) " of " counter(pages); font-size: 7pt; } }
  :root { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .item, tr, .qr { break-inside: avoid; }
  .item h2 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  h2, .item h2 { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

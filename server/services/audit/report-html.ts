/** The printable summary of an audit report: what was checked, what was found, and the report's SHA-256 to match it with its logged event. */
import type { Finding } from '../../core/audit';

interface Report {
  auditId: string;
  scope: unknown;
  startedAt: string;
  completedAt: string;
  logSize: number;
  trustedHead: { treeSize: number; rootHash: string } | null;
  counts: { items: number; bytes: number; findings: number; byCheck: Record<string, number> };
  findings: Finding[];
}

const escape = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderReportHtml(report: Report, reportSha256: string, leafIndex: number | null): string {
  const rows = report.findings
    .map((f) => `<tr><td>${escape(f.item)}</td><td>${escape(f.check)}</td><td>${escape(f.message)}</td><td><code>${escape(f.expected ?? '')}</code></td><td><code>${escape(f.found ?? '')}</code></td><td>${escape(f.action)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Custos audit ${escape(report.auditId)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.3rem;text-align:left;vertical-align:top}code{word-break:break-all}.ok{color:#064}.bad{color:#a00}@media print{body{margin:1cm}}</style></head>
<body>
<h1>Integrity audit 完整性审计 — ${escape(report.auditId)}</h1>
<p class="${report.counts.findings === 0 ? 'ok' : 'bad'}"><strong>${report.counts.findings === 0 ? 'No alteration found 未发现篡改' : `${report.counts.findings} finding(s) 发现问题`}</strong></p>
<table>
<tr><th>Scope</th><td>${escape(JSON.stringify(report.scope))}</td></tr>
<tr><th>Started / completed</th><td>${escape(report.startedAt)} — ${escape(report.completedAt)}</td></tr>
<tr><th>Items checked</th><td>${report.counts.items} (${report.counts.bytes} bytes re-read and re-hashed)</td></tr>
<tr><th>Log</th><td>${report.logSize} entries; consistent with the chain up to head ${report.trustedHead ? `${report.trustedHead.treeSize} (<code>${escape(report.trustedHead.rootHash)}</code>)` : '(none)'}</td></tr>
<tr><th>Findings by check</th><td>${escape(JSON.stringify(report.counts.byCheck))}</td></tr>
<tr><th>Report SHA-256</th><td><code>${escape(reportSha256)}</code>, logged as audit.completed at leaf ${leafIndex ?? '(pending)'}</td></tr>
</table>
${report.findings.length ? `<h2>Findings</h2><table><tr><th>Item</th><th>Check</th><th>What</th><th>Expected</th><th>Found</th><th>Action</th></tr>\n${rows}\n</table>` : ''}
</body></html>
`;
}

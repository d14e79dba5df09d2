/**
 * The verification portal: a court clerk, a notary or anyone checks a file
 * (hashed here, never uploaded), a proof bundle, or the record a certificate's
 * QR code points at (/verify?sha256=…). The inclusion proof is checked in the
 * browser; the chain checks come from the service's POST /v1/verify.
 */
import { checkInclusion, hashFile } from './inclusion';
import { checkLabel, lang, setLang, t } from './i18n';
import { checkPackage } from './package-check';
import { renderCase } from './case-view';

interface Check {
  check: string;
  ok: boolean;
  code?: string;
  message: string;
}
interface Bundle {
  event: { sha256?: string; evidenceId?: string } & Record<string, unknown>;
  leafIndex: number;
  treeSize: number;
  rootHash: string;
  inclusionProof: string[];
  anchor: { chainId: number; contract: string; txHash: string; blockNumber: number; anchoredAt: string };
}
interface Answer {
  ok: boolean;
  checks: Check[];
  evidence?: { id: string; sha256: string };
  bundle?: Bundle;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const expectedSha256 = new URLSearchParams(location.search).get('sha256')?.toLowerCase() ?? null;

function el(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

async function verifyRemote(body: unknown): Promise<Answer> {
  const response = await fetch('/v1/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${response.status}`);
  return (await response.json()) as Answer;
}

function checkItem(ok: boolean, label: string, detail: string, code?: string): HTMLElement {
  return el(
    'li',
    { class: ok ? 'ok' : 'bad', 'data-check': code ?? '' },
    el('span', { class: 'mark', 'aria-hidden': 'true' }, ok ? '✓' : '✗'),
    el('span', { class: 'sr-only' }, ok ? 'passed: ' : 'failed: '),
    el('strong', {}, label),
    ' — ',
    detail,
  );
}

/** Renders a verification: the file's hash, each check, and where it was anchored. */
async function render(target: HTMLElement, answer: Answer, fileSha256: string | null): Promise<void> {
  const items: HTMLElement[] = [];
  let ok = answer.ok;
  if (answer.bundle) {
    if (fileSha256 !== null && answer.bundle.event.sha256 !== undefined) {
      const same = fileSha256 === answer.bundle.event.sha256;
      ok &&= same;
      items.push(checkItem(same, t('contentHash'), same ? t('contentHashOk') : t('contentHashFail'), 'content-hash'));
    }
    const local = await checkInclusion(answer.bundle);
    ok &&= local.ok;
    items.push(checkItem(local.ok, t('localCheck'), local.ok ? t('localCheckOk') : t('localCheckFail'), 'local-inclusion'));
  }
  for (const check of answer.checks) {
    // The file's own hash was compared above, in this browser.
    if (check.check === 'content-hash' && fileSha256 !== null && answer.bundle) continue;
    items.push(checkItem(check.ok, checkLabel(check.check), check.message, check.check));
  }
  const registered = answer.checks.find((c) => c.check === 'registered');
  const summary =
    registered && !registered.ok ? t('notRegistered') : ok ? t('verified') : t('notVerified');
  const parts: Array<Node | string> = [el('p', { class: `summary ${ok ? 'ok' : 'bad'}`, role: 'status' }, summary)];
  if (fileSha256) parts.push(el('p', {}, el('strong', {}, `${t('sha256')}: `), el('code', {}, fileSha256)));
  if (answer.evidence) parts.push(el('p', {}, el('strong', {}, `${t('evidence')}: `), el('code', {}, answer.evidence.id)));
  parts.push(el('ul', { class: 'checks' }, ...items));
  if (answer.bundle) {
    const a = answer.bundle.anchor;
    parts.push(
      el(
        'dl',
        { class: 'anchor', 'aria-label': t('anchor') },
        el('dt', {}, t('block')),
        el('dd', {}, String(a.blockNumber)),
        el('dt', {}, t('transaction')),
        el('dd', {}, el('code', {}, a.txHash)),
        el('dt', {}, t('anchoredAt')),
        el('dd', {}, new Date(a.anchoredAt).toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB')),
      ),
    );
  }
  target.replaceChildren(...parts);
  target.dataset.result = ok ? 'verified' : 'not-verified';
}

async function onFile(file: File): Promise<void> {
  const result = $('file-result');
  const progress = $<HTMLProgressElement>('file-progress');
  progress.hidden = false;
  progress.max = file.size || 1;
  result.replaceChildren(el('p', {}, t('hashing')));
  try {
    const sha256 = await hashFile(file, (done) => (progress.value = done));
    await render(result, await verifyRemote({ sha256: expectedSha256 ?? sha256 }), sha256);
  } catch {
    result.replaceChildren(el('p', { class: 'summary bad', role: 'alert' }, t('serverError')));
  }
}

async function onBundle(file: File): Promise<void> {
  const result = $('bundle-result');
  let bundle: Bundle;
  try {
    bundle = JSON.parse(await file.text()) as Bundle;
  } catch {
    result.replaceChildren(el('p', { class: 'summary bad', role: 'alert' }, t('badJson')));
    return;
  }
  try {
    const answer = await verifyRemote(bundle);
    await render(result, { ...answer, bundle: answer.checks.some((c) => c.check === 'bundle-format' && !c.ok) ? undefined : bundle }, null);
  } catch {
    result.replaceChildren(el('p', { class: 'summary bad', role: 'alert' }, t('serverError')));
  }
}

async function onPackage(file: File): Promise<void> {
  const result = $('package-result');
  result.replaceChildren(el('p', {}, t('hashing')));
  try {
    const checked = await checkPackage(new Uint8Array(await file.arrayBuffer()), (bundle) => verifyRemote(bundle));
    const row = (ok: boolean, label: string, failed: string[], id: string) =>
      el(
        'li',
        { class: ok ? 'ok' : 'bad', 'data-item': id },
        el('span', { class: 'mark', 'aria-hidden': 'true' }, ok ? '✓' : '✗'),
        el('span', { class: 'sr-only' }, ok ? 'passed: ' : 'failed: '),
        el('strong', {}, label),
        ok ? '' : ` — ${failed.map((f) => checkLabel(f)).join(', ')}`,
      );
    result.replaceChildren(
      el('p', { class: `summary ${checked.ok ? 'ok' : 'bad'}`, role: 'status' }, checked.ok ? t('packageVerified') : t('notVerified')),
      el('p', {}, el('strong', {}, `${t('caseCode')}: `), el('code', {}, checked.caseCode ?? '—')),
      el(
        'ul',
        { class: 'checks' },
        row(checked.manifestOk, t('manifest'), checked.manifestFailed, 'manifest'),
        ...checked.items.map((item) => row(item.ok, `${item.evidenceId} (${item.sha256.slice(0, 16)}…)`, item.failed, item.evidenceId)),
      ),
    );
    result.dataset.result = checked.ok ? 'verified' : 'not-verified';
  } catch {
    result.replaceChildren(el('p', { class: 'summary bad', role: 'alert' }, t('serverError')));
  }
}

/** A drop zone that is also a labelled, keyboard-usable file input. */
function dropZone(id: string, label: string, accept: string, onPick: (file: File) => void): HTMLElement {
  const input = el('input', { type: 'file', id, accept }) as HTMLInputElement;
  input.addEventListener('change', () => input.files?.[0] && onPick(input.files[0]));
  const zone = el('label', { class: 'drop', for: id }, label);
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) onPick(file);
  });
  return el('div', {}, zone, input);
}

function build(): void {
  document.title = t('title');
  const toggle = el('button', { type: 'button', id: 'lang', 'aria-label': t('switchLangLabel') }, t('switchLang'));
  toggle.addEventListener('click', () => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    build();
    if (expectedSha256) void showExpected();
  });
  const fileSection = el(
    'section',
    { 'aria-labelledby': 'h-file' },
    el('h2', { id: 'h-file' }, t('verifyFile')),
    el('div', { id: 'expected' }),
    dropZone('file-input', t('dropFile'), '*/*', (f) => void onFile(f)),
    el('progress', { id: 'file-progress', hidden: '', 'aria-label': t('hashing') }),
    el('div', { id: 'file-result', 'aria-live': 'polite' }),
  );
  const bundleSection = el(
    'section',
    { 'aria-labelledby': 'h-bundle' },
    el('h2', { id: 'h-bundle' }, t('verifyBundle')),
    dropZone('bundle-input', t('dropBundle'), 'application/json,.json', (f) => void onBundle(f)),
    el('div', { id: 'bundle-result', 'aria-live': 'polite' }),
  );
  const packageSection = el(
    'section',
    { 'aria-labelledby': 'h-package' },
    el('h2', { id: 'h-package' }, t('verifyPackage')),
    dropZone('package-input', t('dropPackage'), 'application/zip,.zip', (f) => void onPackage(f)),
    el('div', { id: 'package-result', 'aria-live': 'polite' }),
  );
  $('app').replaceChildren(
    el('header', {}, el('h1', {}, t('title')), el('div', { class: 'tools' }, accountBox(), toggle)),
    el('main', {}, el('p', {}, t('intro')), fileSection, bundleSection, packageSection, caseSection()),
  );
}

let account: { name: string; role: string } | null = JSON.parse(sessionStorage.getItem('custos.account') ?? 'null') as { name: string; role: string } | null;

/** Sign-in with a token: the service keeps it in an HttpOnly cookie that authenticates reads only. */
function accountBox(): HTMLElement {
  if (account) {
    const out = el('button', { type: 'button', id: 'sign-out' }, t('signOut'));
    out.addEventListener('click', async () => {
      await fetch('/v1/session', { method: 'DELETE' });
      account = null;
      sessionStorage.removeItem('custos.account');
      build();
    });
    return el('span', { id: 'account' }, `${t('signedInAs')} ${account.name} (${account.role}) `, out);
  }
  const input = el('input', { type: 'password', id: 'token', autocomplete: 'off', 'aria-label': t('token'), placeholder: t('token') }) as HTMLInputElement;
  const form = el('form', { id: 'sign-in' }, input, el('button', { type: 'submit' }, t('signIn')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const response = await fetch('/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: input.value }) });
    if (!response.ok) {
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    account = (await response.json()) as { name: string; role: string };
    sessionStorage.setItem('custos.account', JSON.stringify(account));
    build();
  });
  return form;
}

/** Signed in: a case by its action code (also /?case=<code>). */
function caseSection(): HTMLElement {
  if (!account) return el('div');
  const code = el('input', { id: 'case-code', inputmode: 'numeric', pattern: '[0-9]{27}', value: new URLSearchParams(location.search).get('case') ?? '' }) as HTMLInputElement;
  const purpose = el('input', { id: 'case-purpose', value: t('defaultPurpose') }) as HTMLInputElement;
  const result = el('div', { id: 'case-result', 'aria-live': 'polite' });
  const form = el(
    'form',
    { id: 'case-form' },
    el('label', { for: 'case-code' }, t('caseCodeInput')),
    code,
    el('label', { for: 'case-purpose' }, t('purpose')),
    purpose,
    el('button', { type: 'submit' }, t('openCase')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void renderCase(result, code.value.trim(), purpose.value.trim() || t('defaultPurpose'), el);
  });
  if (code.value) void renderCase(result, code.value, purpose.value, el);
  return el('section', { 'aria-labelledby': 'h-case' }, el('h2', { id: 'h-case' }, t('caseSection')), form, result);
}

/** /verify?sha256=…: the registered record a certificate's QR code names, then a file to compare with it. */
async function showExpected(): Promise<void> {
  if (!expectedSha256) return;
  const box = $('expected');
  try {
    const answer = await verifyRemote({ sha256: expectedSha256 });
    box.replaceChildren(el('h3', {}, t('expected')), el('p', {}, el('code', {}, expectedSha256)), el('p', {}, t('expectedHint')));
    const registered = answer.checks.find((c) => c.check === 'registered');
    if (registered && !registered.ok) box.append(el('p', { class: 'summary bad' }, t('notRegistered')));
    else if (answer.evidence) box.append(el('p', {}, el('strong', {}, `${t('evidence')}: `), el('code', {}, answer.evidence.id)));
  } catch {
    box.replaceChildren(el('p', { class: 'summary bad', role: 'alert' }, t('serverError')));
  }
}

setLang(lang());
build();
void showExpected();

/**
 * The signed-in case page: the case's evidence with its status (pending,
 * anchored, certified), playable renditions (HTML5, streamed with Range
 * through the session cookie), the custody history, the review trail and the
 * package download. Every content read states the purpose typed on the page,
 * and the service logs it.
 */
import { lang, t, checkLabel } from './i18n';

type El = (tag: string, attrs?: Record<string, string>, ...children: Array<Node | string>) => HTMLElement;

interface CaseView {
  code: string;
  title: string;
  status: string;
  unit: string;
  actionType: { zh?: string; en?: string };
  evidence: Array<{ evidenceId: string; state: string; review?: string }>;
  review: { state: string; round: number; decisions: Array<{ stage: string; decision: string; at: string; leafIndex: number }>; nextStage: { zh: string; en: string } | null };
}

async function get<T>(path: string): Promise<T> {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}

const when = (iso: string) => new Date(iso).toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB');

export async function renderCase(target: HTMLElement, code: string, purpose: string, el: El): Promise<void> {
  target.replaceChildren(el('p', {}, '…'));
  let view: CaseView;
  try {
    view = await get<CaseView>(`/v1/cases/${encodeURIComponent(code)}`);
  } catch (error) {
    target.replaceChildren(el('p', { class: 'summary bad', role: 'alert' }, (error as Error).message));
    return;
  }
  const q = `purpose=${encodeURIComponent(purpose)}`;
  const rows: HTMLElement[] = [];
  for (const item of view.evidence.filter((e) => e.state === 'attached')) {
    const [record, notarized] = await Promise.all([
      get<{ id: string; sha256: string; status: string; mediaType: string; media?: { renditions?: Array<{ name: string; mediaType: string }> } }>(`/v1/evidence/${item.evidenceId}`),
      get<{ notarizations: unknown[] }>(`/v1/evidence/${item.evidenceId}/notarizations`),
    ]);
    const status = notarized.notarizations.length > 0 ? 'certified' : record.status;
    const players: HTMLElement[] = [];
    for (const r of record.media?.renditions ?? []) {
      const src = `/v1/evidence/${record.id}/renditions/${r.name}/content?${q}`;
      if (r.mediaType.startsWith('video/')) players.push(el('video', { controls: '', preload: 'metadata', src, 'aria-label': `${record.id} ${r.name}` }));
      else if (r.mediaType.startsWith('audio/')) players.push(el('audio', { controls: '', preload: 'metadata', src, 'aria-label': `${record.id} ${r.name}` }));
    }
    rows.push(
      el(
        'li',
        { class: 'evidence', 'data-evidence': record.id, 'data-status': status },
        el('strong', {}, record.id),
        ' ',
        el('span', { class: `badge ${status}` }, t(status as 'pending' | 'anchored' | 'certified')),
        el('br'),
        el('code', {}, record.sha256),
        ...players,
      ),
    );
  }
  const custody = await get<{ events: Array<{ leafIndex: number; event: { type: string; at?: string; openedAt?: string; purpose?: string; actor?: { name: string; role: string }; openedBy?: { name: string } } }> }>(
    `/v1/cases/${encodeURIComponent(code)}/custody`,
  );
  target.replaceChildren(
    el('h3', {}, `${view.title} · ${view.code}`),
    el('p', {}, `${view.actionType[lang()] ?? ''} · ${t('status')}: ${view.status} · ${t('review')}: ${view.review.state}`),
    el('a', { id: 'package-link', class: 'button', href: `/v1/cases/${encodeURIComponent(code)}/package?${q}&media=1`, download: `case-${code}.zip` }, t('downloadPackage')),
    el('h4', {}, t('evidenceList')),
    el('ul', { class: 'checks', id: 'case-evidence' }, ...rows),
    el('h4', {}, t('reviewTrail')),
    el(
      'ol',
      { id: 'review-trail' },
      ...view.review.decisions.map((d) => el('li', {}, `${d.stage} — ${d.decision} — ${when(d.at)} (#${d.leafIndex})`)),
    ),
    el('h4', {}, t('custody')),
    el(
      'ol',
      { id: 'custody' },
      ...custody.events.map(({ leafIndex, event }) =>
        el('li', { 'data-type': event.type }, `${when(event.at ?? event.openedAt ?? '')} · ${checkLabel(event.type)} · ${(event.actor ?? event.openedBy)?.name ?? ''}${event.purpose ? ` · ${event.purpose}` : ''} (#${leafIndex})`),
      ),
    ),
  );
}

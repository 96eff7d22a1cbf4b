import { describe, expect, it } from 'vitest';
import fr from '../i18n/committee.fr.json';
import en from '../i18n/committee.en.json';
import { buildProceedings, type Proceedings } from './proceedings.ts';
import { escapeHtml, proceedingsToHtml } from './proceedingsHtml.ts';
import { escapeMarkdown, proceedingsToMarkdown } from './proceedingsMarkdown.ts';
import { proceedingsFormat, type ProceedingsText } from './proceedingsText.ts';
import {
  CHAIR,
  committeeState,
  floorHistory,
  MEETING,
  MEMBER,
  MIN,
  result,
  SECRETARY,
  T0,
} from './testFixtures.ts';

const text: ProceedingsText = fr.document;
const format = proceedingsFormat('fr', 'UTC');
const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & \'quote\'';

function document(
  patch: Parameters<typeof committeeState>[0] = {},
  minutesText = 'Budget discuté.',
): Proceedings {
  return buildProceedings({
    meetingId: 'MeetingMeetingMeeting1',
    meeting: MEETING,
    state: committeeState({ minutes: { itemBudget000001: { revision: 1, sha256: 'aa' } }, ...patch }),
    minutes: new Map([['itemBudget000001', { revision: 1, text: minutesText }]]),
    names: new Map(),
    generatedAt: T0 + 40 * MIN,
  });
}

function hostileDocument(): Proceedings {
  const state = committeeState();
  state.agenda[1]!.title = HOSTILE;
  state.attendance[2]!.displayName = HOSTILE.slice(0, 60);
  return buildProceedings({
    meetingId: 'MeetingMeetingMeeting1',
    state: { ...state, results: [result({ motion: HOSTILE })] },
    minutes: new Map([
      ['itemBudget000001', { revision: 1, text: `# Titre\n${HOSTILE}\n[lien](javascript:x)` }],
    ]),
    names: new Map(),
    generatedAt: T0 + 40 * MIN,
  });
}

describe('the procès-verbal as HTML', () => {
  it('escapes everything people typed', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = proceedingsToHtml(hostileDocument(), text, format);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('loads nothing from anywhere: no script, link, image or remote address, and a CSP that forbids it', () => {
    const html = proceedingsToHtml(document({ results: [result()] }), text, format);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    );
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/https?:|url\(/i);
    expect(html.startsWith('<!doctype html>\n<html lang="fr">')).toBe(true);
  });

  it('lists attendance with names, roles and arrival and departure times', () => {
    const state = committeeState();
    state.attendance[2]!.leftAt = T0 + 30 * MIN;
    const html = proceedingsToHtml(document({ attendance: state.attendance }), text, format);
    expect(html).toContain('<td>Claire Président</td><td>Présidence</td><td>09:00:00 – en séance</td>');
    expect(html).toContain('<td>Sophie Secrétaire</td><td>Secrétariat</td><td>09:01:00 – en séance</td>');
    expect(html).toContain('<td>Marc Membre</td><td>Membre</td><td>09:02:00 – 09:30:00</td>');
    expect(html).toContain('<td>Olga Observatrice</td><td>Observateur</td>');
  });

  it('gives each item its times, speaking times and minutes, and each vote its facts', () => {
    const html = proceedingsToHtml(document({ results: [result()] }), text, format);
    expect(html).toContain('<h3>2. Budget 2026</h3>');
    expect(html).toContain('<dt>Rapporteur</dt><dd>Mme Trésorière</dd>');
    expect(html).toContain('<dt>Durée d&#39;examen</dt><dd>32 min 00 s</dd>');
    expect(html).toContain('<td>Marc Membre</td><td>1 min 30 s</td>');
    expect(html).toContain('<div class="minutes">Budget discuté.</div>');
    expect(html).toContain('<h5>Motion – Approuver le budget</h5>');
    expect(html).toContain('<dt>Scrutin</dt><dd>public</dd>');
    expect(html).toContain('<dt>Ouvert à</dt><dd>09:20:00</dd><dt>Clos à</dt><dd>09:25:00</dd>');
    expect(html).toContain('<dt>Membres appelés à voter</dt><dd>3</dd><dt>Quorum</dt><dd>2 (atteint)</dd>');
    expect(html).toContain('<td>Pour</td><td>2</td></tr><tr><td>Contre</td><td>1</td>');
    expect(html).toContain('<dt>Décision</dt><dd>Adoptée</dd>');
    expect(html).toContain('<td>Marc Membre</td><td>Contre</td>');
  });

  it('never shows the choices of a secret ballot', () => {
    const html = proceedingsToHtml(document({ results: [result({ secret: true })] }), text, format);
    expect(html).toContain('<dt>Scrutin</dt><dd>secret</dd>');
    expect(html).not.toContain('Votes nominatifs');
    expect(html).not.toContain('<td>Marc Membre</td><td>Contre</td>');
    expect(html).toContain('<td>Contre</td><td>1</td>');
  });

  it('says when minutes are sealed, and speaks English when asked', () => {
    const sealed = buildProceedings({
      meetingId: 'MeetingMeetingMeeting1',
      state: committeeState({ minutes: { itemBudget000001: { revision: 1, sha256: 'aa' } } }),
      minutes: new Map(),
      names: new Map(),
      generatedAt: T0,
    });
    expect(proceedingsToHtml(sealed, text, format)).toContain(escapeHtml(fr.document.sealedMinutes));
    const english = proceedingsToHtml(sealed, en.document, proceedingsFormat('en', 'UTC'));
    expect(english).toContain('<html lang="en">');
    expect(english).toContain('<h1>Minutes of the meeting – Untitled meeting</h1>');
  });

  it('names the meeting by its title and date, its id only as a reference', () => {
    const html = proceedingsToHtml(document(), text, format);
    expect(html).toContain('<h1>Procès-verbal de séance – Commission des finances</h1>');
    expect(html).toContain(
      '<title>Procès-verbal de séance – Commission des finances – samedi 14 mars 2026</title>',
    );
    expect(html).toContain('<dt>Réunion</dt><dd>Commission des finances</dd>');
    expect(html).toContain('<dt>Prévue le</dt><dd>14 mars 2026 à 09:00</dd>');
    expect(html).toContain('<dt>Séance tenue</dt><dd>14 mars 2026 à 09:00 – en cours</dd>');
    expect(html).toContain('<dt>Référence de la réunion</dt><dd>MeetingMeetingMeeting1</dd>');
    expect(html.match(/MeetingMeetingMeeting1/g)).toHaveLength(1);
  });

  it('ends the session at the last departure once everyone has left', () => {
    const state = committeeState();
    state.attendance.forEach((entry, i) => (entry.leftAt = T0 + (50 + i) * MIN));
    const html = proceedingsToHtml(document({ attendance: state.attendance }), text, format);
    expect(html).toContain('<dt>Séance tenue</dt><dd>14 mars 2026 à 09:00 – 09:53:00</dd>');
  });

  it('lists the floor given on each item and outside the agenda', () => {
    const html = proceedingsToHtml(
      document({ floor: { speaker: null, since: null, queue: [], history: floorHistory() } }),
      text,
      format,
    );
    expect(html).toContain('<th scope="col">Nom</th><th scope="col">De – à</th><th scope="col">Durée</th>');
    expect(html).toContain('<td>Marc Membre</td><td>09:12:00 – 09:13:30</td><td>1 min 30 s</td>');
    expect(html).toContain('<td>Claire Président</td><td>09:14:00 – 09:14:30</td><td>30 s</td>');
    expect(html).toContain(`<h2>Parole donnée hors ordre du jour</h2>`);
    expect(html).toContain('<td>Sophie Secrétaire</td><td>09:06:00 – 09:07:00</td>');
    // Items without a turn say so.
    expect(html).toContain(escapeHtml(fr.document.noFloor));
  });
});

describe('the procès-verbal as Markdown', () => {
  it('escapes what people typed: no heading, link, image or raw HTML comes from it', () => {
    expect(escapeMarkdown('# a *b* [c](d) <e> | f\nnext')).toBe(
      '\\# a \\*b\\* \\[c\\](d) \\<e\\> \\| f next',
    );
    const md = proceedingsToMarkdown(hostileDocument(), text, format);
    expect(md).not.toMatch(/(^|[^\\])<script/);
    expect(md).not.toMatch(/(^|[^\\])<img/);
    expect(md).toContain('> \\# Titre  ');
    expect(md).toContain('> \\[lien\\](javascript:x)  ');
  });

  it('has the attendance table and each item, vote and minutes', () => {
    const md = proceedingsToMarkdown(document({ results: [result()] }), text, format);
    expect(md.startsWith('# Procès-verbal de séance – Commission des finances\n')).toBe(true);
    expect(md).toContain('- **Réunion** : Commission des finances');
    expect(md).toContain('- **Date** : samedi 14 mars 2026');
    expect(md).toContain('- **Référence de la réunion** : MeetingMeetingMeeting1');
    expect(md).toContain('| Nom | Rôle | Présence |');
    expect(md).toContain('| Claire Président | Présidence | 09:00:00 – en séance |');
    expect(md).toContain('### 2. Budget 2026');
    expect(md).toContain('> Budget discuté.  ');
    expect(md).toContain('##### Motion – Approuver le budget');
    expect(md).toContain('- **Décision** : Adoptée');
    expect(md).toContain('| Marc Membre | Contre |');
  });

  it('lists the floor given, a running turn up to the document time', () => {
    const history = floorHistory();
    history.push({
      memberId: MEMBER,
      displayName: 'Marc Membre',
      itemId: 'itemBudget000001',
      from: T0 + 38 * MIN,
      to: null,
    });
    const md = proceedingsToMarkdown(
      document({ floor: { speaker: MEMBER, since: T0 + 38 * MIN, queue: [], history } }),
      text,
      format,
    );
    expect(md).toContain('#### Parole donnée\n\n| Nom | De – à | Durée |');
    expect(md).toContain('| Marc Membre | 09:12:00 – 09:13:30 | 1 min 30 s |');
    expect(md).toContain('| Marc Membre | 09:38:00 – a encore la parole | 2 min 00 s |');
    expect(md).toContain('## Parole donnée hors ordre du jour');
  });

  it('escapes a hostile meeting title', () => {
    const doc = { ...document(), title: '# <b>Titre</b> [x](y)' };
    expect(proceedingsToMarkdown(doc, text, format)).toContain(
      '# Procès-verbal de séance – \\# \\<b\\>Titre\\</b\\> \\[x\\](y)',
    );
    expect(proceedingsToHtml(doc, text, format)).toContain('&lt;b&gt;Titre&lt;/b&gt;');
  });

  it('never shows the choices of a secret ballot', () => {
    const md = proceedingsToMarkdown(document({ results: [result({ secret: true })] }), text, format);
    expect(md).toContain('- **Scrutin** : secret');
    expect(md).not.toContain('Votes nominatifs');
    for (const name of ['Claire Président', 'Marc Membre', 'Sophie Secrétaire']) {
      expect(md).not.toContain(`| ${name} | Pour |`);
      expect(md).not.toContain(`| ${name} | Contre |`);
    }
    expect([CHAIR, MEMBER, SECRETARY].some((id) => md.includes(id))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import fr from '../i18n/committee.fr.json';
import en from '../i18n/committee.en.json';
import { buildProceedings, type Proceedings } from './proceedings.ts';
import { escapeHtml, proceedingsToHtml } from './proceedingsHtml.ts';
import { escapeMarkdown, proceedingsToMarkdown } from './proceedingsMarkdown.ts';
import { proceedingsFormat, type ProceedingsText } from './proceedingsText.ts';
import { CHAIR, committeeState, MEMBER, MIN, result, SECRETARY, T0 } from './testFixtures.ts';

const text: ProceedingsText = fr.document;
const format = proceedingsFormat('fr', 'UTC');
const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & \'quote\'';

function document(
  patch: Parameters<typeof committeeState>[0] = {},
  minutesText = 'Budget discuté.',
): Proceedings {
  return buildProceedings({
    meetingId: 'MeetingMeetingMeeting1',
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
    expect(english).toContain('<h1>Minutes of the meeting</h1>');
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
    expect(md.startsWith('# Procès-verbal de séance\n')).toBe(true);
    expect(md).toContain('- **Réunion** : MeetingMeetingMeeting1');
    expect(md).toContain('| Nom | Rôle | Présence |');
    expect(md).toContain('| Claire Président | Présidence | 09:00:00 – en séance |');
    expect(md).toContain('### 2. Budget 2026');
    expect(md).toContain('> Budget discuté.  ');
    expect(md).toContain('##### Motion – Approuver le budget');
    expect(md).toContain('- **Décision** : Adoptée');
    expect(md).toContain('| Marc Membre | Contre |');
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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../text/index.ts';
import { decodeEntities, toPlainText, type TextFormat } from './plain-text.ts';

describe('toPlainText: text', () => {
  it('normalises line endings and collapses blank lines only', () => {
    expect(toPlainText('a\r\nb\rc\n\n\n  \n\nd  e', 'text')).toBe('a\nb\nc\n\nd  e');
    expect(toPlainText('\n\n  x *not markdown* <b>\n\n', 'text')).toBe('  x *not markdown* <b>');
  });
});

describe('toPlainText: html', () => {
  it('drops script, style, head and comments, keeps the words', () => {
    const html =
      '<!DOCTYPE html><html><head><title>Title</title><style>p{color:red}</style></head>' +
      '<body><!-- hidden --><script>if (a < b) alert("x")</script><p>Visible <b>bold</b> text</p></body></html>';
    expect(toPlainText(html, 'html')).toBe('Visible bold text');
  });

  it('turns block elements into line breaks and paragraphs, cells into spaces', () => {
    const html =
      '<h1>Head</h1><p>One\n   two</p><div>Three<br>four<br/>five</div><ul><li>a</li><li>b</li></ul>' +
      '<table><tr><td>c1</td><td>c2</td></tr><tr><th>d1</th><td>d2</td></tr></table>';
    expect(toPlainText(html, 'html')).toBe(
      'Head\n\nOne two\n\nThree\nfour\nfive\n\na\nb\n\nc1 c2\nd1 d2',
    );
  });

  it('makes a blank line of two <br>s', () => {
    expect(toPlainText('a<br><br>b<br>c', 'html')).toBe('a\n\nb\nc');
  });

  it('keeps <pre> text as written', () => {
    expect(toPlainText('<p>x</p><pre>  if (x) {\n    y();\n  }</pre>', 'html')).toBe(
      'x\n\n  if (x) {\n    y();\n  }',
    );
  });

  it('decodes entities after removing tags, so escaped markup stays text', () => {
    expect(
      toPlainText(
        '<p>&lt;script&gt; &amp; &quot;q&quot; &#39;s&#39; a&nbsp;b &mdash; &#x1F600; &#233;</p>',
        'html',
      ),
    ).toBe('<script> & "q" \'s\' a b — 😀 é');
  });

  it('runs an unclosed <script> to the end but only drops the tag of an unclosed <head>', () => {
    expect(toPlainText('<p>keep</p><script>var a = 1;', 'html')).toBe('keep');
    expect(toPlainText('<head><p>body text</p>', 'html')).toBe('body text');
  });

  it('leaves a bare < that starts no tag', () => {
    expect(toPlainText('<p>a < b and c > d</p>', 'html')).toBe('a < b and c > d');
  });
});

describe('toPlainText: markdown', () => {
  it('drops heading marks, emphasis, bullets, quotes and rules, keeps every word', () => {
    const md = [
      '# Title #',
      '',
      'Some **bold**, _italic_ and ~~struck~~ text; snake_case and 2 * 3 stay.',
      '',
      '- first',
      '* second',
      '1. third',
      '- [x] done',
      '> quoted **line**',
      '> > nested',
      '',
      '---',
      '',
      'Setext',
      '======',
    ].join('\n');
    expect(toPlainText(md, 'markdown')).toBe(
      [
        'Title',
        '',
        'Some bold, italic and struck text; snake_case and 2 * 3 stay.',
        '',
        'first',
        'second',
        'third',
        'done',
        'quoted line',
        'nested',
        '',
        'Setext',
      ].join('\n'),
    );
  });

  it('keeps link text, image alt text and code, drops URLs, fences and tags', () => {
    const md = [
      'See [the docs](https://x.example/a "title") and ![a diagram](img.png).',
      'Ref [link][1] and <https://auto.example/x> and <span class="k">html</span>.',
      'Inline `code()` here.',
      '```ts',
      'const s = `*not emphasis*`;',
      '```',
      '[1]: https://x.example/ref',
    ].join('\n');
    expect(toPlainText(md, 'markdown')).toBe(
      [
        'See the docs and a diagram.',
        'Ref link and https://auto.example/x and html.',
        'Inline code() here.',
        'const s = `*not emphasis*`;',
      ].join('\n'),
    );
  });

  it('drops table pipes and the delimiter row', () => {
    const md = '| Name | Size |\n|:-----|-----:|\n| a    | 1    |\n| b | 2 |\n\nafter | pipe';
    expect(toPlainText(md, 'markdown')).toBe('Name Size\na 1\nb 2\n\nafter | pipe');
  });

  it('keeps a heading line that merely has a pipe above a --- rule', () => {
    expect(toPlainText('A | B\n---', 'markdown')).toBe('A | B');
  });
});

describe('decodeEntities', () => {
  it('maps invalid code points to U+FFFD and leaves unknown names', () => {
    expect(decodeEntities('&#0; &#xD800; &#x110000; &bogus; &amp')).toBe(
      '\ufffd \ufffd \ufffd &bogus; &amp',
    );
  });
});

describe('toPlainText properties', () => {
  const words = fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 30 });

  it('keeps every word of plain prose in all three formats', () => {
    fc.assert(
      fc.property(
        words,
        fc.constantFrom<TextFormat[]>('text', 'markdown', 'html'),
        (ws, format) => {
          expect(tokenize(toPlainText(ws.join(' '), format))).toEqual(ws);
        },
      ),
    );
  });

  it('keeps the words of marked-up text', () => {
    fc.assert(
      fc.property(words, (ws) => {
        const html = `<div>${ws.map((w, i) => (i % 3 === 0 ? `<b>${w}</b>` : i % 3 === 1 ? `<p>${w}</p>` : w)).join(' ')}</div>`;
        expect(tokenize(toPlainText(html, 'html'))).toEqual(ws);
        const md = ws
          .map((w, i) => (i % 3 === 0 ? `**${w}**` : i % 3 === 1 ? `[${w}](u)` : w))
          .join(' ');
        expect(tokenize(toPlainText(md, 'markdown'))).toEqual(ws);
      }),
    );
  });

  it('stays fast on adversarial markup (no quadratic regex)', () => {
    const n = 200_000;
    for (const [text, format] of [
      ['<a '.repeat(n), 'html'],
      ['[x](('.repeat(n), 'markdown'],
      [`#${' '.repeat(n)}x`, 'markdown'],
      [`| -${' '.repeat(n)}x`, 'markdown'],
      ['<http:'.repeat(n), 'markdown'],
      [`a${' '.repeat(n)}b`, 'html'],
      ['<p>x</p><b>y</b> '.repeat(n / 2), 'html'],
      ['<head>'.repeat(n), 'html'],
      [`[a]: ${'x'.repeat(n)}${' '.repeat(n)}y`, 'markdown'],
    ] as const) {
      const t0 = performance.now();
      toPlainText(text, format);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });
});

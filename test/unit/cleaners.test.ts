import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from '../../src/pipeline/cleaners/html.js';
import { scrubContacts, scrubPhones } from '../../src/pipeline/cleaners/pii.js';
import { parseDate } from '../../src/pipeline/cleaners/dates.js';

describe('htmlToText', () => {
  it('removes tags, script content and comments, collapsing whitespace', () => {
    expect(htmlToText('<p>Great<br/>value</p><script>alert(1)</script> <!-- x -->!')).toBe('Great value !');
  });

  it('decodes named and numeric entities after stripping tags', () => {
    expect(htmlToText('Tom &amp; Jerry&#39;s &lt;b&gt; &#x263A; caf&eacute;&nbsp;ok')).toBe("Tom & Jerry's <b> ☺ café ok");
  });

  it('leaves unknown entities, bare ampersands and references without ";" alone', () => {
    expect(decodeEntities('&bogus; AT&T ?a=1&copy=2')).toBe('&bogus; AT&T ?a=1&copy=2');
  });

  it('reads invalid numeric references as a browser does (U+FFFD), never as a lone surrogate', () => {
    expect(decodeEntities('&#xD800;|&#0;|&#x110000;')).toBe('\ufffd|\ufffd|\ufffd');
  });

  it('decodes every HTML5 named entity, with its case', () => {
    expect(htmlToText('&Eacute;cole &eacute;t&eacute; &rarr; &larr; &hArr; &alpha;&Omega; &frac34; &ne; &check; &NotEqualTilde;'))
      .toBe('École été → ← ⇔ αΩ ¾ ≠ ✓ ≂̸');
    expect(decodeEntities('&AMP; &amp; &Aacute; &aacute;')).toBe('& & Á á');
  });

  it('does not leak attribute text that holds ">"', () => {
    expect(htmlToText('<a title="a>b" href=\'x>y\'>link</a> after')).toBe('link after');
    expect(htmlToText('<img alt="1 > 0"/>ok<script type="a>b">alert(1)</script>!')).toBe('ok !');
  });
});

describe('scrubContacts', () => {
  it('replaces e-mail addresses and phone numbers', () => {
    expect(scrubContacts('mail jane.doe@example.com or call +1 (555) 987-6543 / 555-123-4567.'))
      .toBe('mail [email] or call [phone] / [phone].');
  });

  it('leaves years, prices, dates and short numbers alone', () => {
    const text = 'Bought in 2023 for 1,299.00 on 2023-04-05, lasted 12 weeks, model 10-200.';
    expect(scrubContacts(text)).toBe(text);
  });

  it.each([
    '2023-04-05 12:30:45',
    'shipped 05.04.2023 12:30, arrived 04/06/2023 09:15:00.250',
    'from 2023-04-05 12:30:45 to 2023-04-06 08:00:00',
    '2023/04/05 12:30',
  ])('leaves the dates and times in %j alone', (text) => {
    expect(scrubPhones(text)).toBe(text);
  });

  it('still scrubs a phone number written next to a date or a time', () => {
    expect(scrubPhones('2023-04-05 555-123-4567')).toBe('2023-04-05 [phone]');
    expect(scrubPhones('at 12:30 call Tel:555-123-4567')).toBe('at 12:30 call Tel:[phone]');
  });
});

describe('parseDate', () => {
  it.each([
    ['2023-04-05', '2023-04-05'],
    ['04/05/2023', '2023-04-05'],
    ['05.04.2023', '2023-04-05'],
    ['5 Apr 2023', '2023-04-05'],
    ['April 5, 2023', '2023-04-05'],
    ['2023-04-05T23:30:00-02:00', '2023-04-06'],
    ['2023-04-05T12:00:00Z', '2023-04-05'],
    [1680696000, '2023-04-05'],
    ['1680696000000', '2023-04-05'],
  ])('reads %j as %s', (input, expected) => {
    expect(parseDate(input)).toBe(expected);
  });

  it.each(['2023-02-30', '13/45/2023', 'yesterday', '', '5 Foo 2023', null, Number.NaN, {}])('refuses %j', (input) => {
    expect(parseDate(input)).toBeUndefined();
  });

  it.each([2023, 0, 1, 86_400, -1_680_696_000, 1e15, 8.64e15 + 1, 99_999_999_999, '2023', '12345678901'])(
    'does not read %j as an epoch (a year or small number is no date; out of range is refused)', (input) => {
      expect(parseDate(input)).toBeUndefined();
    },
  );

  it('reads epochs at the edges of the accepted ranges', () => {
    expect(parseDate(100_000_000)).toBe('1973-03-03');
    expect(parseDate(9_999_999_999)).toBe('2286-11-20');
    expect(parseDate(1e11)).toBe('1973-03-03');
    expect(parseDate(1680696000.75)).toBe('2023-04-05');
  });
});

import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from '../../src/pipeline/cleaners/html.js';
import { scrubContacts } from '../../src/pipeline/cleaners/pii.js';
import { parseDate } from '../../src/pipeline/cleaners/dates.js';

describe('htmlToText', () => {
  it('removes tags, script content and comments, collapsing whitespace', () => {
    expect(htmlToText('<p>Great<br/>value</p><script>alert(1)</script> <!-- x -->!')).toBe('Great value !');
  });

  it('decodes named and numeric entities after stripping tags', () => {
    expect(htmlToText('Tom &amp; Jerry&#39;s &lt;b&gt; &#x263A; caf&eacute;&nbsp;ok')).toBe("Tom & Jerry's <b> ☺ café ok");
  });

  it('leaves unknown or invalid entities alone', () => {
    expect(decodeEntities('&bogus; &#xD800; &#0; AT&T')).toBe('&bogus; &#xD800; &#0; AT&T');
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
});

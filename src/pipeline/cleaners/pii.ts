// Scrubs personal contact data from free text before it is archived forever: e-mail
// addresses and phone numbers become placeholders. A phone-like run of characters counts
// only with 9 to 15 digits, so years, prices and short numbers are left alone. Dates and
// times (2023-04-05 12:30:45, 05.04.2023, 12:30) are set aside first and kept as written:
// their digits would otherwise add up to a phone number.

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const PHONE_LIKE = /(?<![\w+])\+?\(?\d[\d ().-]{6,20}\d(?!\w)/g;
// Year first (2023-04-05, 2023/04/05, 2023.04.05) or last (05.04.2023, 04/05/2023); a time
// of day (12:30, 12:30:45, 12:30:45.123).
const DATE_OR_TIME = /(?<!\d)(?:\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2\d{4}|\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?!\d)/g;

export const EMAIL_PLACEHOLDER = '[email]';
export const PHONE_PLACEHOLDER = '[phone]';

export function scrubEmails(text: string): string {
  return text.indexOf('@') < 0 ? text : text.replace(EMAIL, EMAIL_PLACEHOLDER);
}

const SEVEN_DIGITS = /\d[\d ().-]{5,}\d/;

export function scrubPhones(text: string): string {
  // Most text has no run of digits long enough to be a phone number: skip the rest.
  if (!SEVEN_DIGITS.test(text)) return text;
  let out = '';
  let from = 0;
  for (const kept of text.matchAll(DATE_OR_TIME)) {
    out += scrubSegment(text.slice(from, kept.index)) + kept[0];
    from = kept.index + kept[0].length;
  }
  return out + scrubSegment(text.slice(from));
}

function scrubSegment(text: string): string {
  if (!SEVEN_DIGITS.test(text)) return text;
  return text.replace(PHONE_LIKE, (match) => {
    const digits = match.replace(/\D/g, '').length;
    return digits >= 9 && digits <= 15 ? PHONE_PLACEHOLDER : match;
  });
}

export function scrubContacts(text: string): string {
  return scrubPhones(scrubEmails(text));
}

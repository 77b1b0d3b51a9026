// Scrubs personal contact data from free text before it is archived forever: e-mail
// addresses and phone numbers become placeholders. A phone-like run of characters counts
// only with 9 to 15 digits, so years, prices and dates are left alone.

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const PHONE_LIKE = /(?<![\w+])\+?\(?\d[\d ().-]{6,20}\d(?!\w)/g;

export const EMAIL_PLACEHOLDER = '[email]';
export const PHONE_PLACEHOLDER = '[phone]';

export function scrubEmails(text: string): string {
  return text.indexOf('@') < 0 ? text : text.replace(EMAIL, EMAIL_PLACEHOLDER);
}

const SEVEN_DIGITS = /\d[\d ().-]{5,}\d/;

export function scrubPhones(text: string): string {
  // Most text has no run of digits long enough to be a phone number: skip the replace.
  if (!SEVEN_DIGITS.test(text)) return text;
  return text.replace(PHONE_LIKE, (match) => {
    const digits = match.replace(/\D/g, '').length;
    return digits >= 9 && digits <= 15 ? PHONE_PLACEHOLDER : match;
  });
}

export function scrubContacts(text: string): string {
  return scrubPhones(scrubEmails(text));
}

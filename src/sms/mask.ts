/**
 * Phone numbers never reach a log line or a `detail` in full: `+4915112345678` → `+49•••••••••78`.
 * The country code and the last two digits stay, enough to tell numbers apart in a support call.
 */
const BULLET = '•';

export function maskPhone(phone: string): string {
  const plus = phone.startsWith('+') ? '+' : '';
  const body = plus ? phone.slice(1) : phone;
  // Too short to keep anything but the tail without giving most of it away.
  if (body.length <= 6) return plus + BULLET.repeat(Math.max(body.length - 2, 0)) + body.slice(-2);
  return plus + body.slice(0, 2) + BULLET.repeat(body.length - 4) + body.slice(-2);
}

/**
 * Replaces every occurrence of the number (with and without '+', as providers echo it either way)
 * in a text, e.g. an error message that came back from a provider.
 */
export function scrubPhone(text: string, phone: string): string {
  const digits = phone.replace(/^\+/, '');
  if (digits.length < 4) return text;
  const masked = maskPhone(phone);
  return text.split(`+${digits}`).join(masked).split(digits).join(masked);
}

/**
 * Password and code in one User-Password, for gateways that cannot show a challenge.
 * The code is the trailing digits (one of `lengths`, longest first), after an optional delimiter.
 * Only the shape is checked here; whether it is a valid code is the factor's business.
 */
export function splitConcat(
  password: Buffer,
  delimiter: string,
  lengths: number | readonly number[] = 6,
): { password: Buffer; code: string } | undefined {
  for (const digits of typeof lengths === 'number' ? [lengths] : lengths) {
    const s = splitAt(password, delimiter, digits);
    if (s) return s;
  }
  return undefined;
}

function splitAt(
  password: Buffer,
  delimiter: string,
  digits: number,
): { password: Buffer; code: string } | undefined {
  const delim = Buffer.from(delimiter, 'utf8');
  const tail = digits + delim.length;
  if (password.length <= tail) return undefined;
  for (let i = password.length - digits; i < password.length; i++) {
    const c = password[i]!;
    if (c < 0x30 || c > 0x39) return undefined;
  }
  if (
    delim.length > 0 &&
    !password.subarray(password.length - tail, password.length - digits).equals(delim)
  ) {
    return undefined;
  }
  return {
    password: password.subarray(0, password.length - tail),
    code: password.subarray(password.length - digits).toString('latin1'),
  };
}

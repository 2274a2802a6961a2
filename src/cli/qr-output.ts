import QRCode from 'qrcode';

/**
 * The QR code for a new enrolment. Half-block art with ANSI colours only makes sense on a terminal;
 * piped into a file, a mail or another program it is noise, so there the otpauth:// URI (printed
 * anyway) is the output and a note on stderr says how to draw the code elsewhere.
 */
export async function writeQr(uri: string, out: NodeJS.WriteStream = process.stdout): Promise<void> {
  if (out.isTTY) {
    out.write(`${await QRCode.toString(uri, { type: 'terminal', small: true })}\n`);
    out.write(
      'Scan the QR code with an authenticator app, then test a login with `mfa-radius-proxy radtest`.\n',
    );
    return;
  }
  process.stderr.write(
    'stdout is not a terminal, so no QR code was drawn: the otpauth:// URI above carries the same secret (turn it into a QR code with e.g. `qrencode -t UTF8`, or run the command in a terminal)\n',
  );
}

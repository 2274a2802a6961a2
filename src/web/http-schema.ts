import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * `http:` in the config file: the HTTPS listener (Twilio's inbound webhook, the self-service portal)
 * and, optionally, a second one for the admin surface. Without this section nothing listens on TCP.
 */

const ipAddress = z.string().refine((s) => isIP(s) !== 0, { message: 'expected an IPv4 or IPv6 address' });
const port = z.number().int().min(1).max(65535);
const filePath = z.string().min(1);

/** `https://host[:port][/prefix]`: no query, no fragment, no credentials. */
const publicUrl = z.string().refine(
  (s) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return false;
    }
    return u.protocol === 'https:' && u.hostname !== '' && !u.username && !u.password && !u.search && !u.hash;
  },
  {
    message:
      'expected the https:// URL the listener is reached at from outside, e.g. https://mfa.example.com or https://mfa.example.com:8443 (no query)',
  },
);

/** A literal route: segments of unreserved characters (no `:param`, `*`, query or trailing `/`). */
const routePath = z
  .string()
  .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'expected a path such as /sms/twilio (letters, digits, "._~-")');

export const twilioWebhookSchema = z
  .object({
    path: routePath.default('/sms/twilio'),
    /** The Auth Token of the Twilio account that signs the requests (prefer auth_token_file). */
    auth_token: z.string().min(1).optional(),
    auth_token_file: filePath.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.auth_token !== undefined && t.auth_token_file !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['auth_token_file'],
        message: 'give auth_token or auth_token_file, not both',
      });
    else if (t.auth_token === undefined && t.auth_token_file === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['auth_token'],
        message:
          'missing: set auth_token_file (a file holding the Twilio Auth Token, recommended) or auth_token',
      });
  });

export const httpSchema = z
  .object({
    listen: z
      .array(z.object({ address: ipAddress, port: port.default(8443) }).strict())
      .min(1, 'expected at least one address to listen on, e.g. [{ address: 0.0.0.0 }]'),
    /**
     * Where the admin surface (admin pages, /metrics, /healthz, /readyz) listens, e.g. a management
     * address; without it those are served on `listen` too.
     */
    admin_listen: z
      .array(z.object({ address: ipAddress, port: port.default(8444) }).strict())
      .min(1, 'expected at least one address, e.g. [{ address: 10.0.0.2, port: 8444 }], or leave admin_listen out')
      .optional(),
    /** PEM: the certificate (chain) and its private key; both or neither (then self-signed, in data_dir/http/). */
    cert_file: filePath.optional(),
    key_file: filePath.optional(),
    /** What external services (Twilio) are told; signatures are checked against it + the route path. */
    public_url: publicUrl.optional(),
    twilio_webhook: twilioWebhookSchema.optional(),
    /** A file holding the token Prometheus must send (`Authorization: Bearer …`) for /metrics. */
    metrics_token_file: filePath.optional(),
  })
  .strict()
  .superRefine((h, ctx) => {
    const cert = h.cert_file !== undefined;
    const key = h.key_file !== undefined;
    if (cert && !key)
      ctx.addIssue({
        code: 'custom',
        path: ['key_file'],
        message:
          'missing: cert_file is set, so key_file (its private key, PEM) is needed too: both or neither',
      });
    else if (key && !cert)
      ctx.addIssue({
        code: 'custom',
        path: ['cert_file'],
        message:
          'missing: key_file is set, so cert_file (its certificate, PEM) is needed too: both or neither',
      });
    if (h.admin_listen !== undefined)
      for (const [i, a] of h.admin_listen.entries())
        if (h.listen.some((l) => l.address === a.address && l.port === a.port))
          ctx.addIssue({
            code: 'custom',
            path: ['admin_listen', i],
            message: `${a.address} port ${a.port} is also in http.listen: give the admin surface its own port (e.g. 8444) or leave admin_listen out`,
          });
    if (h.twilio_webhook !== undefined && h.public_url === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['public_url'],
        message:
          'missing: twilio_webhook needs public_url, the https:// URL Twilio calls (signatures are checked against it)',
      });
  });

export type HttpConfig = z.output<typeof httpSchema>;

import { z } from 'zod';

/**
 * `syslog:` in the config file: the log lines (the audit events) also go to a syslog server, as
 * RFC 5424 messages over UDP (RFC 5426), TCP (RFC 6587 octet counting) or TLS (RFC 5425). Off
 * without this section; the JSON lines on stdout stay either way.
 */

/** RFC 5424 §6.2.1 table 1: the facility names, in code order (kern = 0 … local7 = 23). */
export const SYSLOG_FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'clock',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;
export type SyslogFacility = (typeof SYSLOG_FACILITIES)[number];

export const SYSLOG_TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export type SyslogTransportName = (typeof SYSLOG_TRANSPORTS)[number];

/** The IANA ports: 514/udp (RFC 5426 §3.3), 6514/tcp for TLS (RFC 5425 §4.1); TCP has none, 514 is usual. */
export const DEFAULT_SYSLOG_PORTS: Readonly<Record<SyslogTransportName, number>> = {
  udp: 514,
  tcp: 514,
  tls: 6514,
};

// RFC 5424 §6: HOSTNAME 1*255 and APP-NAME 1*48 PRINTUSASCII (33-126).
const printAscii = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces');

const filePath = z.string().min(1);

export const syslogSectionSchema = z
  .object({
    /** The syslog server: an address or a DNS name. */
    host: z.string().min(1).max(255),
    /** Default by transport: 514 (udp, tcp), 6514 (tls). */
    port: z.number().int().min(1).max(65535).optional(),
    transport: z.enum(SYSLOG_TRANSPORTS).default('udp'),
    facility: z.enum(SYSLOG_FACILITIES).default('auth'),
    app_name: printAscii(48).default('mfa-radius-proxy'),
    /** Default: the machine's host name. */
    hostname: printAscii(255).optional(),
    /** Lines below this level stay on stdout only. */
    min_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** Messages held while the server is slow or down; past this the newest are dropped (and counted). */
    queue_size: z.number().int().min(10).max(1_000_000).default(10_000),
    /**
     * A longer message is cut (RFC 5424 §6.1 lets a transport do so). 8192 is rsyslog's default
     * maxMessageSize; over UDP keep it under the path MTU's datagram limit or rely on fragments.
     */
    max_message_bytes: z.number().int().min(480).max(65_000).default(8192),
    /** RFC 5424 §6.4: a UTF-8 MSG starts with a BOM. Off for receivers that keep it in the text. */
    utf8_bom: z.boolean().default(true),
    tls: z
      .object({
        /** The CA (PEM) that signed the server's certificate; the only one trusted. */
        ca_file: filePath,
        /** A client certificate and key (PEM), for servers that require one (RFC 5425 §5.2). */
        cert_file: filePath.optional(),
        key_file: filePath.optional(),
        /** The name the server certificate must carry; default `host`. */
        servername: z.string().min(1).max(255).optional(),
      })
      .strict()
      .refine((t) => (t.cert_file === undefined) === (t.key_file === undefined), {
        message: 'give cert_file and key_file together (a client certificate needs its key)',
      })
      .optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.transport === 'tls' && s.tls === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'transport tls needs tls.ca_file (the CA that signed the syslog server certificate)',
      });
    if (s.transport !== 'tls' && s.tls !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['transport'],
        message: 'a tls: block is given, but transport is not tls (set transport: tls)',
      });
  });

export type SyslogConfig = z.output<typeof syslogSectionSchema>;

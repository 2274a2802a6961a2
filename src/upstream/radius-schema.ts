import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * `directory: { type: radius, ... }`: one or more upstream RADIUS servers (NPS, FreeRADIUS) check
 * the password; we add the second factor on top of their Access-Accept. A plain object schema (no
 * transform) so the config loader can put it in a discriminated union on `type`.
 */

const port = z.number().int().min(1).max(65535);
const host = z.string().refine((s) => isIP(s) !== 0, { message: 'expected an IPv4 or IPv6 address' });
/** A reply or request attribute by dictionary name ('Filter-Id', 'Cisco-AVPair') or number (1..255). */
const attributeRef = z.union([z.string().min(1), z.number().int().min(1).max(255)]);

export const upstreamServerSchema = z
  .object({
    address: host,
    auth_port: port.default(1812),
    /** Where Accounting-Requests go; default auth_port + 1 (1813). */
    acct_port: port.optional(),
    secret: z.string().min(8, 'expected a shared secret of at least 8 characters (16+ recommended)'),
    /** Seconds to wait for an answer to one transmission. */
    timeout: z.number().min(0.05).max(120).default(3),
    /** Retransmissions of the same packet to this server before it counts as timed out. */
    retries: z.number().int().min(0).max(10).default(1),
    /**
     * BlastRADIUS (CVE-2024-3596): must replies carry a Message-Authenticator? true: always; false:
     * never (a valid Response Authenticator suffices); auto: not until this server has sent one
     * valid Message-Authenticator, then always, for the life of the process (FreeRADIUS 3.2.5).
     */
    require_message_authenticator: z
      .union([z.boolean(), z.literal('auto')], { error: 'expected true, false or auto' })
      .default(true),
  })
  .strict();

export const radiusDirectorySchema = z
  .object({
    type: z.literal('radius'),
    /** In priority order (balance: failover), or the rotation (balance: round_robin). */
    servers: z.array(upstreamServerSchema).min(1),
    balance: z.enum(['failover', 'round_robin']).default('failover'),
    /** Consecutive timed-out requests (no valid answer in between) that mark a server dead. */
    dead_after: z.number().int().min(1).max(1000).default(3),
    /**
     * How a dead server is probed until it answers again: RFC 5997 Status-Server (FreeRADIUS),
     * an Access-Request for `status_check_user` whose Reject also proves life (NPS has no
     * Status-Server), or none (revived after `probe_interval`).
     */
    status_check: z.enum(['status_server', 'access_request', 'none']).default('status_server'),
    status_check_user: z.string().min(1).max(253).default('mfa-radius-proxy-health-check'),
    /** Seconds between probes of a dead server. */
    probe_interval: z.number().min(0.05).max(3600).default(10),
    /** UDP sockets per server: each has its own 256 Identifiers. */
    sockets_per_server: z.number().int().min(1).max(64).default(4),
    /** Forward Accounting-Requests to the servers' acct_port (else they are recorded locally). */
    forward_accounting: z.boolean().default(true),
    /**
     * Which attributes of the upstream's Access-Accept/-Challenge reach the gateway: 'all' (except
     * those a proxy must never forward: see reply-filter.ts) or a list of names/numbers. A vendor
     * attribute name allows that one; 'Vendor-Specific' allows every vendor attribute.
     */
    reply_attributes: z.union([z.literal('all'), z.array(attributeRef)]).default('all'),
    /** Which attributes of the gateway's Access-Request are copied upstream (NAS-Port-Type, ...). */
    forward_attributes: z.union([z.literal('all'), z.array(attributeRef)]).default('all'),
    /** Sent upstream when the gateway's request names no NAS (RFC 2865 §4.1 needs one of them). */
    nas_identifier: z.string().min(1).max(253).default('mfa-radius-proxy'),
  })
  .strict();

export type RadiusDirectoryConfig = z.output<typeof radiusDirectorySchema>;
export type UpstreamServerConfig = RadiusDirectoryConfig['servers'][number];

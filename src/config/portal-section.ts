import { z } from 'zod';

/**
 * `portal:` in the config file: the self-service portal (issue 11) at `http.public_url` + `/portal/`.
 * Served whenever `http:` is configured, unless `enabled: false`.
 */
export const portalSectionSchema = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * `unenrolled: enroll`: how long after a RADIUS login of a user with no method (password right)
     * that user may sign in to the portal with the password alone, to enrol a first method.
     */
    enrol_window_sec: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(3600),
    /** How long an enrolment link (`enrol-link NAME`) works when made without --ttl. */
    link_ttl_sec: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(72 * 3600),
    /** A portal session ends after this long without a request ... */
    session_idle_sec: z.number().int().min(60).max(86_400).default(900),
    /** ... and this long after sign-in, whatever happens. */
    session_max_sec: z.number().int().min(300).max(86_400).default(3600),
    /** Sign-in and code posts allowed per source address per minute. */
    sign_in_per_minute: z.number().int().min(1).max(10_000).default(10),
  })
  .strict();

export type PortalSectionConfig = z.output<typeof portalSectionSchema>;

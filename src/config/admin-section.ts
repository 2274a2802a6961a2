import { z } from 'zod';

/**
 * `admin:` in the config file: the admin pages (issue 11 item 3) on the HTTPS listener's admin
 * surface (`http.admin_listen`, else `http.listen`). The pages exist whenever `http:` does; this
 * section only tunes them. Admin accounts live in the store (`admin add`), not here.
 */
export const adminSectionSchema = z
  .object({
    /**
     * Directory groups (names, `*` wildcards or DNs, as in `policy.rules[].groups`) whose members
     * may sign in with their directory password and their own TOTP enrolment; `directory.type: ldap`.
     */
    groups: z.array(z.string().min(1)).default([]),
    /** Seconds between host health samples (systeminformation) for the status page. */
    host_sample_sec: z.number().int().min(5).max(3600).default(30),
    /** Authentication events kept in memory for the events page (newest first). */
    recent_events: z.number().int().min(0).max(100_000).default(2000),
    /** Signed out after this long without a request. */
    session_idle_sec: z.number().int().min(60).max(86_400).default(1800),
    /** Signed out after this long whatever happens. */
    session_max_sec: z
      .number()
      .int()
      .min(300)
      .max(7 * 86_400)
      .default(43_200),
    /** Failed passwords or codes for one admin name (within window_sec) that lock it for lock_sec. */
    max_failures: z.number().int().min(1).max(100).default(5),
    window_sec: z.number().int().min(1).default(300),
    lock_sec: z.number().int().min(1).default(900),
  })
  .strict();

export type AdminConfig = z.output<typeof adminSectionSchema>;

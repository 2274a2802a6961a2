import type { HttpRoute } from '../http-route.js';
import { portalCssRoute } from './portal-css.js';
import { methodRoutes } from './portal-method-routes.js';
import { type PortalRouteDeps, routeHelpers } from './portal-route-helpers.js';
import { signInRoutes } from './portal-sign-in-routes.js';

export type { PortalRouteDeps } from './portal-route-helpers.js';

/**
 * The portal's routes (issue 11 item 2), framework-free: each gets plain request data and answers
 * plain data. Every POST checks the session's CSRF token first; the sign-in, code and enrolment
 * posts are rate-limited per source address; after a POST the browser is sent on with 303, so a
 * reload never re-posts.
 */
export function portalRoutes(deps: PortalRouteDeps): HttpRoute[] {
  const h = routeHelpers(deps);
  return [portalCssRoute(), ...signInRoutes(deps, h), ...methodRoutes(deps, h)];
}

import type { HttpAnswer } from '../http-route.js';

/** 303 See Other: after a POST, the browser GETs the result page (no re-post on reload). */
export function seeOther(
  location: string,
  headers: Readonly<Record<string, string | readonly string[]>> = {},
): HttpAnswer {
  return {
    status: 303,
    contentType: 'text/plain; charset=utf-8',
    body: '',
    headers: { ...headers, location },
  };
}

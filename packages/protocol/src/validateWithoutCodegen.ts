/**
 * Makes zod validate without generating code, for browser code: import this
 * module first, before any module that builds a schema (the web app's entry
 * and its E2EE worker do).
 *
 * Why: zod compiles object validators with `new Function` where eval is
 * allowed, and probes for that as each object schema is built. Under the
 * service's Content-Security-Policy (`script-src 'self'`, no 'unsafe-eval')
 * the probe is refused, and Firefox reports each refusal as a CSP violation
 * (a page error, and a report when the policy names an endpoint) even though
 * zod catches it. Servers have no such policy and keep the compiled validators.
 */
import { config } from 'zod';

config({ jitless: true });

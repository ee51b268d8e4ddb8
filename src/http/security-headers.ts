import type { FastifyHelmetOptions } from '@fastify/helmet'

// The API answers JSON only, so its pages may load nothing and be framed
// nowhere; a browser that renders a response by mistake runs no script.
export const API_HELMET_OPTIONS: FastifyHelmetOptions = {
  global: true,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"]
    }
  },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' }
}

// The one inline <style> Swagger UI adds: the colours of its top-bar logo
// SVG. Allowed by hash, so no other inline style runs; the browser test
// fails with the new hash if an upgrade of @fastify/swagger-ui changes it.
export const SWAGGER_UI_LOGO_STYLE_HASH = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"

/**
 * Headers for Swagger UI's pages. Its script, styles and images are served
 * from 'self' (the bundle sets styles through the DOM, which CSP allows);
 * icons are inline SVG data URLs. It calls the API, and with Auth0 the token
 * endpoint, with fetch, so connect-src names only those origins.
 */
export function buildDocsHelmetOptions (tokenOrigins: string[]) {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", SWAGGER_UI_LOGO_STYLE_HASH],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", ...tokenOrigins],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        objectSrc: ["'none'"]
      }
    },
    // The login popup hands the authorization code back through
    // window.opener, which 'same-origin' would sever.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' as const }
  }
}

/** The page the Auth0 popup returns to must keep window.opener. */
export function buildOAuthRedirectHelmetOptions (tokenOrigins: string[]) {
  return {
    ...buildDocsHelmetOptions(tokenOrigins),
    crossOriginOpenerPolicy: { policy: 'unsafe-none' as const }
  }
}

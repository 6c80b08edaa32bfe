import { NextResponse, type NextRequest } from "next/server";

// The only proxy of the app: it sets a per-request Content Security Policy with a script nonce,
// which Next.js puts on its own inline scripts. It checks no session and imports no store; every
// page and route does its own checks in Node.js.
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const development = process.env.NODE_ENV === "development";
  const https = request.headers.get("x-forwarded-proto") === "https" || request.nextUrl.protocol === "https:";

  const policy = [
    "default-src 'self'",
    // React needs eval only for its development error overlay.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    // Charts and bars set style attributes, which nonces cannot cover; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", policy);

  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", policy);
  if (https) {
    response.headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  }
  return response;
}

export const config = {
  // Pages only: JSON routes (under /api, and the two session-health ones) and static files carry
  // no scripts, and prefetches reuse the policy of the page that made them.
  matcher: [
    {
      source: "/((?!api|_next/static|_next/image|icon.svg|admin/session-health/status|admin/session-health/statistics).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};

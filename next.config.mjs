// Route handlers, which the matcher in proxy.ts leaves out. Keep both lists in step.
const jsonRoutes = ["/api/:path*", "/admin/session-health/status", "/admin/session-health/statistics"];
const jsonRoutePolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/** @type {import('next').NextConfig} */
const nextConfig = {
  // These drivers open sockets or load WebAssembly from their own package folder,
  // so they stay plain Node.js requires instead of being bundled.
  serverExternalPackages: ["@electric-sql/pglite", "ioredis", "postgres"],

  // Migrations are read from disk at start-up; serverless bundles must ship them.
  outputFileTracingIncludes: {
    "/**": ["./drizzle/**/*"],
  },

  poweredByHeader: false,

  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
      // proxy.ts gives pages a policy with a script nonce. JSON routes run no scripts and load
      // nothing, so theirs allows nothing. next-auth's own fallback pages (GET /api/auth/signout)
      // render unstyled under it.
      ...jsonRoutes.map((source) => ({ source, headers: [{ key: "Content-Security-Policy", value: jsonRoutePolicy }] })),
    ];
  },
};

export default nextConfig;

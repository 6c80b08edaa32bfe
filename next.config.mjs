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
    ];
  },
};

export default nextConfig;

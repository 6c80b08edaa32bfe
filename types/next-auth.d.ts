import type { UserRole } from "@/lib/db/schema";

declare module "next-auth" {
  interface User {
    role: UserRole;
    /** The secret session token, only between authorize() and the jwt callback. */
    sid?: string;
  }

  interface Session {
    user: { id: string; email: string; name: string | null; role: UserRole };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    role?: UserRole;
    /** The secret session token. The cookie holding this JWT is encrypted (JWE), so clients cannot read it. */
    sid?: string;
  }
}

import type { CurrentSession } from "@/lib/auth/current-session";
import { readClientIp } from "@/lib/auth/client-address";

/** Builds the actor fields of an audit event from the signed-in user and the request. */
export function auditActor(current: CurrentSession, request: Request) {
  return { actorUserId: current.user.id, actorEmail: current.user.email, actorIp: readClientIp(request.headers) };
}

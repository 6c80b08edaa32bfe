import http from "node:http";
import type net from "node:net";

export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** The receiver's reply to the nth request (0-based): an HTTP status, or "hang" to never respond. */
export type WebhookReply = (index: number) => number | "hang";

export interface WebhookReceiver {
  /** The base URL, http://127.0.0.1:<port>; append any path. */
  baseUrl: string;
  received: ReceivedWebhook[];
  /** Replaces the reply rule for the following requests. */
  reply(rule: WebhookReply): void;
  stop(): Promise<void>;
}

/** Starts an HTTP server on loopback that records every request's JSON body and replies by `rule` (200 by default). */
export async function startWebhookReceiver(rule: WebhookReply = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const sockets = new Set<net.Socket>();
  let current = rule;

  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk) => (text += chunk));
    request.on("end", () => {
      const index = received.length;
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text; the test will see it is not JSON.
      }
      received.push({ path: request.url ?? "", headers: request.headers, body });
      const reply = current(index);
      if (reply === "hang") return;
      response.writeHead(reply, { "content-type": "text/plain" }).end(reply < 300 ? "ok" : "error");
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    reply: (next) => {
      current = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

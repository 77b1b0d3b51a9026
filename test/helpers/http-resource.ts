// A real local HTTP server (node:http on a free port) serving what a test scripts, for the
// http source: it records every request (path, headers) and may answer, stall, lie about
// its length or cut a body off. Every server started here is closed, its connections
// dropped, at the end of the current test, passed or failed.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface SeenRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface Resource {
  /** http://127.0.0.1:port */
  origin: string;
  port: number;
  requests: SeenRequest[];
  /** Requests seen for one path (query string included). */
  hits(path: string): SeenRequest[];
  close(): Promise<void>;
}

/** Answers a request; `n` counts the requests for this path so far (1 for the first). */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

const open = new Set<Resource>();

afterEach(async () => {
  await Promise.all([...open].map((r) => r.close()));
  open.clear();
});

export async function serve(handler: Handler): Promise<Resource> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, headers: req.headers });
    handler(req, res, requests.filter((r) => r.path === path).length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const resource: Resource = {
    origin: `http://127.0.0.1:${port}`, port, requests,
    hits: (path) => requests.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => {
      open.delete(resource);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  open.add(resource);
  return resource;
}

/** Writes a raw HTTP/1.1 answer on the socket and closes it: for answers node:http would not send (a short body). */
export function rawAnswer(res: http.ServerResponse, head: string[], body: Buffer | string): void {
  const socket = res.socket!;
  socket.write(`HTTP/1.1 ${head.join('\r\n')}\r\n\r\n`);
  socket.end(body);
}

/** A CSV body of `n` rows id,text (r0..r{n-1}). */
export function csvRows(n: number, text = 'row'): string {
  return `id,text\n${Array.from({ length: n }, (_, i) => `r${i},${text} ${i}`).join('\n')}\n`;
}

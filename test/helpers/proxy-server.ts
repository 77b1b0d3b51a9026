// The HTTP server under the test proxies (lying, hostile, rewriting gateways): listens on
// loopback only, answers a handler's failure with a 502 naming the proxy, and closes every
// connection on close() so a test never waits for a keep-alive socket.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

export interface ProxyServer {
  url: string;
  close(): Promise<void>;
}

export async function startProxyServer(label: string, handler: ProxyHandler): Promise<ProxyServer> {
  const server = http.createServer((req, res) => {
    handler(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 502, error: `${label}: ${error.message}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

// A pass-through proxy in front of a real server that records every request line it
// forwards (method and path), so a test can tell which protocol a client actually spoke.
// Bodies stream both ways untouched.
import http from 'node:http';
import { startProxyServer, type ProxyServer } from './proxy-server.js';

export interface RecordingProxy extends ProxyServer {
  /** `METHOD /path` of every request, in arrival order. */
  requests: string[];
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: string[] = [];
  const upstream = new URL(target);
  const server = await startProxyServer('recording proxy', (req, res) => new Promise<void>((resolve, reject) => {
    requests.push(`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`);
    const forward = http.request({
      host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
      headers: { ...req.headers, host: upstream.host },
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
      answer.pipe(res).on('finish', resolve).on('error', reject);
    });
    forward.on('error', reject);
    req.pipe(forward);
  }));
  return { ...server, requests };
}

// Prices and balances, in both protocols the dev bundler speaks (see bundler-accounts.ts for
// what the figures mean):
// Irys (@irys/sdk 0.2.11, common/utils.js):
//   GET  /price/arweave/<bytes>                → 200 "<winston>" (plain text)
//   GET  /account/balance/arweave?address=<a>  → 200 {"balance":"<winston>"} ("0" when unfunded)
//   POST /account/balance/arweave              → 200 {"confirmed":true} (irys.fund(): the transfer
//                                                 is on the gateway; it credits nothing here)
// Turbo payment service (@ardrive/turbo-sdk 1.43 calls `${paymentUrl}/v1`, common/payment.js;
// bodies as ardriveapp/turbo-payment-service's priceBytes.ts and balance.ts answer):
//   GET  /v1/price/bytes/<n>                   → 200 {"winc":"<n>","adjustments":[],"fees":[]}
//   GET  /v1/account/balance/arweave?address=<a> → 200 {winc, balance, controlledWinc,
//        effectiveBalance, givenApprovals:[], receivedApprovals:[]}; 404 "User Not Found" for an
//        address never funded once metered (the SDK reads it as 0)
// Dev only:
//   POST /dev/fund {"address","winston"}       → 200 {"address","balance"}: adds to the balance
//   GET  /dev/accounts                         → 200 {pricePerByte, metered, accounts:[…]}
import type http from 'node:http';
import { InsufficientBalanceError, UNDERFUNDED_TEXT, type BundlerAccounts } from './bundler-accounts.js';
import { BundlerError } from './bundler-intake.js';
import { drain, requireArweave, sendJson, sendText } from './bundler-http.js';
import { formatPricePerByte, isAddress, parseWinston } from './dev-pricing.js';

/** What registers routes (BundlerRoutes); an interface so this file does not import it back. */
export interface RouteTable {
  add(method: string, pattern: RegExp, handler: (req: http.IncomingMessage, res: http.ServerResponse, params: string[]) => Promise<void>): void;
}

const MAX_FUND_BODY = 16 * 1024;

export function registerPriceRoutes(routes: RouteTable, accounts: BundlerAccounts): void {
  routes.add('GET', /^\/price\/([^/]+)\/(\d+)$/, async (_req, res, [token, bytes]) => {
    requireArweave(token!);
    sendText(res, 200, String(accounts.priceOf(BigInt(bytes!))));
  });
  routes.add('GET', /^\/account\/balance(?:\/([^/]+))?$/, async (req, res, [token]) => {
    if (token) requireArweave(token);
    const view = accounts.balance(addressParam(req));
    sendJson(res, 200, { balance: String(view.winston) });
  });
  routes.add('POST', /^\/account\/balance\/([^/]+)$/, async (req, res, [token]) => {
    requireArweave(token!);
    await drain(req);
    sendJson(res, 200, { confirmed: true });
  });
  routes.add('GET', /^\/v1\/price\/bytes\/([^/]+)$/, async (_req, res, [bytes]) => {
    // The payment service's own answers for what it cannot price.
    if (!/^\d+$/.test(bytes!)) return sendText(res, 400, 'Invalid byte count');
    if (Number(bytes) > Number.MAX_SAFE_INTEGER) return sendText(res, 400, 'Byte count too large');
    sendJson(res, 200, { winc: String(accounts.priceOf(BigInt(bytes!))), adjustments: [], fees: [] });
  });
  routes.add('GET', /^\/v1\/account\/balance(?:\/([^/]+))?$/, async (req, res, [token]) => {
    if (token) requireArweave(token);
    const address = new URL(req.url ?? '/', 'http://bundler').searchParams.get('address');
    if (!address) return sendText(res, 403, 'Invalid signature or missing required headers');
    const view = accounts.balance(address);
    if (!view.known) return sendText(res, 404, 'User Not Found');
    const winc = String(view.winston);
    sendJson(res, 200, { winc, balance: winc, controlledWinc: winc, effectiveBalance: winc, givenApprovals: [], receivedApprovals: [] });
  });
  routes.add('POST', /^\/dev\/fund$/, async (req, res) => {
    const { address, winston } = parseFundBody(await readBody(req));
    sendJson(res, 200, { address, balance: String(await accounts.deposit(address, winston)) });
  });
  routes.add('GET', /^\/dev\/accounts$/, async (_req, res) => sendJson(res, 200, {
    pricePerByte: formatPricePerByte(accounts.price), metered: accounts.metered, accounts: accounts.snapshot(),
  }));
}

/**
 * The 402 a real bundler gives: Irys nodes answer "Not enough funds to send data"; Turbo's
 * upload service (routes under /v1) "Insufficient balance", also as the status message (Koa's
 * ctx.message). Whichever route the refused item came in by picks the text.
 */
export function sendUnderfunded(res: http.ServerResponse, pathname: string, error: InsufficientBalanceError): void {
  const turbo = pathname.startsWith('/v1/');
  const text = turbo ? UNDERFUNDED_TEXT.turbo : UNDERFUNDED_TEXT.irys;
  res.writeHead(error.status, turbo ? text : 'Payment Required', {
    'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function addressParam(req: http.IncomingMessage): string {
  const address = new URL(req.url ?? '/', 'http://bundler').searchParams.get('address');
  if (!address) throw new BundlerError(400, 'the address query parameter is required (?address=<arweave address>)');
  return address;
}

function parseFundBody(body: string): { address: string; winston: bigint } {
  let parsed: { address?: unknown; winston?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new BundlerError(400, 'POST /dev/fund takes JSON: {"address":"<arweave address>","winston":"<whole number>"}');
  }
  if (!isAddress(parsed?.address)) throw new BundlerError(400, 'POST /dev/fund: "address" must be a 43-character Arweave address');
  const winston = typeof parsed.winston === 'string' || typeof parsed.winston === 'number' ? parseWinston(String(parsed.winston)) : 'missing';
  if (typeof winston === 'string') throw new BundlerError(400, `POST /dev/fund: "winston" must be a whole number of winston as a string (${winston})`);
  return { address: parsed.address, winston };
}

/** The body as text; past MAX_FUND_BODY it is read to the end and dropped, then refused with 413. */
async function readBody(req: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_FUND_BODY) parts.push(chunk);
  }
  if (size > MAX_FUND_BODY) throw new BundlerError(413, `POST /dev/fund: a body over ${MAX_FUND_BODY} bytes`);
  return Buffer.concat(parts).toString('utf8');
}

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type DingbotError, isDingbotError, Robot, TimeoutError } from '../src/index.js';
import { createNodeFetch, nodeFetch } from '../src/transport-node/index.js';
import { DIRECT } from './helpers/direct.js';
import { closedPort } from './helpers/server.js';

const TOKEN = '0123456789abcdef'.repeat(4);

/** What one request looked like on the wire. */
interface Seen {
  headers: IncomingHttpHeaders;
  /** The client's port: the same port twice means the connection was reused. */
  clientPort: number;
  body: string;
}

/** How the next request is answered. */
type Behaviour = 'ok' | 'stall-head' | 'stall-body' | 'cut-body';

let server: Server;
let url: string;
const seen: Seen[] = [];
let behaviour: Behaviour = 'ok';

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        headers: req.headers,
        clientPort: req.socket.remotePort ?? 0,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (behaviour === 'stall-head') return; // never answers; the client's timeout must end it
      if (behaviour === 'stall-body') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"errcode":0,');
        return;
      }
      if (behaviour === 'cut-body') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"errcode":0,', () => res.destroy());
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
beforeEach(() => {
  seen.length = 0;
  behaviour = 'ok';
});

async function failure(promise: Promise<unknown>): Promise<DingbotError> {
  const error = await promise.then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(isDingbotError(error), `not a DingbotError: ${String(error)}`);
  return error;
}

describe('the default transport on Node', () => {
  test('is node:http, not fetch (no fetch-only headers on the wire)', async () => {
    await new Robot({ accessToken: TOKEN, baseUrl: url, ...DIRECT }).text('default');
    await new Robot({ accessToken: TOKEN, baseUrl: url, fetch: (u, i) => fetch(u, i), ...DIRECT }).text(
      'fetch',
    );
    const [byDefault, byFetch] = seen;
    // undici's fetch always sends these; node:http never does.
    assert.equal(byFetch!.headers['sec-fetch-mode'], 'cors');
    assert.equal(byDefault!.headers['sec-fetch-mode'], undefined);
    assert.equal(byDefault!.headers['accept-encoding'], undefined);
  });

  test('sends the same request as fetch: method, JSON body, Content-Type, User-Agent, Content-Length', async () => {
    await new Robot({ accessToken: TOKEN, baseUrl: url, ...DIRECT }).text('钉钉 😀');
    const request = seen[0]!;
    assert.match(String(request.headers['content-type']), /^application\/json; charset=utf-8$/);
    assert.match(String(request.headers['user-agent']), /^dingbot\//);
    assert.equal(Number(request.headers['content-length']), Buffer.byteLength(request.body));
    assert.deepEqual((JSON.parse(request.body) as { text: unknown }).text, { content: '钉钉 😀' });
  });

  test('keeps the connection alive between sends', async () => {
    const robot = new Robot({ accessToken: TOKEN, baseUrl: url, ...DIRECT });
    for (let i = 0; i < 5; i++) await robot.text(`keep-alive ${i}`);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen.map((s) => s.clientPort)).size, 1, 'one connection for five sends');
    assert.equal(seen[0]!.headers.connection, 'keep-alive');
  });

  test('importing the SDK loads neither node:http nor node:https: they load at the first send', async () => {
    // In a fresh process: which of Node's own modules are loaded after the import, and after a send.
    const script = `
      const loaded = () => process.moduleLoadList.filter((m) => /^NativeModule (http|https)$/.test(m)).map((m) => m.slice(13));
      const { Robot } = await import('@dingbot/sdk');
      const before = loaded();
      await new Robot({ accessToken: 'x', baseUrl: ${JSON.stringify(url)}, rateLimit: false }).text('lazy');
      console.log(JSON.stringify({ before, after: loaded() }));`;
    // Asynchronous: the server answering the child lives in this process.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--conditions=development', '--import', 'tsx', '--input-type=module', '-e', script],
        { encoding: 'utf8', cwd: new URL('..', import.meta.url) },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      ),
    );
    const { before, after } = JSON.parse(stdout) as { before: string[]; after: string[] };
    assert.deepEqual(before, []);
    assert.deepEqual(after, ['http']);
  });

  test("honours the server's Keep-Alive: timeout hint: drops the idle socket before the server would", {
    timeout: 120_000,
  }, async () => {
    // The server would keep the socket a minute, but announces 2 s: the client must close it first,
    // or a later send could pick a socket the server is closing (ECONNRESET).
    let closedIdle: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      closedIdle = resolve;
    });
    const hinting = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'keep-alive': 'timeout=2' });
        res.end('{"errcode":0,"errmsg":"ok"}');
      });
    });
    hinting.keepAliveTimeout = 60_000;
    hinting.on('connection', (socket) => socket.on('close', () => closedIdle()));
    await new Promise<void>((resolve) => hinting.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = hinting.address() as AddressInfo;
      await new Robot({ accessToken: TOKEN, baseUrl: `http://127.0.0.1:${port}`, ...DIRECT }).text('hint');
      await closed; // by the client: the server's own timeout is a minute away
    } finally {
      hinting.closeAllConnections();
      await new Promise<void>((resolve) => hinting.close(() => resolve()));
    }
  });

  test('createNodeFetch({ keepAlive: false }) closes each connection (for one-shot processes)', async () => {
    const robot = new Robot({
      accessToken: TOKEN,
      baseUrl: url,
      fetch: createNodeFetch({ keepAlive: false }),
      ...DIRECT,
    });
    await robot.text('one');
    await robot.text('two');
    assert.equal(seen[0]!.headers.connection, 'close');
    assert.notEqual(seen[0]!.clientPort, seen[1]!.clientPort);
  });
});

describe('failures through node:http are classified like fetch ones', () => {
  test('no answer within timeoutMs → TimeoutError', async () => {
    behaviour = 'stall-head';
    const robot = new Robot({ accessToken: TOKEN, baseUrl: url, timeoutMs: 200, retry: 'none', ...DIRECT });
    const error = await failure(robot.text('stall'));
    assert.ok(error instanceof TimeoutError, `${error.name}: ${error.message}`);
    assert.equal(error.code, 'TIMEOUT');
  });

  test('an answer whose body stalls → TimeoutError too (the timeout covers the whole answer)', async () => {
    behaviour = 'stall-body';
    const robot = new Robot({ accessToken: TOKEN, baseUrl: url, timeoutMs: 200, retry: 'none', ...DIRECT });
    const error = await failure(robot.text('stall'));
    assert.ok(error instanceof TimeoutError, `${error.name}: ${error.message}`);
  });

  test('a connection cut mid-answer → REQUEST_FAILED, retried', async () => {
    behaviour = 'cut-body';
    const robot = new Robot({ accessToken: TOKEN, baseUrl: url, retry: 'fast', ...DIRECT });
    const error = await failure(robot.text('cut'));
    assert.equal(error.code, 'REQUEST_FAILED');
    assert.equal(seen.length, 4, 'the first attempt and three retries');
  });

  test('connection refused → REQUEST_FAILED naming ECONNREFUSED, token redacted', async () => {
    const port = await closedPort();
    const robot = new Robot({
      accessToken: TOKEN,
      baseUrl: `http://127.0.0.1:${port}`,
      retry: 'none',
      fetch: nodeFetch,
      ...DIRECT,
    });
    const error = await failure(robot.text('refused'));
    assert.equal(error.code, 'REQUEST_FAILED');
    assert.match(error.message, /ECONNREFUSED/);
    assert.ok(!JSON.stringify(error).includes(TOKEN) && !error.message.includes(TOKEN));
  });

  test('a URL that is not http(s) is refused before any connection', async () => {
    const init = {
      method: 'POST' as const,
      headers: {},
      body: '{}',
      signal: AbortSignal.timeout(1000),
      redirect: 'manual' as const,
    };
    await assert.rejects(nodeFetch('ftp://127.0.0.1/robot/send', init), /Only http: and https:/);
  });
});

/** A self-signed certificate for 127.0.0.1, made by openssl (absent: the https tests are skipped). */
function selfSigned(): { dir: string; key: Buffer; cert: Buffer } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'dingbot-tls-'));
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  if (made.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return { dir, key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

describe('https through node:https', () => {
  const tls = selfSigned();
  let https: HttpsServer;
  let httpsUrl = '';
  const ports: number[] = [];
  before(async () => {
    if (!tls) return;
    https = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"errcode":0,"errmsg":"ok"}');
      });
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', () => resolve()));
    httpsUrl = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  });
  after(async () => {
    if (!tls) return;
    https.closeAllConnections();
    await new Promise<void>((resolve) => https.close(() => resolve()));
    rmSync(tls.dir, { recursive: true, force: true });
  });

  test('a certificate nobody trusts → REQUEST_FAILED naming it, token redacted', {
    skip: !tls && 'no openssl',
  }, async () => {
    const robot = new Robot({ accessToken: TOKEN, baseUrl: httpsUrl, retry: 'none', ...DIRECT });
    const error = await failure(robot.text('untrusted'));
    assert.equal(error.code, 'REQUEST_FAILED');
    assert.match(error.message, /certificate/i);
    assert.ok(!JSON.stringify(error).includes(TOKEN) && !error.message.includes(TOKEN));
  });

  test('a trusted certificate: delivered, one TLS connection for several sends', {
    skip: !tls && 'no openssl',
  }, async () => {
    ports.length = 0;
    // In a child that trusts the certificate (NODE_EXTRA_CA_CERTS), as a user's process would.
    const script = `
      const { Robot } = await import('@dingbot/sdk');
      const robot = new Robot({ accessToken: ${JSON.stringify(TOKEN)}, baseUrl: ${JSON.stringify(httpsUrl)}, rateLimit: false });
      for (let i = 0; i < 3; i++) await robot.text('over tls ' + i);
      console.log('delivered');`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--conditions=development', '--import', 'tsx', '--input-type=module', '-e', script],
        {
          encoding: 'utf8',
          cwd: new URL('..', import.meta.url),
          env: { ...process.env, NODE_EXTRA_CA_CERTS: join(tls!.dir, 'cert.pem') },
        },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      ),
    );
    assert.equal(stdout.trim(), 'delivered');
    assert.equal(ports.length, 3);
    assert.equal(new Set(ports).size, 1, 'the TLS connection was reused');
  });
});

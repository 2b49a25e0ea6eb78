// The CLI's one-shot fetch must behave like the global fetch where the SDK relies on it: a timeout
// is a TimeoutError, a redirect is refused (never followed), a refused connection is a RequestError.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { isDingbotError, Robot } from '@dingbot/sdk';
import { oneShotFetch } from '../src/http-fetch.js';

let server: Server;
let base: string;
const seen: { url: string; body: string; connection: string | undefined }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ url: req.url ?? '', body, connection: req.headers.connection });
      // Never answers: only the client's timeout ends the request.
      if (req.url?.includes('slow')) return;
      if (req.url?.includes('huge')) return void streamHuge(res);
      if (req.url?.includes('moved')) {
        res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
        return void res.end();
      }
      res.setHeader('content-type', 'application/json');
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** A 200 MB `{"errcode":0,…}` answer, written as long as the client reads; counts what was written. */
let hugeWritten = 0;
function streamHuge(res: import('node:http').ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"errcode":0,"errmsg":"ok","pad":"');
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const pump = () => {
    while (hugeWritten < 200 * 1024 * 1024 && !res.destroyed) {
      hugeWritten += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end('"}');
  };
  res.on('close', () => res.destroy());
  pump();
}

// A loaded machine may take seconds to answer: only the timeout test sets a short timeout.
const robot = (token: string, timeoutMs = 600_000) =>
  new Robot({
    accessToken: token,
    baseUrl: base,
    fetch: oneShotFetch,
    retry: 'none',
    timeoutMs,
    rateLimit: false,
  });

async function failure(promise: Promise<unknown>): Promise<{ code: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isDingbotError(error), String(error));
    return error;
  }
  assert.fail('the send did not fail');
}

test('posts the body once, UTF-8, with Connection: close, and resolves on errcode 0', async () => {
  seen.length = 0;
  await robot('ok-token').text('我就是我, 是不一样的烟火');
  assert.equal(seen.length, 1);
  assert.match(seen[0]!.body, /我就是我/);
  assert.equal(seen[0]!.connection, 'close');
});

test('a timeout is a TimeoutError (code TIMEOUT)', async () => {
  assert.equal((await failure(robot('slow-token', 100).text('x'))).code, 'TIMEOUT');
});

test('a redirect is refused, never followed (code REDIRECT)', async () => {
  seen.length = 0;
  assert.equal((await failure(robot('moved-token').text('x'))).code, 'REDIRECT');
  assert.equal(seen.length, 1);
});

test('an answer of any size is read only to the SDK’s bound, then refused as HTTP_ERROR', async () => {
  hugeWritten = 0;
  const error = await failure(robot('huge-token').text('x'));
  assert.equal(error.code, 'HTTP_ERROR');
  // The server stops once the client stopped reading: far less than the 200 MB it would send.
  assert.ok(hugeWritten < 50 * 1024 * 1024, `${hugeWritten} bytes were written`);
});

test('a refused connection is a RequestError (code REQUEST_FAILED)', async () => {
  const offline = new Robot({
    accessToken: 't',
    baseUrl: 'http://127.0.0.1:1',
    fetch: oneShotFetch,
    retry: 'none',
  });
  assert.equal((await failure(offline.text('x'))).code, 'REQUEST_FAILED');
});

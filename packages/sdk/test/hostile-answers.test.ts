import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { MAX_RESPONSE_BYTES } from '../src/core/transport.js';
import {
  type DingbotError,
  type FetchLike,
  type FetchResponseLike,
  HttpError,
  isDingbotError,
  RequestError,
  Robot,
} from '../src/index.js';
import { nodeFetch } from '../src/transport-node/index.js';
import { DIRECT } from './helpers/direct.js';
import { startServer, type TestServer } from './helpers/server.js';

const TOKEN = 'fedcba9876543210'.repeat(4);
const SECRET = 'SEChostile0123456789abcdef';

/** Node's global fetch (undici), as Deno, Bun and workers use theirs. */
const globalFetch: FetchLike = (url, init) => fetch(url, init);

/** Both transports: every rule below holds for each. */
const TRANSPORTS: readonly { name: string; fetch: FetchLike }[] = [
  { name: 'fetch', fetch: globalFetch },
  { name: 'node:http', fetch: nodeFetch },
];

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
beforeEach(() => server.reset());

async function failure(promise: Promise<unknown>): Promise<DingbotError> {
  const error = await promise.then(
    () => assert.fail('resolved although the answer was hostile'),
    (e: unknown) => e,
  );
  assert.ok(isDingbotError(error), `not a DingbotError: ${String(error)}`);
  return error;
}

for (const transport of TRANSPORTS) {
  describe(`redirects, through ${transport.name}`, () => {
    for (const status of [301, 302, 303, 307, 308]) {
      test(`${status}: refused as REDIRECT, never followed, never retried`, async () => {
        server.fallback = {
          status,
          headers: { location: `${server.url}/elsewhere?access_token=${TOKEN}` },
          body: '',
        };
        const robot = new Robot({
          accessToken: TOKEN,
          secret: SECRET,
          baseUrl: server.url,
          retry: 'fast',
          fetch: transport.fetch,
          ...DIRECT,
        });
        const error = await failure(robot.text('hello'));
        assert.ok(error instanceof RequestError);
        assert.equal(error.code, 'REDIRECT');
        assert.equal(error.retryable, false);
        assert.equal(server.requests.length, 1);
        assert.ok(server.requests[0]!.url.startsWith('/robot/send?'));
        assert.ok(!error.message.includes(TOKEN) && !JSON.stringify(error).includes(TOKEN));
      });
    }
  });
}

describe('redirect mode', () => {
  test("asks fetch for redirect: 'manual', which every runtime accepts", async () => {
    const modes: string[] = [];
    const robot = new Robot({
      accessToken: TOKEN,
      baseUrl: server.url,
      fetch: (url, init) => {
        modes.push(init.redirect);
        return globalFetch(url, init);
      },
      ...DIRECT,
    });
    await robot.text('hello');
    assert.deepEqual(modes, ['manual']);
  });

  test("a workerd-like fetch that refuses redirect: 'error' still delivers (not misread as a redirect)", async () => {
    // workerd's own words when given redirect: 'error'.
    const workerdFetch: FetchLike = async (url, init) => {
      if ((init.redirect as string) !== 'follow' && init.redirect !== 'manual') {
        throw new TypeError('Invalid redirect value, must be one of "follow" or "manual".');
      }
      return globalFetch(url, init);
    };
    const robot = new Robot({ accessToken: TOKEN, baseUrl: server.url, fetch: workerdFetch, ...DIRECT });
    const result = await robot.text('hello');
    assert.equal(result.attempts, 1);
    assert.equal(server.requests.length, 1);
  });

  test('an opaque redirect (status 0, type opaqueredirect) is refused as REDIRECT', async () => {
    let calls = 0;
    const browserFetch: FetchLike = async () => {
      calls++;
      return { status: 0, type: 'opaqueredirect', body: null, text: async () => '' };
    };
    const robot = new Robot({
      accessToken: TOKEN,
      baseUrl: server.url,
      fetch: browserFetch,
      retry: 'fast',
      ...DIRECT,
    });
    const error = await failure(robot.text('hello'));
    assert.equal(error.code, 'REDIRECT');
    assert.equal(calls, 1, 'not retried');
  });

  test('a fetch that still refuses redirects itself ("unexpected redirect") is REDIRECT, not a network error', async () => {
    const strictFetch: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: new Error('unexpected redirect') });
    };
    const robot = new Robot({ accessToken: TOKEN, baseUrl: server.url, fetch: strictFetch, ...DIRECT });
    const error = await failure(robot.text('hello'));
    assert.equal(error.code, 'REDIRECT');
  });
});

/** A server that answers 200 with a body of `total` bytes that starts like DingTalk's success. */
interface HugeServer {
  url: string;
  /** Resolves when the answer's connection is gone: how much was written, whether all of it was. */
  finished: Promise<{ written: number; complete: boolean }>;
  close(): Promise<void>;
}

/** `declare`: send `Content-Length` (else the body is chunked, its length unknown until its end). */
async function startHugeServer(total: number, declare = false): Promise<HugeServer> {
  let report: (value: { written: number; complete: boolean }) => void = () => {};
  const finished = new Promise<{ written: number; complete: boolean }>((resolve) => {
    report = resolve;
  });
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(declare ? { 'content-length': String(total) } : {}),
      });
      const head = Buffer.from('{"errcode":0,"errmsg":"');
      const tail = Buffer.from('"}');
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let written = 0;
      let gone = false;
      res.on('close', () => {
        gone = true;
        report({ written, complete: res.writableFinished });
      });
      const next = (): Buffer => {
        if (written === 0) return head;
        const remaining = total - written;
        return remaining <= tail.length
          ? tail
          : chunk.subarray(0, Math.min(chunk.length, remaining - tail.length));
      };
      const pump = () => {
        while (!gone && written < total) {
          const data = next();
          written += data.length;
          if (written >= total) {
            res.end(data);
            return;
          }
          if (!res.write(data)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    finished,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Wraps a transport to count the body bytes the SDK pulled from it. */
function counting(inner: FetchLike): { fetch: FetchLike; read: () => number } {
  let read = 0;
  const fetch: FetchLike = async (url, init) => {
    const response = await inner(url, init);
    const body = response.body;
    let counted: FetchResponseLike['body'];
    if (body && 'getReader' in body) {
      const reader = body.getReader();
      counted = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            const { done, value } = await reader.read();
            if (done) controller.close();
            else {
              read += value.byteLength;
              controller.enqueue(value);
            }
          },
          cancel: (reason) => reader.cancel(reason),
        },
        { highWaterMark: 0 },
      );
    } else if (body) {
      const source = body as Iterable<Uint8Array>;
      counted = {
        *[Symbol.iterator]() {
          for (const value of source) {
            read += value.byteLength;
            yield value;
          }
        },
      };
    }
    return { status: response.status, type: response.type, body: counted, text: () => response.text() };
  };
  return { fetch, read: () => read };
}

describe('bounded answers', () => {
  for (const transport of TRANSPORTS) {
    test(`${transport.name}: a 200 MB {"errcode":0…} answer is an HttpError after at most ${MAX_RESPONSE_BYTES} bytes, and the rest is never read`, {
      timeout: 120_000,
    }, async () => {
      const total = 200 * 1024 * 1024;
      const huge = await startHugeServer(total);
      try {
        const { fetch, read } = counting(transport.fetch);
        const robot = new Robot({ accessToken: TOKEN, baseUrl: huge.url, fetch, retry: 'none', ...DIRECT });
        const error = await failure(robot.text('hello'));
        assert.ok(error instanceof HttpError, `${error.name}: ${error.message}`);
        assert.equal(error.code, 'HTTP_ERROR');
        assert.equal(error.status, 200);
        assert.equal(error.retryable, false);
        assert.match(error.message, new RegExp(`larger than ${MAX_RESPONSE_BYTES} bytes`));
        assert.match(error.bodyStart, /^\{"errcode":0,"errmsg":"x+$/);
        // The SDK pulled the bound and at most about a chunk more; the server was cut off.
        assert.ok(read() > MAX_RESPONSE_BYTES, `read ${read()}`);
        assert.ok(read() <= MAX_RESPONSE_BYTES + 256 * 1024, `read ${read()}`);
        const { written, complete } = await huge.finished;
        assert.equal(complete, false, 'the server finished writing: the answer was read to its end');
        assert.ok(written < total / 4, `the server wrote ${written} bytes`);
      } finally {
        await huge.close();
      }
    });

    test(`${transport.name}: a declared Content-Length of 200 MB is refused the same way`, {
      timeout: 120_000,
    }, async () => {
      const total = 200 * 1024 * 1024;
      const huge = await startHugeServer(total, true);
      try {
        const robot = new Robot({
          accessToken: TOKEN,
          baseUrl: huge.url,
          fetch: transport.fetch,
          retry: 'none',
          ...DIRECT,
        });
        const error = await failure(robot.text('hello'));
        assert.ok(error instanceof HttpError, `${error.name}: ${error.message}`);
        assert.match(error.message, new RegExp(`larger than ${MAX_RESPONSE_BYTES} bytes`));
        const { written, complete } = await huge.finished;
        assert.equal(complete, false);
        assert.ok(written < total / 4, `the server wrote ${written} bytes`);
      } finally {
        await huge.close();
      }
    });

    for (const declare of [false, true]) {
      test(`${transport.name}: an answer just under the bound is still read (${declare ? 'Content-Length' : 'chunked'})`, async () => {
        const total = MAX_RESPONSE_BYTES - 1024;
        const big = await startHugeServer(total, declare);
        try {
          const robot = new Robot({
            accessToken: TOKEN,
            baseUrl: big.url,
            fetch: transport.fetch,
            ...DIRECT,
          });
          const result = await robot.text('hello');
          assert.equal(result.attempts, 1);
          assert.deepEqual(await big.finished, { written: total, complete: true });
        } finally {
          await big.close();
        }
      });
    }
  }

  test('a fetch with no body stream (text() only) is bounded too', async () => {
    const long = `{"errcode":0,"errmsg":"${'y'.repeat(MAX_RESPONSE_BYTES)}"}`;
    const robot = new Robot({
      accessToken: TOKEN,
      baseUrl: server.url,
      fetch: async () => ({ status: 200, text: async () => long }),
      ...DIRECT,
    });
    const error = await failure(robot.text('hello'));
    assert.ok(error instanceof HttpError);
    assert.match(error.message, /larger than/);
  });
});

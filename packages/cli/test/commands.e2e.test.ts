import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { EXIT } from '../src/exit-codes.js';
import { run } from '../src/run.js';
import { assertExit, assertNoSecrets, cli, collector, json, ROOT, tempHome, until } from './helpers.js';

const TOKEN = 'commands-token-a5771bce93e200c3';
const SECRET = 'SECcommands-secret-d67d8ab4f4c10bf2';
const { home, cleanup } = tempHome();
let emulator: EmulatorHandle;

before(async () => {
  emulator = await startEmulator({ robots: [{ token: TOKEN, name: 'cmd' }], rateLimit: false });
});
after(async () => {
  await emulator.close();
  cleanup();
});

describe('help and version', () => {
  test('every command has a short --help, examples first, with its own exit codes; --version; no command is a usage error', async () => {
    const helps = [
      ['--help'],
      ['help', 'send'],
      ['send', '--help'],
      ['send', 'text', '--help'],
      ['send', 'markdown', '-h'],
      ['send', 'link', '--help'],
      ['send', 'action-card', '--help'],
      ['send', 'feed-card', '--help'],
      ['sign', '--help'],
      ['emulator', '--help'],
      ['config', '--help'],
    ];
    const [version, none, unknown, ...results] = await Promise.all([
      cli(['--version'], { home }),
      cli([], { home }),
      cli(['sned', 'text', 'x'], { home }),
      ...helps.map((args) => cli(args, { home })),
    ]);
    assertExit(version, 0);
    assert.equal(version.stdout.trim(), '0.1.0');
    assertExit(none, EXIT.USAGE);
    assert.match(none.stderr, /Usage:/);
    assertExit(unknown, EXIT.USAGE);
    assert.match(unknown.stderr, /unknown command "sned"/);
    results.forEach((result, i) => {
      const words = helps[i]!.join(' ');
      assertExit(result, 0);
      // Short: a title, then examples first.
      assert.match(
        result.stdout,
        /^dingbot[^\n]* — [^\n]+\n\nExamples:\n {2}(dingbot|export|DINGTALK)/,
        words,
      );
      assert.match(result.stdout, /Exit codes:/, `exit codes in ${words}`);
      // The whole 8-line table is in the main help only; each command lists its own codes.
      const table = /Exit codes:\n {2}0 {2}delivered/.test(result.stdout);
      assert.equal(table, words === '--help', `the full table in ${words}`);
    });
    assert.match(results[9]!.stdout, /Exit codes: 0 stopped .* 3 bad option value/s);
    assert.doesNotMatch(results[8]!.stdout, /throttled|security/, 'sign lists only its own exit codes');
    // How long a throttled send may wait, and how to bound it.
    assert.match(
      results[2]!.stdout,
      /it may wait up to --wait \(default 11m\)\. Bound it with --wait 2m, or --no-wait/,
    );
    assert.match(results[3]!.stdout, /^dingbot send text/);
    assert.match(results[5]!.stdout, /--pic <url>/);
    assert.match(results[6]!.stdout, /--button <title>=<url>/);
  });
});

describe('dingbot sign', () => {
  test("prints the timestamp and sign of DingTalk's Python snippet, never the secret", async () => {
    const timestamp = 1_700_000_000_123;
    const [plain, asJson, fromEnv, seconds, missing] = await Promise.all([
      cli(['sign', '--secret', SECRET, '--timestamp', String(timestamp)], { home }),
      cli(['sign', '--secret', SECRET, '--timestamp', String(timestamp), '--json'], { home }),
      cli(['sign'], { home, env: { DINGTALK_SECRET: SECRET } }),
      cli(['sign', '--secret', SECRET, '--timestamp', '1700000000'], { home }),
      cli(['sign'], { home }),
    ]);
    const expected = encodeURIComponent(
      createHmac('sha256', SECRET).update(`${timestamp}\n${SECRET}`).digest('base64'),
    );
    assertExit(plain, 0);
    assert.equal(plain.stdout, `${timestamp}\n${expected}\n`);
    assert.deepEqual(json(asJson), { timestamp, sign: expected });
    // The seed's own Python code, where python3 is installed.
    let python: string | undefined;
    try {
      python = execFileSync('python3', [
        '-c',
        'import hmac,hashlib,base64,urllib.parse,sys\nts,secret=sys.argv[1],sys.argv[2]\nh=hmac.new(secret.encode("utf-8"),"{}\\n{}".format(ts,secret).encode("utf-8"),digestmod=hashlib.sha256).digest()\nprint(urllib.parse.quote_plus(base64.b64encode(h)))',
        String(timestamp),
        SECRET,
      ])
        .toString()
        .trim();
    } catch {}
    if (python !== undefined) assert.equal(expected, python);
    assertExit(fromEnv, 0);
    const [ts, sign] = fromEnv.stdout.trim().split('\n');
    assert.ok(Math.abs(Number(ts) - Date.now()) < 60_000);
    assert.equal(
      sign,
      encodeURIComponent(createHmac('sha256', SECRET).update(`${ts}\n${SECRET}`).digest('base64')),
    );
    assertExit(seconds, 0);
    assert.match(seconds.stderr, /looks like seconds/);
    assertExit(missing, EXIT.CONFIG);
    for (const r of [plain, asJson, fromEnv, seconds, missing]) assertNoSecrets(r, [SECRET]);
  });
});

describe('dingbot emulator', () => {
  test('runs until SIGTERM, prints the preview and webhook URLs (never the secret), and accepts sends', async () => {
    const emuToken = 'emu-cmd-token-9bf31c7ff062936a';
    const emuSecret = 'SECemu-cmd-secret-c74d97b01eae257e';
    const child = spawn(
      process.execPath,
      [
        '--conditions=development',
        '--import',
        'tsx',
        'packages/cli/src/bin.ts',
        'emulator',
        '--port',
        '0',
        '--token',
        emuToken,
        '--name',
        'ci',
        '--secret',
        emuSecret,
        '--keyword',
        'build',
        '--rate-limit',
        '5/10s',
        '--penalty',
        '30s',
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const exited = once(child, 'close');
    while (!stdout.includes('Press Ctrl+C')) {
      if (child.exitCode !== null) assert.fail(`emulator exited early: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    assert.ok(base, stdout);
    assert.match(stdout, new RegExp(`preview: {2}${base}/`));
    assert.match(
      stdout,
      new RegExp(
        `webhook: {2}${base}/robot/send\\?access_token=${emuToken} {3}\\(ci; signed; keywords: build\\)`,
      ),
    );
    const sent = await cli(
      [
        'send',
        'markdown',
        '--title',
        'CI',
        'build #7 green',
        '--webhook',
        `${base}/robot/send?access_token=${emuToken}`,
        '--secret',
        emuSecret,
      ],
      { home },
    );
    assertExit(sent, 0);
    assertNoSecrets(sent, [emuToken, emuSecret]);
    const bad = await cli(
      [
        'send',
        'text',
        'no keyword',
        '--webhook',
        `${base}/robot/send?access_token=${emuToken}`,
        '--secret',
        emuSecret,
      ],
      { home },
    );
    assertExit(bad, EXIT.SECURITY);
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /accepted markdown/);
    assert.ok(!stdout.includes(emuSecret) && !stderr.includes(emuSecret), 'the secret is never printed');
  });

  test('several robots from flags: each --token starts one, the flags after it describe it', async () => {
    const [a, b] = ['emu-multi-a-token-45c48cce2e2d', 'emu-multi-b-token-d3d9446802a4'];
    const secretA = 'SECemu-multi-a-secret-6512bd43d9ca';
    const stopper = new AbortController();
    const stdout = collector(false);
    const stderr = collector(false);
    const running = run(
      [
        'emulator',
        '--port',
        '0',
        '--json',
        '--token',
        a,
        '--name',
        'alpha',
        '--secret',
        secretA,
        '--keyword',
        'build',
        '--token',
        b,
        '--keyword',
        'deploy',
        '--keyword',
        '发布',
        '--state',
        'active',
      ],
      { stdout, stderr, stdin: Readable.from([]), env: { HOME: home }, signal: stopper.signal },
    );
    await until(() => stdout.text.includes('\n'));
    const ready = JSON.parse(stdout.text) as {
      robots: { name: string; webhookUrl: string; signed: boolean; keywords: string[] }[];
    };
    assert.deepEqual(
      ready.robots.map((r) => [r.name, r.signed, r.keywords]),
      [
        ['alpha', true, ['build']],
        [b.slice(0, 6), false, ['deploy', '发布']],
      ],
    );
    const [toA, toB, bWithoutKeyword] = await Promise.all([
      cli(['send', 'text', 'build 7 green', '--webhook', ready.robots[0]!.webhookUrl, '--secret', secretA], {
        home,
      }),
      cli(['send', 'text', 'deploy done', '--webhook', ready.robots[1]!.webhookUrl], { home }),
      cli(['send', 'text', 'no keyword', '--webhook', ready.robots[1]!.webhookUrl, '--json'], { home }),
    ]);
    assertExit(toA, 0);
    assertExit(toB, 0);
    assertExit(bWithoutKeyword, EXIT.SECURITY);
    assert.equal(json(bWithoutKeyword).error.code, 'KEYWORD_MISSING');
    stopper.abort();
    assert.equal(await running, 0);
    assert.ok(!stdout.text.includes(secretA) && !stderr.text.includes(secretA));
  });

  test('a robot flag before any --token, or given twice for one robot, is refused', async () => {
    const [early, twice, sameToken] = await Promise.all([
      cli(['emulator', '--keyword', 'x', '--token', 't1'], { home }),
      cli(['emulator', '--token', 't1', '--secret', SECRET, '--secret', SECRET], { home }),
      cli(['emulator', '--token', 't1', '--token', 't1'], { home }),
    ]);
    for (const result of [early, twice, sameToken]) assertExit(result, EXIT.USAGE);
    assert.match(early.stderr, /--keyword describes a robot: give its --token first/);
    assert.match(twice.stderr, /--secret is given twice for the robot of --token t1/);
    assert.match(sameToken.stderr, /--token "t1" is given twice/);
    assertNoSecrets(twice, [SECRET]);
  });

  test('bad emulator option values are configuration errors (3), a robot flag without --token a usage error (2)', async () => {
    const [rate, state, config] = await Promise.all([
      cli(['emulator', '--rate-limit', 'fast'], { home }),
      cli(['emulator', '--secret', SECRET], { home }),
      cli(['emulator', '--config', `${home}/missing.json`], { home }),
    ]);
    assertExit(rate, EXIT.CONFIG);
    assert.match(rate.stderr, /20\/60s/);
    assertExit(state, EXIT.USAGE);
    assert.match(state.stderr, /--secret describes a robot: give its --token first/);
    assertExit(config, EXIT.CONFIG);
    for (const r of [rate, state, config]) assertNoSecrets(r, [SECRET]);
  });
});

describe('proxies', () => {
  let proxy: Server;
  let proxyUrl: string;
  let tunnels = 0;
  let forwarded = 0;

  before(async () => {
    proxy = createServer((req, res) => {
      // A plain forward proxy (absolute-URI requests).
      forwarded++;
      const target = new URL(req.url ?? '');
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    proxy.on('connect', (req, socket, head) => {
      tunnels++;
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(() => {
    proxy.closeAllConnections();
    proxy.close();
  });

  test('HTTP_PROXY/HTTPS_PROXY carry the request, NO_PROXY bypasses it, a dead proxy is a network error (7)', async () => {
    const args = [
      'send',
      'text',
      'via proxy',
      '--token',
      TOKEN,
      '--base-url',
      emulator.url,
      '--retries',
      '0',
      '--json',
    ];
    const through = await cli(args, { home, env: { HTTP_PROXY: proxyUrl } });
    assertExit(through, 0);
    assert.equal(tunnels + forwarded, 1, 'the request went through the proxy');
    const [bypassed, dead] = await Promise.all([
      cli(args, { home, env: { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' } }),
      cli(args, { home, env: { http_proxy: 'http://127.0.0.1:9' } }),
    ]);
    assertExit(bypassed, 0);
    assert.equal(tunnels + forwarded, 1, 'NO_PROXY bypassed the proxy');
    assertExit(dead, EXIT.NETWORK);
    assert.equal(json(dead).error.code, 'REQUEST_FAILED');
    for (const r of [through, bypassed, dead]) assertNoSecrets(r, [TOKEN]);
  });
});

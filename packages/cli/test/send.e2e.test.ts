import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { assertExit, assertNoSecrets, type CliResult, cli, json, tempHome } from './helpers.js';

const TOKEN = 'send-e2e-token-7f3a9c2d41b8e6f0';
const SECRET = 'SECsend-e2e-secret-0c1d2e3f4a5b6c7d';
const KEYWORD = 'alert';
const SECRETS = [TOKEN, SECRET];

let emulator: EmulatorHandle;
let webhook: string;
const { home, cleanup } = tempHome();

before(async () => {
  emulator = await startEmulator({
    robots: [{ token: TOKEN, name: 'signed', secret: SECRET, keywords: [KEYWORD] }],
    rateLimit: false,
  });
  webhook = emulator.webhookUrl(TOKEN);
});
after(async () => {
  await emulator.close();
  cleanup();
});

/** Sends to the signed robot with flags; each call gets its own msgUuid to find its message. */
function send(args: string[], uuid: string, input?: string): Promise<CliResult> {
  return cli(
    ['send', ...args, '--webhook', webhook, '--secret', SECRET, '--keyword', KEYWORD, '--msg-uuid', uuid],
    {
      home,
      input,
    },
  );
}

function received(uuid: string): Record<string, unknown> {
  const found = emulator.messages({ robot: 'signed' }).filter((m) => m.payload.msgUuid === uuid);
  assert.equal(found.length, 1, `the emulator received ${found.length} messages with msgUuid ${uuid}`);
  return found[0]!.payload;
}

describe('dingbot send, every message type, against the emulator', () => {
  test('text, markdown, link, both action cards, feed card and --payload arrive as DingTalk bodies', async () => {
    const payloadFile = join(home, 'payload.json');
    writeFileSync(
      payloadFile,
      JSON.stringify({ msgtype: 'text', text: { content: 'from a payload file alert' } }),
    );
    const runs = await Promise.all([
      send(['text', 'disk full alert'], 'u-text'),
      send(['markdown', '--title', 'Deploy alert', '### Deploy done\n\n- **api** 1.4.2'], 'u-md'),
      send(
        [
          'link',
          '--title',
          'Release',
          '--text',
          'What changed',
          '--url',
          'https://example.com/r',
          '--pic',
          'https://example.com/p.png',
        ],
        'u-link',
      ),
      send(
        [
          'action-card',
          '--title',
          'Incident',
          '--text',
          '## db-1',
          '--single-title',
          'Open',
          '--single-url',
          'https://status.example.com/1',
        ],
        'u-single',
      ),
      send(
        [
          'action-card',
          '--title',
          'Approve?',
          '--text',
          'deploy 1.4',
          '--button',
          'Yes=https://ci.example.com/a?id=7',
          '--button',
          'No=https://ci.example.com/r?id=7',
          '--horizontal',
        ],
        'u-btns',
      ),
      send(
        [
          'feed-card',
          '--item',
          'Incident 311|https://status.example.com/311|https://status.example.com/ok.png',
          '--item',
          'A|B|c|https://e.com/a|https://e.com/a.png',
        ],
        'u-feed',
      ),
      send(['--payload', payloadFile], 'u-payload-file'),
      send(
        ['--payload', '-'],
        'u-payload-stdin',
        JSON.stringify({ msgtype: 'markdown', markdown: { title: 't', text: 'from stdin' } }),
      ),
    ]);
    for (const result of runs) {
      assertExit(result, 0);
      assert.match(result.stdout, /delivered/);
      assertNoSecrets(result, SECRETS);
    }
    assert.deepEqual(received('u-text').text, { content: 'disk full alert' });
    assert.deepEqual(received('u-md').markdown, {
      title: 'Deploy alert',
      text: '### Deploy done\n\n- **api** 1.4.2',
    });
    assert.deepEqual(received('u-link').link, {
      title: 'Release',
      text: `What changed ${KEYWORD}`,
      messageUrl: 'https://example.com/r',
      picUrl: 'https://example.com/p.png',
    });
    const single = received('u-single').actionCard as Record<string, unknown>;
    assert.equal(single.singleTitle, 'Open');
    assert.equal(single.singleURL, 'https://status.example.com/1');
    const btns = received('u-btns').actionCard as Record<string, unknown>;
    assert.equal(btns.btnOrientation, '1');
    assert.deepEqual(btns.btns, [
      { title: 'Yes', actionURL: 'https://ci.example.com/a?id=7' },
      { title: 'No', actionURL: 'https://ci.example.com/r?id=7' },
    ]);
    const feed = received('u-feed').feedCard as { links: unknown[] };
    assert.deepEqual(feed.links[0], {
      title: `Incident 311 ${KEYWORD}`,
      messageURL: 'https://status.example.com/311',
      picURL: 'https://status.example.com/ok.png',
    });
    assert.deepEqual(feed.links[1], {
      title: 'A|B|c',
      messageURL: 'https://e.com/a',
      picURL: 'https://e.com/a.png',
    });
    assert.equal(
      (received('u-payload-file').text as { content: string }).content,
      'from a payload file alert',
    );
    assert.equal((received('u-payload-stdin').markdown as { text: string }).text, `from stdin\n\n${KEYWORD}`);
  });

  test('a text starting with "@" is a text (mentions, @所有人); files come through --file, stdin through "-"', async () => {
    const file = join(home, 'report.md');
    writeFileSync(file, '### Weekly alert\n\n- all green\n');
    const [mention, everyone, stdin, fromFile, linkFile, linkText, habit] = await Promise.all([
      send(['text', '@13800000000 disk full alert', '--at-mobile', '13800000000'], 'u-at-text'),
      send(['text', '@所有人 机房断电 alert'], 'u-at-all-text'),
      send(['text', '-'], 'u-stdin', 'df says 99% alert\n'),
      send(['markdown', '--title', 'Weekly', '--file', file], 'u-file'),
      send(['link', '--title', 'L', '--file', file, '--url', 'https://example.com'], 'u-link-file'),
      send(
        ['link', '--title', 'L', '--text', '-', '--url', 'https://example.com'],
        'u-link-stdin',
        'piped alert\n',
      ),
      // The old "@path" habit: sent as written, with a note naming --file.
      send(['text', `@${file}`], 'u-habit'),
    ]);
    for (const result of [mention, everyone, stdin, fromFile, linkFile, linkText, habit]) {
      assertExit(result, 0);
      assertNoSecrets(result, SECRETS);
    }
    for (const result of [mention, everyone, stdin, fromFile, linkFile, linkText]) {
      assert.equal(result.stderr, '');
    }
    assert.deepEqual(received('u-at-text').text, { content: '@13800000000 disk full alert' });
    assert.deepEqual(received('u-at-text').at, { atMobiles: ['13800000000'] });
    assert.deepEqual(received('u-at-all-text').text, { content: '@所有人 机房断电 alert' });
    assert.deepEqual(received('u-stdin').text, { content: 'df says 99% alert' });
    assert.deepEqual(received('u-file').markdown, {
      title: 'Weekly',
      text: '### Weekly alert\n\n- all green',
    });
    assert.equal((received('u-link-file').link as { text: string }).text, '### Weekly alert\n\n- all green');
    assert.equal((received('u-link-stdin').link as { text: string }).text, 'piped alert');
    assert.equal((received('u-habit').text as { content: string }).content, `@${file}\n${KEYWORD}`);
    assert.equal(
      habit.stderr,
      `dingbot: note: sending the text "@${file}" as written; to send the content of the file ${file}, use --file ${file}\n`,
    );
  });

  test("markdown DingTalk does not render is sent with the SDK's lint warnings on stderr (none with --quiet)", async () => {
    const text = '| host | disk |\n|---|---|\n| db-1 | 99% |\n\n```\ndf -h\n```\n\nalert';
    const [warned, quiet, card] = await Promise.all([
      send(['markdown', '--title', 'Disk', text], 'u-lint'),
      send(['markdown', '--title', 'Disk', text, '--quiet'], 'u-lint-quiet'),
      send(
        ['action-card', '--title', 'C', '--text', '~~old~~ new', '--button', 'Go=https://e.com'],
        'u-lint-card',
      ),
    ]);
    for (const result of [warned, quiet, card]) assertExit(result, 0);
    const lines = warned.stderr.trimEnd().split('\n');
    assert.ok(
      lines.some((line) => /^dingbot: warning: lines 1–3: Tables /.test(line)),
      warned.stderr,
    );
    assert.ok(lines.some((line) => /^dingbot: warning: line 5: Code blocks are not rendered/.test(line)));
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.stdout, '');
    assert.match(card.stderr, /^dingbot: warning: line 1: Strikethrough/);
    received('u-lint');
  });

  test('mentions go into `at` and into the text, so they ping', async () => {
    const [textRun, mdRun] = await Promise.all([
      send(
        [
          'text',
          'db-1 down alert',
          '--at-mobile',
          '13800000000',
          '--at-mobile',
          '13900000000',
          '--at-user',
          'user42',
        ],
        'u-at',
      ),
      send(['markdown', '--title', 'T', 'all hands alert', '--at-all'], 'u-at-all'),
    ]);
    assertExit(textRun, 0);
    assertExit(mdRun, 0);
    const text = received('u-at');
    assert.deepEqual(text.at, { atMobiles: ['13800000000', '13900000000'], atUserIds: ['user42'] });
    assert.match((text.text as { content: string }).content, /@13800000000 @13900000000 @user42/);
    assert.deepEqual(received('u-at-all').at, { isAtAll: true });
    const record = emulator.messages().find((m) => m.payload.msgUuid === 'u-at')!;
    assert.deepEqual(record.mentions.missing, { mobiles: [], userIds: [] });
  });

  test('--dry-run prints the exact body and a masked URL, and sends nothing', async () => {
    const [human, asJson] = await Promise.all([
      send(['text', 'dry', '--dry-run', '--at-mobile', '13800000000'], 'u-dry'),
      send(['text', 'dry json', '--dry-run', '--json'], 'u-dry-json'),
    ]);
    assertExit(human, 0);
    assertExit(asJson, 0);
    assertNoSecrets(human, SECRETS);
    assertNoSecrets(asJson, SECRETS);
    const [firstLine, ...bodyLines] = human.stdout.trimEnd().split('\n');
    assert.equal(
      firstLine,
      `POST ${emulator.url}/robot/send?access_token=[REDACTED]&timestamp=[REDACTED]&sign=[REDACTED]`,
    );
    assert.deepEqual(JSON.parse(bodyLines.join('\n')), {
      msgtype: 'text',
      text: { content: `dry @13800000000\n${KEYWORD}` },
      at: { atMobiles: ['13800000000'] },
      msgUuid: 'u-dry',
    });
    const out = json(asJson);
    assert.equal(out.dryRun, true);
    assert.deepEqual(out.body, {
      msgtype: 'text',
      text: { content: `dry json\n${KEYWORD}` },
      msgUuid: 'u-dry-json',
    });
    const sent = emulator.messages().filter((m) => String(m.payload.msgUuid).startsWith('u-dry'));
    assert.equal(sent.length, 0);
  });

  test('a text over 20000 bytes goes as numbered parts', async () => {
    const long = `${'line of a long log alert\n'.repeat(1200)}end`;
    const result = await cli(
      [
        'send',
        'text',
        '-',
        '--token',
        TOKEN,
        '--base-url',
        emulator.url,
        '--secret',
        SECRET,
        '--keyword',
        KEYWORD,
        '--json',
      ],
      { home, input: long },
    );
    assertExit(result, 0);
    assertNoSecrets(result, SECRETS);
    const out = json(result);
    assert.equal(out.delivered, 'split');
    assert.ok(out.parts.length >= 2);
    const uuids = new Set(out.parts.map((p: { msgUuid: string }) => p.msgUuid));
    const parts = emulator.messages().filter((m) => uuids.has(m.payload.msgUuid));
    assert.equal(parts.length, out.parts.length);
    for (const part of parts) assert.ok(part.bytes <= 20_000);
    const human = await cli(
      ['send', 'text', '-', '--token', TOKEN, '--base-url', emulator.url, '--secret', SECRET],
      {
        home,
        input: long,
      },
    );
    assertExit(human, 0);
    assert.match(human.stdout, /^✓ delivered text message in \d+ parts \(msgUuid /);
  });

  test('--json prints the result for scripts', async () => {
    const result = await send(['text', 'json please', '--json'], 'u-json');
    assertExit(result, 0);
    assertNoSecrets(result, SECRETS);
    const out = json(result);
    assert.equal(out.ok, true);
    assert.equal(out.exitCode, 0);
    assert.equal(out.msgUuid, 'u-json');
    assert.equal(out.msgtype, 'text');
    assert.equal(out.url, `${emulator.url}/robot/send?access_token=[REDACTED]`);
    received('u-json');
  });
});

// The relay part of `npm start`: in-process, and as the demo prints it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_KEYWORD, startDemo } from './_demo.js';
import { CURL_ALERT, startDemoRelay } from './_relay.js';

const here = dirname(fileURLToPath(import.meta.url));

const bodyOf = (payload: Record<string, unknown>) => {
  const p = payload as { text?: { content?: string }; markdown?: { text?: string } };
  return p.text?.content ?? p.markdown?.text ?? '';
};

describe('npm start: the relay', () => {
  test('delivers a captured Alertmanager notification, firing then resolved, signed and with the keyword; its directory goes at close', async () => {
    const { emulator } = await startDemo(0);
    try {
      const relay = await startDemoRelay(emulator);
      try {
        assert.deepEqual(relay.posted, ['alertmanager-firing', 'alertmanager-resolved']);
        const signed = emulator.messages({ robot: 'signed' });
        assert.equal(signed.length, 2);
        const titles = signed.map((m) => (m.payload as { markdown?: { title?: string } }).markdown?.title);
        assert.deepEqual(titles, ['🔥 FIRING: DiskFull', '✅ RESOLVED: DiskFull']);
        const [firing, resolved] = signed.map((m) => bodyOf(m.payload));
        assert.match(firing!, /Disk \/data on db-1 is 95% full/);
        for (const body of [firing!, resolved!]) assert.ok(body.includes(DEMO_KEYWORD), body);
        // The emulator checks signatures (the robot "signed" has a secret): nothing was refused.
        assert.deepEqual(emulator.attempts({ robot: 'signed' }), []);
        assert.ok(existsSync(join(relay.dir, 'relay.db')));

        // The printed curl body is taken as it is.
        const res = await fetch(`${relay.url}/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: CURL_ALERT,
        });
        assert.equal(res.status, 200, await res.text());
        const deadline = Date.now() + 120_000;
        while (emulator.messages({ robot: 'signed' }).length < 3 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.match(bodyOf(emulator.messages({ robot: 'signed' })[2]!.payload), /HighCPU/);
      } finally {
        await relay.close();
      }
      assert.equal(existsSync(relay.dir), false, 'the temporary outbox is removed');
    } finally {
      await emulator.close();
    }
  });

  test('`npm start --once` prints the relay URL, an Alertmanager snippet and a curl line, and leaves no files', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--conditions=development', '--import', 'tsx', join(here, 'demo.ts'), '--once'],
        // A safety net for a hung demo, far beyond any plausible run on a loaded machine.
        { env, timeout: 600_000 },
        (error, out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out)),
      );
    });
    const url = stdout.match(/relay: +(http:\/\/127\.0\.0\.1:\d+)\//)?.[1];
    assert.ok(url, stdout);
    assert.ok(stdout.includes(`        - url: ${url}/alertmanager\n          send_resolved: true`), stdout);
    assert.ok(stdout.includes(`curl '${url}/alertmanager' -H 'Content-Type: application/json'`), stdout);
    assert.ok(stdout.includes(`-d '${CURL_ALERT}'`), stdout);
    assert.match(stdout, /delivered both to the robot\n?\s*"signed"/);
    const dir = stdout.match(/storing in (\S+)\/relay\.db/)?.[1];
    assert.ok(dir, stdout);
    assert.equal(existsSync(dir), false, `${dir} is removed at exit`);
  });
});

// DNS rebinding: a page on attacker.example whose name resolves to 127.0.0.1 must not read the
// robots' tokens from a developer's emulator. Only loopback Host names are served by default.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { createEmulatorApp, startEmulator } from '../src/index.js';

function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('loopback names are served; any other Host gets 403 without data', async () => {
  const emulator = await startEmulator({ robots: [{ token: 'secret-token-1' }] });
  try {
    for (const host of [`127.0.0.1:${emulator.port}`, `localhost:${emulator.port}`, 'app.localhost']) {
      assert.equal((await get(emulator.port, host, '/api/robots')).status, 200, host);
    }
    for (const path of ['/api/robots', '/', '/api/messages', '/robot/send?access_token=secret-token-1']) {
      const res = await get(emulator.port, `attacker.example:${emulator.port}`, path);
      assert.equal(res.status, 403, path);
      assert.doesNotMatch(res.body, /secret-token-1/);
      assert.match(res.body, /allowedHosts/);
    }
  } finally {
    await emulator.close();
  }
});

test('allowedHosts adds names (a docker-compose service), or true allows any', async () => {
  const named = createEmulatorApp({ allowedHosts: ['dingtalk-emulator'] }).app;
  assert.equal((await named.request('http://dingtalk-emulator:8080/api/robots')).status, 200);
  assert.equal((await named.request('http://other:8080/api/robots')).status, 403);
  const open = createEmulatorApp({ allowedHosts: true }).app;
  assert.equal((await open.request('http://anything.example/api/robots')).status, 200);
});

test('bound to a non-loopback address, the emulator answers any host unless told otherwise', async () => {
  const emulator = await startEmulator({ host: '0.0.0.0' });
  try {
    assert.equal((await get(emulator.port, 'my-laptop.lan', '/api/robots')).status, 200);
  } finally {
    await emulator.close();
  }
});

test('allowedHosts is validated', () => {
  assert.throws(() => createEmulatorApp({ allowedHosts: [''] }), /allowedHosts/);
});

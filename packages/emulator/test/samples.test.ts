/**
 * The sample pictures the emulator serves for demos and examples: real PNGs that load offline.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { createEmulatorApp, SAMPLE_NAMES } from '../src/index.js';

/** Walks the PNG chunks, checking each CRC, and returns the header and the inflated image data. */
function readPng(bytes: Buffer): { width: number; height: number; colorType: number; data: Buffer } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  let header: Buffer | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (at < bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    const crc = bytes.readUInt32BE(at + 8 + length);
    let c = 0xffffffff;
    for (const byte of bytes.subarray(at + 4, at + 8 + length)) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    assert.equal((c ^ 0xffffffff) >>> 0, crc, `${type} CRC`);
    if (type === 'IHDR') header = data;
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') ended = true;
    at += 12 + length;
  }
  assert.ok(header && ended);
  return {
    width: header.readUInt32BE(0),
    height: header.readUInt32BE(4),
    colorType: header[9] as number,
    data: inflateSync(Buffer.concat(idat)),
  };
}

describe('GET /samples/<name>.png', () => {
  test('chart, server, banner and avatar are real, small, cacheable PNGs', async () => {
    const { app } = createEmulatorApp();
    assert.deepEqual([...SAMPLE_NAMES], ['chart', 'server', 'banner', 'avatar']);
    for (const name of SAMPLE_NAMES) {
      const res = await app.request(`/samples/${name}.png`);
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.match(res.headers.get('cache-control') ?? '', /public, max-age=\d+/);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.ok(bytes.length > 200 && bytes.length < 20_000, `${name}: ${bytes.length} bytes`);
      const png = readPng(bytes);
      assert.equal(png.colorType, 6, 'RGBA');
      assert.ok(png.width >= 64 && png.height >= 64, `${name}: ${png.width}×${png.height}`);
      assert.equal(png.data.length, (png.width * 4 + 1) * png.height, 'one filter byte and RGBA per row');
      // Not a blank picture: the decoded rows hold more than one colour.
      assert.ok(new Set(png.data).size > 8, `${name} looks blank`);
    }
  });

  test('other names are 404, and the host guard still applies', async () => {
    const { app } = createEmulatorApp();
    assert.equal((await app.request('/samples/secret.png')).status, 404);
    assert.equal((await app.request('/samples/chart.svg')).status, 404);
    assert.equal((await app.request('http://evil.example/samples/chart.png')).status, 403);
  });
});

import { deflateSync } from 'node:zlib';
import type { Env, Hono, Schema } from 'hono';

/**
 * Sample pictures the emulator serves itself, so demos and examples have images that load offline
 * (`https://example.com/*.png` never does). Each is drawn here by code into a real PNG, once.
 */
export const SAMPLE_NAMES = ['chart', 'server', 'banner', 'avatar'] as const;

/** The name of a sample picture: `GET /samples/<name>.png`. */
export type SampleName = (typeof SAMPLE_NAMES)[number];

type Rgba = readonly [number, number, number, number];

/** An RGBA canvas with the few primitives the samples need. */
class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgba = [0, 0, 0, 0],
  ) {
    this.pixels = new Uint8Array(width * height * 4);
    this.rect(0, 0, width, height, background);
  }

  /** Paints one pixel, blending a translucent colour over what is there. */
  set(x: number, y: number, [r, g, b, a]: Rgba): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const at = (y * this.width + x) * 4;
    const p = this.pixels;
    const alpha = a / 255;
    const below = ((p[at + 3] as number) / 255) * (1 - alpha);
    const out = alpha + below;
    const mix = (src: number, dst: number) => (out === 0 ? 0 : Math.round((src * alpha + dst * below) / out));
    p.set(
      [
        mix(r, p[at] as number),
        mix(g, p[at + 1] as number),
        mix(b, p[at + 2] as number),
        Math.round(out * 255),
      ],
      at,
    );
  }

  rect(x: number, y: number, w: number, h: number, color: Rgba): void {
    for (let row = Math.max(0, y); row < Math.min(this.height, y + h); row++)
      for (let col = Math.max(0, x); col < Math.min(this.width, x + w); col++) this.set(col, row, color);
  }

  /** A filled disc, or a ring of `thickness` when given. */
  circle(cx: number, cy: number, radius: number, color: Rgba, thickness = radius): void {
    for (let y = Math.floor(cy - radius); y <= cy + radius; y++)
      for (let x = Math.floor(cx - radius); x <= cx + radius; x++) {
        const d = Math.hypot(x - cx, y - cy);
        if (d <= radius && d >= radius - thickness) this.set(x, y, color);
      }
  }

  /** A line `width` pixels thick. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgba, width = 2): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let step = 0; step <= steps; step++) {
      const x = x0 + ((x1 - x0) * step) / steps;
      const y = y0 + ((y1 - y0) * step) / steps;
      this.circle(x, y, width / 2, color);
    }
  }

  png(): Buffer {
    return encodePng(this.width, this.height, this.pixels);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit RGBA PNG; every row but the first uses the "Up" filter, which flat drawings compress well. */
function encodePng(width: number, height: number, pixels: Uint8Array): Buffer {
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const out = y * (stride + 1);
    raw[out] = y === 0 ? 0 : 2;
    for (let i = 0; i < stride; i++) {
      const value = pixels[y * stride + i] as number;
      const above = y === 0 ? 0 : (pixels[(y - 1) * stride + i] as number);
      raw[out + 1 + i] = (value - above) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method variants, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const WHITE: Rgba = [255, 255, 255, 255];
const BLUE: Rgba = [50, 150, 250, 255];
const GREEN: Rgba = [21, 188, 131, 255];
const AMBER: Rgba = [255, 162, 0, 255];
const GRID: Rgba = [229, 231, 235, 255];
const DARK: Rgba = [45, 52, 64, 255];

/** A bar chart with a trend line: what an alert digest would link. */
function chart(): Canvas {
  const canvas = new Canvas(320, 180, WHITE);
  for (let y = 20; y < 160; y += 28) canvas.rect(20, y, 280, 1, GRID);
  const values = [40, 62, 55, 90, 78, 120, 104, 132];
  values.forEach((value, i) => {
    canvas.rect(32 + i * 34, 160 - value, 22, value, i === 5 ? AMBER : BLUE);
  });
  for (let i = 1; i < values.length; i++) {
    const x0 = 43 + (i - 1) * 34;
    const x1 = 43 + i * 34;
    canvas.line(x0, 150 - (values[i - 1] as number), x1, 150 - (values[i] as number), GREEN, 3);
  }
  canvas.rect(20, 160, 280, 2, DARK);
  return canvas;
}

/** A server rack with status lights. */
function server(): Canvas {
  const canvas = new Canvas(160, 160, [243, 245, 248, 255]);
  for (let unit = 0; unit < 3; unit++) {
    const y = 22 + unit * 42;
    canvas.rect(24, y, 112, 34, DARK);
    canvas.rect(32, y + 12, 56, 10, [90, 100, 115, 255]);
    canvas.circle(106, y + 17, 5, unit === 1 ? AMBER : GREEN);
    canvas.circle(122, y + 17, 5, GREEN);
  }
  return canvas;
}

/** A wide banner: a blue-to-teal gradient with light diagonal stripes. */
function banner(): Canvas {
  const canvas = new Canvas(640, 160);
  for (let x = 0; x < 640; x++) {
    const t = x / 639;
    const color: Rgba = [
      Math.round(50 + (21 - 50) * t),
      Math.round(150 + (188 - 150) * t),
      Math.round(250 + (131 - 250) * t),
      255,
    ];
    canvas.rect(x, 0, 1, 160, color);
  }
  for (let start = -160; start < 640; start += 80)
    canvas.line(start, 160, start + 160, 0, [255, 255, 255, 60], 10);
  canvas.rect(40, 60, 220, 14, WHITE);
  canvas.rect(40, 86, 140, 10, [255, 255, 255, 200]);
  return canvas;
}

/** A round avatar with a smiling face, on a transparent background. */
function avatar(): Canvas {
  const canvas = new Canvas(96, 96);
  canvas.circle(48, 48, 46, BLUE);
  canvas.circle(34, 40, 6, WHITE);
  canvas.circle(62, 40, 6, WHITE);
  for (let x = 30; x <= 66; x++) {
    const y = 58 + Math.round(10 * Math.sin(((x - 30) / 36) * Math.PI));
    canvas.circle(x, y, 2.5, WHITE);
  }
  return canvas;
}

const DRAW: Record<SampleName, () => Canvas> = { chart, server, banner, avatar };
const cache = new Map<SampleName, Buffer>();

/**
 * The PNG bytes of a sample picture, drawn on first use.
 * @example samplePng('chart').subarray(1, 4).toString() // 'PNG'
 */
export function samplePng(name: SampleName): Buffer {
  let png = cache.get(name);
  if (!png) {
    png = DRAW[name]().png();
    cache.set(name, png);
  }
  return png;
}

/**
 * Serves `GET /samples/<name>.png` for each of {@link SAMPLE_NAMES}: `image/png`, cacheable for a day.
 * Other names under `/samples/` fall through to the 404 answer.
 */
export function mountSamples<E extends Env, S extends Schema, B extends string>(app: Hono<E, S, B>): void {
  for (const name of SAMPLE_NAMES) {
    app.get(`/samples/${name}.png`, () => {
      const png = samplePng(name);
      return new Response(new Uint8Array(png), {
        headers: {
          'content-type': 'image/png',
          'content-length': String(png.length),
          'cache-control': 'public, max-age=86400',
          'x-content-type-options': 'nosniff',
        },
      });
    });
  }
}

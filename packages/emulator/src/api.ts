import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { bindingsOf } from './bindings.js';
import { defaults } from './defaults.js';
import type { EmulatorState } from './state.js';
import type { RecordFilter } from './types.js';

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `must be at least ${min}`)
        .max(max, max === Number.MAX_SAFE_INTEGER ? 'too large' : `must be at most ${max}`),
    );

const filterSchema = z.strictObject({
  robot: z.string().min(1, 'must not be empty').optional(),
  since: integer(0).optional(),
  before: integer(1).optional(),
  limit: integer(1, defaults.maxPageSize).optional(),
});

/** Parses the record filters of the query, or answers 400 naming the bad parameter. */
function parseFilter(c: Context): RecordFilter | Response {
  const result = filterSchema.safeParse(c.req.query());
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const parameter =
    issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : String(issue?.path[0] ?? 'query');
  const message =
    issue?.code === 'unrecognized_keys'
      ? 'unknown parameter; use robot, since, before or limit'
      : (issue?.message ?? 'invalid');
  return c.json({ error: `invalid query parameter ${parameter}: ${message}`, parameter }, 400);
}

/** The request's own origin, for webhook URLs when the server's base URL is unknown (`app.request()`). */
const originOf = (c: Context, state: EmulatorState): string => state.baseUrl ?? new URL(c.req.url).origin;

/**
 * One page of records: the most recent `limit` (default {@link defaults.pageSize}) matches, oldest
 * first, cut from the oldest side to {@link defaults.maxPageBytes} (always at least one record).
 * `nextBefore` is the cursor for the older page (`?before=`), or `null` when there is none. Each
 * record is serialised once, straight into the answer.
 */
function page(
  c: Context,
  key: 'messages' | 'attempts',
  select: (filter: RecordFilter) => { id: number }[],
  filter: RecordFilter,
): Response {
  const limit = filter.limit ?? defaults.pageSize;
  const records = select({ ...filter, limit: limit + 1 });
  let more = records.length > limit;
  const parts: string[] = [];
  let bytes = 0;
  let oldest: number | undefined;
  for (let index = records.length - 1; index >= (more ? 1 : 0); index--) {
    const record = records[index] as { id: number };
    const json = JSON.stringify(record);
    bytes += Buffer.byteLength(json);
    if (bytes > defaults.maxPageBytes && parts.length > 0) {
      more = true;
      break;
    }
    parts.push(json);
    oldest = record.id;
  }
  const nextBefore = more && oldest !== undefined ? oldest : null;
  return c.body(`{"${key}":[${parts.reverse().join(',')}],"nextBefore":${nextBefore}}`, 200, {
    'content-type': 'application/json; charset=utf-8',
  });
}

/** The JSON API the preview page and tests use. */
export function mountApi(app: Hono, state: EmulatorState): void {
  app.get('/api/robots', (c) => c.json(state.robotList(originOf(c, state))));

  app.get('/api/messages', (c) => {
    const filter = parseFilter(c);
    return filter instanceof Response ? filter : page(c, 'messages', (f) => state.messages(f), filter);
  });

  app.get('/api/attempts', (c) => {
    const filter = parseFilter(c);
    return filter instanceof Response ? filter : page(c, 'attempts', (f) => state.attempts(f), filter);
  });

  app.delete('/api/messages', (c) => {
    state.clear();
    return c.json({ cleared: true });
  });

  app.get('/api/events', (c) => {
    const outgoing = bindingsOf(c)?.outgoing;
    const stream = state.events.connect(outgoing ? () => outgoing.destroy() : undefined);
    if (!stream) return c.json({ error: 'too many event streams open; close a preview tab' }, 503);
    return new Response(stream, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      },
    });
  });
}

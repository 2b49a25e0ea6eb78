import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorState } from './state.js';
import type { RecordFilter } from './types.js';

const integer = (min: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(Number.MAX_SAFE_INTEGER));

const filterSchema = z.strictObject({
  robot: z.string().min(1, 'must not be empty').optional(),
  since: integer(0).optional(),
  limit: integer(1).optional(),
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
      ? 'unknown parameter; use robot, since or limit'
      : (issue?.message ?? 'invalid');
  return c.json({ error: `invalid query parameter ${parameter}: ${message}`, parameter }, 400);
}

/** The request's own origin, for webhook URLs when the server's base URL is unknown (`app.request()`). */
const originOf = (c: Context, state: EmulatorState): string => state.baseUrl ?? new URL(c.req.url).origin;

/** The JSON API the preview page and tests use. */
export function mountApi(app: Hono, state: EmulatorState): void {
  app.get('/api/robots', (c) => c.json(state.robotList(originOf(c, state))));

  app.get('/api/messages', (c) => {
    const filter = parseFilter(c);
    return filter instanceof Response ? filter : c.json({ messages: state.messages(filter) });
  });

  app.get('/api/attempts', (c) => {
    const filter = parseFilter(c);
    return filter instanceof Response ? filter : c.json({ attempts: state.attempts(filter) });
  });

  app.delete('/api/messages', (c) => {
    state.clear();
    return c.json({ cleared: true });
  });

  app.get('/api/events', (c) => {
    const stream = state.events.connect();
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

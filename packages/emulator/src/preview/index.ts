import type { Hono } from 'hono';

/**
 * Placeholder until the preview page lands: serves `GET /` with a plain text note.
 * The preview's own engineer replaces this file.
 */
export function mountPreview(app: Hono): void {
  app.get('/', (c) => c.text('preview page coming'));
}

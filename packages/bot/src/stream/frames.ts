/** A downstream Stream frame, as the protocol documents it. */
export interface StreamFrame {
  specVersion?: string;
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  data: string;
}

/** Reads a frame; `undefined` for anything that is not one (the connection carries on). */
export function parseFrame(raw: string): StreamFrame | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof frame !== 'object' || frame === null) return undefined;
  const { type, headers, data } = frame as Record<string, unknown>;
  if (type !== 'SYSTEM' && type !== 'EVENT' && type !== 'CALLBACK') return undefined;
  if (typeof headers !== 'object' || headers === null || typeof data !== 'string') return undefined;
  return frame as StreamFrame;
}

/** The ack of a CALLBACK: a robot message answers `{"response": null}` (replies go by HTTP). */
export function callbackAck(messageId: string, code = 200): string {
  return JSON.stringify({
    code,
    headers: { contentType: 'application/json', messageId },
    message: code === 200 ? 'OK' : 'not handled',
    data: JSON.stringify({ response: null }),
  });
}

/** The ack of an EVENT (the bot subscribes to none, but answers any so none comes again). */
export function eventAck(messageId: string): string {
  return JSON.stringify({
    code: 200,
    headers: { contentType: 'application/json', messageId },
    message: 'OK',
    data: JSON.stringify({ status: 'SUCCESS', message: 'not handled by @dingbot/bot' }),
  });
}

/** The echo of a SYSTEM ping: the same headers and data, code 200. */
export function pingEcho(frame: StreamFrame): string {
  return JSON.stringify({ code: 200, headers: frame.headers, message: 'OK', data: frame.data });
}

// Entry for workerd (through miniflare): the probe's parameters as the request's JSON body.
import { runProbe } from './probe.js';

export default {
  /** @param {Request} request */
  async fetch(request) {
    try {
      return Response.json(await runProbe(await request.json()));
    } catch (error) {
      return Response.json({ error: String(error?.stack ?? error) }, { status: 500 });
    }
  },
};

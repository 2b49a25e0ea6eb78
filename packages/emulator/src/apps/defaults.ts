/**
 * Every default of the app-robot side of the emulator (also reachable as `defaults.apps`).
 * The credentials are obviously fake: they only open the emulator.
 */
export const appDefaults = {
  /** The app robot an emulator without `apps` offers (Stream mode). */
  app: {
    clientId: 'dingemulatorappkey',
    clientSecret: 'emulator-app-secret-not-real',
    robotCode: 'dingemulatorappkey',
    name: 'bot',
  },
  /** The group an emulator without `groups` offers; every app robot is in it. */
  group: {
    id: 'cidEmulatorGroup0000000000',
    title: 'Emulator group',
    members: [
      { staffId: 'manager001', name: 'Li Lei', mobile: '13800000001', admin: true },
      { staffId: 'dev002', name: 'Han Meimei', mobile: '13800000002' },
      { staffId: 'ops003', name: 'Zhang Wei', mobile: '13800000003' },
    ],
  },
  /** The corpId carried in delivered messages (`chatbotCorpId`, `senderCorpId`). */
  corpId: 'dingemulatorcorp',
  /** DingTalk: `expireIn: 7200` seconds. */
  accessTokenTtlMs: 7_200_000,
  /** DingTalk: a Stream ticket is valid 90 s, for one connection. */
  streamTicketTtlMs: 90_000,
  /** Observed: an unacked bot callback is pushed again about 60 s later. */
  streamRedeliveryMs: 60_000,
  /** Observed: one duplicate, 60 s after the first push. */
  streamMaxRedeliveries: 1,
  /** SYSTEM ping interval (judgement call: DingTalk's is not documented). */
  streamPingMs: 30_000,
  /** DingTalk closes the socket about 10 s after a SYSTEM disconnect. */
  streamDisconnectCloseMs: 10_000,
  /** `sessionWebhookExpiredTime − createAt` ≈ 5 400 000 ms in every official sample. */
  sessionWebhookTtlMs: 5_400_000,
  /** Webhook msgtypes a sessionWebhook accepts. */
  sessionWebhookMsgtypes: ['text', 'markdown', 'link', 'actionCard', 'feedCard'],
  /** How long an HTTP callback may take to answer. */
  callbackTimeoutMs: 10_000,
  /** OpenAPI sends per robotCode (judgement call: the webhook's 20 a minute). */
  openApiRateLimit: { limit: 20, windowMs: 60_000 },
  /** `msgParam` of the OpenAPI sends: at most 15000 bytes. */
  maxMsgParamBytes: 15_000,
  /** `userIds` of `oToMessages/batchSend`: at most 20. */
  maxBatchUserIds: 20,
  /** Chat records kept (oldest dropped). */
  maxChats: 1000,
  /** Characters of a callback answer kept in a delivery record. */
  callbackBodyChars: 2000,
} as const;

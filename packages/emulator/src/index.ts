/**
 * `@dingbot/emulator`: a local DingTalk group-robot API that answers like the real one.
 * @packageDocumentation
 */
export { createEmulatorApp, type EmulatorApp } from './app.js';
export type { CardRecord, CardSpace, CardStreamingUpdate } from './apps/cards.js';
export { AppInputError } from './apps/hub.js';
export { CHAOS_ACTIONS, type ChaosInput } from './apps/routes.js';
export type {
  AppMessageFields,
  AppMode,
  AppRobotConfig,
  AppRobotInfo,
  AppsOptions,
  CardSummary,
  ChatInput,
  ChatRecord,
  ChatResult,
  DeliveryRecord,
  EmulatorTimers,
  GroupConfig,
  MemberConfig,
} from './apps/types.js';
export type { EmulatorBindings } from './bindings.js';
export { type LoadConfigOptions, loadEmulatorConfig } from './config.js';
export { defaults } from './defaults.js';
export { EmulatorConfigError } from './options.js';
export {
  type BlockNode,
  createMarkdownSubset,
  /** The preview's message renderer (self-contained: other pages serialise it into their script). */
  createRenderer as createPreviewRenderer,
  type InlineNode,
  type LinkKind,
  type MarkdownSubset,
  type MiniDocument,
  type MiniElement,
  type ParsedMarkdown,
  /** Answers a static page asset with the preview's security headers (CSP, no framing, no caching). */
  pageAsset,
  /** The CSP of the preview page and its assets (the relay's page uses the same). */
  previewCsp,
  /** The preview's stylesheet, for another page that draws messages with {@link createPreviewRenderer}. */
  previewCss,
  type Renderer as PreviewRenderer,
  /** A browser script defining the markdown subset and the preview's renderer, then starting a page with it. */
  rendererScript,
} from './preview/index.js';
export { SAMPLE_NAMES, type SampleName, samplePng } from './samples.js';
export { type EmulatorHandle, startEmulator } from './server.js';
export type { EmulatorState } from './state.js';
export type {
  AttemptRecord,
  EmulatorAppOptions,
  EmulatorOptions,
  Mentions,
  MessageRecord,
  RateLimitConfig,
  RecordFilter,
  RobotConfig,
  RobotInfo,
  RobotState,
  Wording,
} from './types.js';

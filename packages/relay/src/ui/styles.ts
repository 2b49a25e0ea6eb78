/**
 * The relay page's own layout, served after the emulator's preview stylesheet (which draws the
 * messages) as `/relay.css` (the CSP forbids inline styles).
 */
export const relayCss = `
nav.tabs { display: flex; gap: 4px; }
nav.tabs a { color: var(--muted); text-decoration: none; padding: 4px 10px; border-radius: 6px; }
nav.tabs a:hover { color: var(--blue); }
nav.tabs a[aria-current="page"] { color: var(--blue); background: #e8f3ff; font-weight: 500; }
#lang { font-size: 12px; padding: 2px 10px; }
main { max-width: 1320px; margin: 0 auto; padding: 12px 18px 40px; }
h2.title { font-size: 15px; font-weight: 600; margin: 14px 0 8px; }
.count:not(:empty) { display: inline-block; min-width: 20px; padding: 0 6px; border-radius: 10px; background: var(--red); color: #fff;
  font-size: 12px; text-align: center; vertical-align: 1px; }
.empty { color: var(--muted); margin: 8px 0; }
#signin { margin: 4px 0 8px; padding: 10px 18px; display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center;
  background: var(--amber-bg); border: 1px solid #ffd591; border-radius: 8px; }
#signin p { margin: 0; flex-basis: 100%; }
#signin .signin-wrong { color: var(--red); }
#signin label { display: inline-flex; gap: 6px; align-items: center; color: #5c6370; }
#signin input { border: 1px solid #d0d3d9; border-radius: 6px; padding: 4px 8px; }
.signin-basic { display: inline-flex; gap: 14px; }

.table-wrap { overflow-x: auto; background: #fff; border-radius: 8px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
table#robots { width: 100%; border-collapse: collapse; font-size: 13px; }
#robots th { text-align: left; font-weight: 500; color: var(--muted); padding: 8px 12px; border-bottom: 1px solid var(--line); white-space: nowrap; }
#robots td { padding: 8px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
#robots tr:last-child td { border-bottom: 0; }
#robots .n { text-align: right; font-variant-numeric: tabular-nums; }
#robots td.robot { font-weight: 600; unicode-bidi: isolate; }
.robot-details { display: block; font-weight: 400; color: var(--muted); font-size: 12px; }
.webhook-cell { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: #5c6370;
  max-width: 360px; overflow-wrap: anywhere; }
#robots td.busy { color: var(--blue); font-weight: 600; }
#robots td.bad { color: var(--red); font-weight: 600; }
#robots td.paused { color: var(--amber); font-weight: 600; }
#robots td.replica { font-size: 12px; color: #5c6370; }

.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 24px; }
@media (max-width: 900px) { .columns { grid-template-columns: minmax(0, 1fr); } }
.column-head { display: flex; align-items: center; justify-content: space-between; gap: 10px; }
.rows { display: flex; flex-direction: column; gap: 12px; }
.dead, .delivered, .pg-message { display: flex; flex-direction: column; gap: 6px; padding: 10px 12px; background: rgba(255,255,255,.55);
  border: 1px solid var(--line); border-radius: 8px; }
.dead { border-color: #f6c4cb; background: #fff8f9; }
.dead-head { display: flex; align-items: center; justify-content: space-between; gap: 10px; }
.row-meta { font-size: 12px; color: var(--muted); display: flex; flex-wrap: wrap; gap: 8px; unicode-bidi: isolate; overflow-wrap: anywhere; }
.row-id { color: #5c6370; font-weight: 600; }
.dead-reason { font-size: 13px; color: #7a1020; overflow-wrap: anywhere; unicode-bidi: isolate; }
button.replay, #replay-all { color: var(--blue); border-color: #b3dbff; }
button.replay, #replay-all { font-size: 12px; padding: 2px 10px; }

.pg-controls { display: flex; flex-wrap: wrap; gap: 8px 16px; margin: 10px 0 12px; }
.pg-controls label { color: var(--muted); display: flex; align-items: center; gap: 6px; }
.pg-controls select { max-width: 28em; }
.pg-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 18px; align-items: start; }
@media (max-width: 900px) { .pg-grid { grid-template-columns: minmax(0, 1fr); } }
.pg-editors { display: flex; flex-direction: column; gap: 6px; }
.pg-label { display: flex; justify-content: space-between; align-items: center; color: #5c6370; font-weight: 500; }
.pg-label button { font-size: 12px; padding: 2px 8px; font-weight: 400; }
.editor { display: flex; border: 1px solid #d0d3d9; border-radius: 6px; background: #fff; overflow: hidden; }
.editor:focus-within { border-color: var(--blue); }
.lines { flex: none; width: 3em; padding: 8px 6px 8px 0; text-align: right; color: #b0b5bd; background: #f7f8fa; overflow: hidden;
  font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; user-select: none; height: 320px; }
.lines .bad-line { color: #fff; background: var(--red); border-radius: 0 3px 3px 0; }
#pg-template, #pg-payload { font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; resize: vertical; padding: 8px 10px;
  color: var(--text); }
#pg-template { flex: 1; min-width: 0; border: 0; outline: 0; height: 320px; white-space: pre; overflow: auto; }
#pg-template:disabled { background: #f7f8fa; }
#pg-payload { height: 300px; border: 1px solid #d0d3d9; border-radius: 6px; }
.pg-result h2.title { margin-top: 0; }
.pg-error { color: var(--red); background: var(--red-bg); border: 1px solid #f6c4cb; border-radius: 8px; padding: 8px 12px; margin-bottom: 10px;
  overflow-wrap: anywhere; }
.template-error { font-size: 13px; color: #7a1020; background: var(--red-bg); border: 1px solid #f6c4cb; border-radius: 6px; padding: 6px 10px;
  overflow-wrap: anywhere; }
.pg-warning { font-size: 12px; color: var(--amber); }
.pg-warning::before { content: "⚠ "; }
`;

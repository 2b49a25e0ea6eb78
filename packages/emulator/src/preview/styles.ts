/** The preview page's stylesheet, served as `/preview.css` (CSP forbids inline styles). */
export const previewCss = `
:root {
  --bg: #eef0f3; --bubble: #fff; --text: #171a1d; --muted: #8f959e; --line: #e5e6eb;
  --blue: #0089ff; --blue-dark: #0070d1; --red: #d7263d; --red-bg: #fdecee; --amber: #b26a00; --amber-bg: #fff4e0;
  --mention: #0089ff;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { margin: 0; }
body {
  font: 14px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "Noto Sans CJK SC", "Helvetica Neue", Arial, sans-serif;
  color: var(--text); background: var(--bg); min-height: 100vh;
}
header.top {
  position: sticky; top: 0; z-index: 10; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px;
  padding: 10px 18px; background: #fff; border-bottom: 1px solid var(--line); box-shadow: 0 1px 3px rgba(0,0,0,.04);
}
.brand { font-weight: 600; font-size: 15px; margin-right: 6px; }
.brand small { color: var(--muted); font-weight: 400; margin-left: 4px; }
header label { color: var(--muted); display: flex; align-items: center; gap: 6px; }
select, input, button { font: inherit; }
select, .webhook input {
  border: 1px solid #d0d3d9; border-radius: 6px; padding: 4px 8px; background: #fff; color: var(--text);
}
.webhook { display: flex; align-items: center; flex: 1 1 320px; min-width: 240px; }
.webhook input { flex: 1; min-width: 0; border-radius: 6px 0 0 6px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; padding: 5px 8px; }
.webhook button { border-radius: 0 6px 6px 0; margin-left: -1px; }
button {
  border: 1px solid #d0d3d9; background: #fff; border-radius: 6px; padding: 4px 12px; cursor: pointer; color: var(--text);
}
button:hover:not(:disabled) { border-color: var(--blue); color: var(--blue); }
button:disabled { opacity: .5; cursor: default; }
#clear:hover:not(:disabled) { border-color: var(--red); color: var(--red); }
#robot-info { color: var(--muted); font-size: 12px; }
.status { font-size: 12px; display: inline-flex; align-items: center; gap: 6px; color: var(--muted); margin-left: auto; }
.status::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #c9cdd4; }
.status.live::before { background: #00b365; }
.status.connecting::before { background: #ffa200; }
.status.offline { color: var(--red); }
.status.offline::before { background: var(--red); }

main#timeline { max-width: 860px; margin: 0 auto; padding: 18px 18px 40px; display: flex; flex-direction: column; gap: 16px; }
#empty { text-align: center; color: var(--muted); padding: 60px 20px; }
#older { text-align: center; padding: 14px 18px 0; }
#older[hidden] { display: none; }

.msg { display: flex; gap: 10px; align-items: flex-start; }
.avatar {
  flex: none; width: 38px; height: 38px; border-radius: 10px; display: flex; align-items: center; justify-content: center;
  color: #fff; font-weight: 600; font-size: 16px; background: #3296fa;
}
.avatar-hidden { background: transparent; }
.hue-0 { background: #3296fa; } .hue-1 { background: #15bc83; } .hue-2 { background: #ff8a24; } .hue-3 { background: #8a6cf6; }
.hue-4 { background: #f25c6e; } .hue-5 { background: #17b3c9; } .hue-6 { background: #5b7cf5; } .hue-7 { background: #d4a20c; }
.msg-body { min-width: 0; max-width: min(560px, calc(100% - 48px)); display: flex; flex-direction: column; align-items: flex-start; gap: 4px; }
.meta { font-size: 12px; color: var(--muted); display: flex; gap: 8px; align-items: baseline; }
.robot-name { color: #5c6370; }
.msgtype { font-size: 11px; border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; color: var(--muted); background: #fff; }
.notify {
  font-size: 12px; color: #646a73; background: rgba(0,0,0,.045); border-radius: 4px; padding: 1px 8px; max-width: 100%;
  overflow-wrap: anywhere;
}
.notify-label { color: var(--muted); margin-right: 6px; }
.notify-label::after { content: ":"; }

.bubble, .card { background: var(--bubble); border-radius: 4px 12px 12px 12px; box-shadow: 0 1px 2px rgba(0,0,0,.06); overflow-wrap: anywhere; max-width: 100%; }
.bubble { padding: 8px 12px; }
.bubble.text { white-space: pre-wrap; }
.bubble.unsupported { color: var(--muted); font-style: italic; }
.mention { color: var(--mention); font-weight: 500; }
a.md-link, .md-link { color: var(--blue); text-decoration: none; }
a.md-link:hover { text-decoration: underline; }
.inert { cursor: not-allowed; }
.md-link.inert { color: #7a8599; text-decoration: underline dotted; }

.markdown > :first-child, .card-md > :first-child { margin-top: 0; }
.markdown > :last-child, .card-md > :last-child { margin-bottom: 0; }
.markdown p, .card-md p { margin: 0 0 8px; }
.markdown h1, .markdown h2, .markdown h3, .markdown h4, .markdown h5, .markdown h6,
.card-md h1, .card-md h2, .card-md h3, .card-md h4, .card-md h5, .card-md h6 { margin: 4px 0 8px; line-height: 1.35; font-weight: 600; }
h1 { font-size: 22px; } h2 { font-size: 19px; } h3 { font-size: 17px; } h4 { font-size: 15px; } h5 { font-size: 14px; } h6 { font-size: 13px; color: #5c6370; }
blockquote { margin: 0 0 8px; padding: 2px 0 2px 10px; border-left: 3px solid #d0d3d9; color: #5c6370; }
blockquote p:last-child { margin-bottom: 0; }
.markdown ul, .markdown ol, .card-md ul, .card-md ol { margin: 0 0 8px; padding-left: 22px; }
.md-img { display: block; max-width: 100%; max-height: 360px; border-radius: 4px; margin: 4px 0; }
.img-missing {
  display: inline-flex; align-items: center; justify-content: center; font-size: 11px; color: var(--muted);
  background: #f2f3f5; border: 1px dashed #c9cdd4; border-radius: 4px; padding: 2px 6px;
}
.md-raw {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; white-space: pre-wrap;
  background: var(--amber-bg); color: #5f4100; border-radius: 3px; padding: 0 2px;
}
.md-nested { list-style-type: circle; }
.md-depth-1 { margin-left: 1.4em; }
.md-depth-2 { margin-left: 2.8em; }
.md-depth-3 { margin-left: 4.2em; }
.md-depth-4 { margin-left: 5.6em; }
pre.md-raw { margin: 0 0 8px; padding: 6px 8px; border-left: 3px solid #ffb938; }
.warnings { display: flex; flex-wrap: wrap; gap: 4px; }
.warn-badge { font-size: 11px; color: var(--amber); background: var(--amber-bg); border: 1px solid #ffd591; border-radius: 10px; padding: 0 8px; }
.warn-badge::before { content: "⚠ "; }
.note { font-size: 12px; color: var(--muted); }
.note-missing { color: var(--amber); }
.note-missing::before { content: "⚠ "; }

.card { width: 340px; display: block; color: inherit; text-decoration: none; overflow: hidden; }
a.card:hover { box-shadow: 0 1px 6px rgba(0,0,0,.12); }
.link-card { padding: 10px 12px; }
.card-title { font-weight: 600; margin-bottom: 6px; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.link-row { display: flex; gap: 10px; align-items: flex-start; }
.link-text { flex: 1; color: #646a73; font-size: 13px; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; min-height: 1em; }
.link-pic { flex: none; width: 48px; height: 48px; object-fit: cover; border-radius: 4px; }
.link-icon { display: flex; align-items: center; justify-content: center; background: #e8f3ff; font-size: 22px; }

.action-card .card-md { padding: 10px 12px; }
.btns { border-top: 1px solid var(--line); display: flex; }
.btns.vertical { flex-direction: column; }
.btns.horizontal { flex-direction: row; }
.btn { flex: 1; display: flex; align-items: center; justify-content: center; padding: 9px 8px; color: var(--blue); text-decoration: none; text-align: center; min-width: 0; }
.btn.inert { color: #9aa3b2; }
.btns.vertical .btn + .btn { border-top: 1px solid var(--line); }
.btns.horizontal .btn + .btn { border-left: 1px solid var(--line); }
a.btn:hover { background: #f5f9ff; }
.btn-single { justify-content: space-between; color: var(--text); }
.btn-single .chevron { color: var(--muted); font-size: 18px; line-height: 1; }

.feed-card { padding: 0; }
.feed-row { display: flex; align-items: center; gap: 10px; padding: 8px 12px; color: inherit; text-decoration: none; border-top: 1px solid var(--line); }
a.feed-row:hover { background: #f5f9ff; }
.feed-row .feed-title { flex: 1; min-width: 0; overflow: hidden; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
.feed-thumb { flex: none; width: 44px; height: 44px; object-fit: cover; border-radius: 4px; }
.feed-first { position: relative; display: block; padding: 0; border-top: 0; }
.feed-banner { display: block; width: 100%; height: 150px; object-fit: cover; background: #dfe3ea; }
span.feed-banner { display: flex; }
.feed-first .feed-title {
  position: absolute; left: 0; right: 0; bottom: 0; padding: 18px 12px 8px; color: #fff; font-weight: 600;
  background: linear-gradient(transparent, rgba(0,0,0,.6));
}
.feed-empty { padding: 10px 12px; color: var(--muted); }

.system { align-self: center; font-size: 12px; color: var(--muted); background: rgba(0,0,0,.05); padding: 2px 10px; border-radius: 10px; max-width: 90%; text-align: center; }
.system.refused {
  align-self: stretch; text-align: left; background: var(--red-bg); color: #7a1020; border: 1px solid #f6c4cb;
  border-radius: 8px; padding: 6px 12px; max-width: none;
}
.refused-head { display: flex; gap: 8px; align-items: baseline; font-size: 12px; }
.refused-label { color: #fff; background: var(--red); border-radius: 4px; padding: 0 6px; font-weight: 600; text-transform: uppercase; font-size: 10.5px; letter-spacing: .03em; }
.refused-robot { font-weight: 600; }
.refused .time { color: #b0616d; }
.refused .msgtype { background: transparent; border-color: #f1b6bf; color: #b0616d; }
.refused-code { margin-top: 2px; font-size: 13px; overflow-wrap: anywhere; }
.errcode { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 600; color: var(--red); margin-right: 8px; }
.explanation { font-size: 13px; color: #4d1a22; overflow-wrap: anywhere; }
.notify { overflow-wrap: anywhere; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
/* Client text never reorders its surroundings: a U+202E in a robot name or title stays in its box. */
.robot-name, .refused-robot, .msgtype, .errmsg, .explanation, .notify, .card-title, .link-text, .feed-title,
.btn, .mention, .missing, .md-raw, #robot-info, .bubble, .card-md { unicode-bidi: isolate; }
/* Names and msgtypes come from clients too: a 20000-character one must not push the page sideways. */
.robot-name, .refused-robot, .msgtype { display: inline-block; max-width: 24em; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; vertical-align: bottom; }
#robot { max-width: 16em; }
/* The chat box: a member of a group writes to its app robots. */
body.with-chatbox { padding-bottom: 120px; }
#chaos[open] { flex-basis: 100%; }
#chatbox {
  position: fixed; left: 0; right: 0; bottom: 0; z-index: 10; background: #fff; border-top: 1px solid var(--line);
  box-shadow: 0 -1px 3px rgba(0,0,0,.04); padding: 8px 18px;
}
.chat-row { max-width: 860px; margin: 0 auto; display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; }
.chat-row label { color: var(--muted); display: flex; align-items: center; gap: 6px; }
.chat-row select { max-width: 12em; }
.chat-input { position: relative; flex: 1 1 260px; min-width: 200px; display: flex; }
#chat-text { flex: 1; min-width: 0; border: 1px solid #d0d3d9; border-radius: 6px; padding: 5px 10px; background: #fff; color: var(--text); }
#chat-text:focus { outline: 2px solid #b3dbff; border-color: var(--blue); }
#chat-send { background: var(--blue); border-color: var(--blue); color: #fff; }
#chat-send:hover:not(:disabled) { background: var(--blue-dark); color: #fff; }
#chat-complete {
  position: absolute; left: 0; bottom: calc(100% + 4px); margin: 0; padding: 4px 0; list-style: none; min-width: 200px;
  background: #fff; border: 1px solid #d0d3d9; border-radius: 6px; box-shadow: 0 4px 12px rgba(0,0,0,.12);
}
#chat-complete li { padding: 3px 12px; cursor: pointer; display: flex; justify-content: space-between; gap: 12px; unicode-bidi: isolate; }
#chat-complete li.active { background: #e8f3ff; color: var(--blue-dark); }
#chat-complete small { color: var(--muted); }
.chat-foot { margin-top: 4px; font-size: 12px; align-items: flex-start; }
#chat-hint { flex: 1; color: var(--muted); min-height: 1.5em; overflow-wrap: anywhere; unicode-bidi: isolate; }
#chat-hint.error { color: var(--red); }
#chaos summary { cursor: pointer; color: var(--muted); }
#chaos[open] summary { color: var(--text); }
.chaos-panel { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; margin-top: 6px; }
#chaos-info { color: var(--muted); }
.chaos-buttons { display: flex; flex-wrap: wrap; gap: 6px; }
.chaos-buttons button { font-size: 12px; padding: 2px 8px; }
.chaos-buttons button[aria-pressed="true"] { background: var(--amber-bg); border-color: #ffb938; color: var(--amber); }

.msg-chat .bubble.member { background: #e8f3ff; }
.exchange-line { font-size: 12px; color: var(--muted); display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; }
.details-toggle { font-size: 11.5px; padding: 0 6px; border-radius: 4px; color: var(--blue); border-color: #b3dbff; }
.details-toggle[aria-expanded="true"] { background: #e8f3ff; }
.exchange { font-size: 12px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 6px 10px; max-width: 100%; }
.exchange-facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
.exchange-facts dt { color: var(--muted); }
.exchange-facts dd { margin: 0; overflow-wrap: anywhere; unicode-bidi: isolate; }
.exchange code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11.5px; }
.exchange-body { white-space: pre-wrap; }
.card-status { font-weight: 600; }
.card-finished { color: #1f8a4c; }
.card-failed { color: var(--red); }
.card-inputing, .card-processing { color: var(--blue); }
`;

// The element's look: its style sheet (light and dark), its icons, and a small
// element builder. No state: every part of the element draws with these.

export const svg = (body, extra = '') =>
  `<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false" ${extra}>${body}</svg>`;
export const ICONS = {
  folder: svg('<path class="fill" d="M3 7.2C3 6 3.9 5 5.1 5h4.1l2 2.2h7.7c1.2 0 2.1.9 2.1 2.1v8.6c0 1.2-.9 2.1-2.1 2.1H5.1C3.9 20 3 19.1 3 17.9z"/>'),
  file: svg('<path d="M6.5 3h7.2L18 7.3V20a1 1 0 0 1-1 1H6.5a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z"/><path d="M13.5 3v4.5H18"/>'),
  link: svg('<path d="M6.5 3h7.2L18 7.3V20a1 1 0 0 1-1 1H6.5a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z"/><path d="M9 16l5-5M10.5 11H14v3.5"/>'),
  up: svg('<path d="M12 19V5M5.5 11.5 12 5l6.5 6.5"/>'),
  refresh: svg('<path d="M19.5 12a7.5 7.5 0 1 1-2.2-5.3"/><path d="M19.5 4.5v4.7h-4.7"/>'),
  newFolder: svg('<path d="M3 7.2C3 6 3.9 5 5.1 5h4.1l2 2.2h7.7c1.2 0 2.1.9 2.1 2.1v8.6c0 1.2-.9 2.1-2.1 2.1H5.1C3.9 20 3 19.1 3 17.9z"/><path d="M12 10.5v6M9 13.5h6"/>'),
  upload: svg('<path d="M12 15.5V4M7 9l5-5 5 5"/><path d="M4.5 15v3.5c0 .8.7 1.5 1.5 1.5h12c.8 0 1.5-.7 1.5-1.5V15"/>'),
  uploadFolder: svg('<path d="M3 7.2C3 6 3.9 5 5.1 5h4.1l2 2.2h7.7c1.2 0 2.1.9 2.1 2.1v8.6c0 1.2-.9 2.1-2.1 2.1H5.1C3.9 20 3 19.1 3 17.9z"/><path d="M12 17v-6M9.5 13.5 12 11l2.5 2.5"/>'),
  download: svg('<path d="M12 4v11.5M7 10.5l5 5 5-5"/><path d="M4.5 15v3.5c0 .8.7 1.5 1.5 1.5h12c.8 0 1.5-.7 1.5-1.5V15"/>'),
  rename: svg('<path d="M4 20h4.2L19.3 8.9a2 2 0 0 0 0-2.8l-1.4-1.4a2 2 0 0 0-2.8 0L4 15.8z"/><path d="M13.5 6.5l4 4"/>'),
  trash: svg('<path d="M4 7h16M10 11v6M14 11v6M9 7V4.5h6V7M6 7l1 12.5c.1.8.7 1.5 1.5 1.5h7c.8 0 1.4-.7 1.5-1.5L18 7"/>'),
  preview: svg('<circle cx="10.5" cy="10.5" r="6"/><path d="M15 15l5 5"/>'),
  more: svg('<circle cx="5.5" cy="12" r="1.4" class="fill"/><circle cx="12" cy="12" r="1.4" class="fill"/><circle cx="18.5" cy="12" r="1.4" class="fill"/>'),
  eye: svg('<path d="M2.5 12S6 5.5 12 5.5 21.5 12 21.5 12 18 18.5 12 18.5 2.5 12 2.5 12z"/><circle cx="12" cy="12" r="2.8"/>'),
  log: svg('<rect x="3.5" y="4.5" width="17" height="15" rx="2"/><path d="M7.5 9.5 10 12l-2.5 2.5M12.5 14.5h4"/>'),
  power: svg('<path d="M12 3.5V12"/><path d="M6.8 7a7.5 7.5 0 1 0 10.4 0"/>'),
  close: svg('<path d="M6.5 6.5l11 11M17.5 6.5l-11 11"/>'),
  play: svg('<path d="M8 5.5v13l10-6.5z"/>'),
  retry: svg('<path d="M4.5 12a7.5 7.5 0 1 0 2.2-5.3"/><path d="M4.5 4.5v4.7h4.7"/>'),
  server: svg('<rect x="3.5" y="4" width="17" height="7" rx="1.8"/><rect x="3.5" y="13" width="17" height="7" rx="1.8"/><path d="M7 7.5h.01M7 16.5h.01"/>'),
  home: svg('<path d="M4 11 12 4l8 7M6 9.5V20h4.5v-5h3v5H18V9.5"/>'),
  chevronUp: svg('<path d="M6 14.5l6-6 6 6"/>'),
  chevronDown: svg('<path d="M6 9.5l6 6 6-6"/>'),
  check: svg('<path d="M5 12.5l4.5 4.5L19 7.5"/>'),
  alert: svg('<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.2v.1"/>'),
  drop: svg('<path d="M12 15.5V4M7 9l5-5 5 5"/><path d="M4.5 15v3.5c0 .8.7 1.5 1.5 1.5h12c.8 0 1.5-.7 1.5-1.5V15"/>'),
  lock: svg('<rect x="5" y="10.5" width="14" height="10" rx="2"/><path d="M8 10.5V7.5a4 4 0 0 1 8 0v3"/>'),
  unlock: svg('<rect x="5" y="10.5" width="14" height="10" rx="2"/><path d="M8 10.5V7.5a4 4 0 0 1 7.7-1.5"/>'),
  star: svg('<path d="M12 3.8l2.5 5.2 5.7.8-4.1 4 1 5.6L12 16.7l-5.1 2.7 1-5.6-4.1-4 5.7-.8z"/>'),
  sortUp: svg('<path d="M12 6l5 6H7z" class="fill"/>'),
};

/** The dark palette, for `theme="dark"` and for `theme="auto"` on a dark system. */
const DARK = `  --_bg: var(--ftp-bg, #17191c);
  --_fg: var(--ftp-fg, #eceef0);
  --_muted: var(--ftp-muted, #9ba1a6);
  --_surface: var(--ftp-surface, #1f2226);
  --_border: var(--ftp-border, #2f3338);
  --_accent: var(--ftp-accent, #5b8def);
  --_hover: var(--ftp-hover, #24282d);
  --_selected: var(--ftp-selected, #1e3160);
  --_danger: var(--ftp-danger, #ff6369);
  --_success: var(--ftp-success, #3dd68c);
  --_warning: var(--ftp-warning, #f1a10d);
  --_folder: var(--ftp-folder, #6d9cf5);
  color-scheme: dark;
`;

const STYLE = /* css */ `
:host {
  --_font: var(--ftp-font, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
  --_mono: var(--ftp-mono-font, ui-monospace, "SFMono-Regular", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace);
  --_size: var(--ftp-font-size, 14px);
  --_bg: var(--ftp-bg, #ffffff);
  --_fg: var(--ftp-fg, #1c2024);
  --_muted: var(--ftp-muted, #60646c);
  --_surface: var(--ftp-surface, #f7f8fa);
  --_border: var(--ftp-border, #e1e4e8);
  --_accent: var(--ftp-accent, #2563eb);
  --_accent-fg: var(--ftp-accent-fg, #ffffff);
  --_hover: var(--ftp-hover, #f1f3f6);
  --_selected: var(--ftp-selected, #e4ecfd);
  --_focus: var(--ftp-focus, var(--_accent));
  --_danger: var(--ftp-danger, #d12c2c);
  --_success: var(--ftp-success, #18794e);
  --_warning: var(--ftp-warning, #b45309);
  --_folder: var(--ftp-folder, #5b8def);
  --_radius: var(--ftp-radius, 8px);
  --_row: var(--ftp-row-height, 36px);
  display: block;
  position: relative;
  box-sizing: border-box;
  min-height: 320px;
  font: var(--_size)/1.45 var(--_font);
  color: var(--_fg);
  background: var(--_bg);
  border: 1px solid var(--_border);
  border-radius: var(--_radius);
  overflow: hidden;
  container-type: inline-size;
  color-scheme: light;
}
:host([theme="dark"]) {
${DARK}}
@media (prefers-color-scheme: dark) {
  :host([theme="auto"]) {
${DARK}  }
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
svg { width: 18px; height: 18px; flex: none; fill: none; stroke: currentColor; stroke-width: 1.7; stroke-linecap: round; stroke-linejoin: round; }
svg .fill { fill: currentColor; stroke: none; }
button, input, select { font: inherit; color: inherit; }
:focus-visible { outline: 2px solid var(--_focus); outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.root { display: flex; flex-direction: column; height: 100%; min-height: inherit; }

/* Buttons */
.btn { display: inline-flex; align-items: center; gap: 6px; height: 32px; padding: 0 10px; border: 1px solid transparent; border-radius: 6px; background: transparent; cursor: pointer; white-space: nowrap; color: var(--_fg); }
.btn:hover:not(:disabled) { background: var(--_hover); }
.btn:disabled { opacity: .45; cursor: default; }
.btn.icon { width: 32px; padding: 0; justify-content: center; }
.btn.primary { background: var(--_accent); color: var(--_accent-fg); border-color: var(--_accent); }
.btn.primary:hover:not(:disabled) { background: var(--_accent); filter: brightness(1.08); }
.btn.outline { border-color: var(--_border); background: var(--_bg); }
.btn.danger { background: var(--_danger); border-color: var(--_danger); color: #fff; }
.btn[aria-pressed="true"] { background: var(--_selected); color: var(--_accent); }
.btn.small { height: 26px; padding: 0 8px; font-size: .9em; }
.btn.small.icon { width: 26px; padding: 0; }

/* Connect form */
.connect { flex: 1; display: grid; place-items: center; padding: 32px 16px; background: var(--_surface); overflow: auto; }
.card { width: min(460px, 100%); background: var(--_bg); border: 1px solid var(--_border); border-radius: calc(var(--_radius) + 4px); padding: 28px; box-shadow: 0 1px 2px rgb(0 0 0 / .04), 0 8px 24px rgb(0 0 0 / .06); }
.card h2 { margin: 0 0 4px; font-size: 1.3em; font-weight: 650; letter-spacing: -.01em; display: flex; align-items: center; gap: 10px; }
.card h2 svg { width: 24px; height: 24px; color: var(--_accent); }
.card .lead { margin: 0 0 20px; color: var(--_muted); }
.field .note { margin: 6px 0 0; font-size: 0.85em; color: var(--_muted); }
.field .note.warn { color: var(--_danger, #b42318); }
.link-notice { margin: 0 0 16px; padding: 10px 12px; border-radius: 8px; border: 1px solid var(--_border); background: var(--_surface-2, transparent); }
.grid2 { display: grid; grid-template-columns: 1fr 100px; gap: 12px; }
.field { display: flex; flex-direction: column; gap: 5px; margin-bottom: 14px; min-width: 0; }
.field label, .field .label { font-weight: 550; font-size: .93em; }
.field input, .field select { height: 38px; padding: 0 11px; border: 1px solid var(--_border); border-radius: 6px; background: var(--_bg); width: 100%; }
.field input:focus-visible, .field select:focus-visible { outline: 2px solid var(--_focus); outline-offset: 0; border-color: var(--_focus); }
.field input:disabled { background: var(--_surface); color: var(--_muted); }
.check { display: flex; align-items: center; gap: 8px; margin: -2px 0 16px; }
.check input { width: 16px; height: 16px; accent-color: var(--_accent); margin: 0; }
details.advanced { margin: 0 0 18px; border-top: 1px solid var(--_border); padding-top: 12px; }
details.advanced summary { cursor: pointer; color: var(--_muted); font-weight: 550; margin-bottom: 10px; }
.form-actions { display: flex; justify-content: flex-end; gap: 8px; }
.form-actions .btn { height: 38px; padding: 0 18px; font-weight: 600; }
.spinner { width: 16px; height: 16px; border-radius: 50%; border: 2px solid currentColor; border-right-color: transparent; animation: spin .8s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner { animation-duration: 2.4s; } }

/* Alerts */
.alert { display: flex; gap: 10px; align-items: flex-start; padding: 11px 14px; border: 1px solid color-mix(in srgb, var(--_danger) 35%, transparent); background: color-mix(in srgb, var(--_danger) 8%, var(--_bg)); border-radius: 6px; color: var(--_fg); }
.alert > svg { color: var(--_danger); margin-top: 1px; }
.alert .text { flex: 1; min-width: 0; }
.alert .title { font-weight: 600; }
.alert .hint { color: var(--_muted); }
.alert details { margin-top: 4px; font-size: .88em; color: var(--_muted); }
.alert details summary { cursor: pointer; }
.alert details code { font-family: var(--_mono); overflow-wrap: anywhere; }
.alert .transcript { margin: 6px 0 0; max-height: 160px; overflow: auto; font: .95em/1.5 var(--_mono); white-space: pre-wrap; overflow-wrap: anywhere; color: var(--_fg); }
.alert .actions { display: flex; gap: 6px; flex: none; }
.connect .alert { margin-bottom: 16px; }
.browser > .alert { margin: 8px 12px 0; }

/* Browser */
.browser { flex: 1; display: flex; flex-direction: column; min-height: 0; }
.toolbar { display: flex; align-items: center; gap: 4px; padding: 8px 10px; border-bottom: 1px solid var(--_border); background: var(--_bg); min-height: 52px; }
.actions { display: flex; align-items: center; gap: 4px; flex: none; }
.toolbar .filter { flex: 0 1 170px; min-width: 80px; height: 32px; margin: 0 4px; padding: 0 10px; border: 1px solid var(--_border); border-radius: 6px; background: var(--_bg); color: var(--_fg); font: inherit; }
.toolbar .filter:focus-visible { outline: 2px solid var(--_focus); outline-offset: 1px; }
.toolbar .sep { width: 1px; height: 22px; background: var(--_border); margin: 0 4px; flex: none; }
.crumbs { flex: 1; min-width: 0; }
.crumbs ol { display: flex; align-items: center; list-style: none; margin: 0; padding: 0; overflow: hidden; white-space: nowrap; }
.crumbs li { display: flex; align-items: center; min-width: 0; }
.crumbs li + li::before { content: ""; width: 14px; height: 14px; flex: none; margin: 0 1px; background: var(--_muted); opacity: .6;
  -webkit-mask: url('data:image/svg+xml;utf8,<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M9.5 6l6 6-6 6" fill="none" stroke="black" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>') center/contain no-repeat;
  mask: url('data:image/svg+xml;utf8,<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M9.5 6l6 6-6 6" fill="none" stroke="black" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>') center/contain no-repeat; }
.crumbs button { border: 0; background: none; padding: 4px 7px; border-radius: 5px; cursor: pointer; max-width: 220px; overflow: hidden; text-overflow: ellipsis; display: inline-flex; align-items: center; gap: 6px; color: var(--_muted); }
.crumbs button:hover { background: var(--_hover); color: var(--_fg); }
.crumbs [aria-current="page"] { color: var(--_fg); font-weight: 600; }
.crumbs .host { font-weight: 600; color: var(--_fg); }
.crumbs .host svg { color: var(--_accent); }
.label-wide { display: none; }
@container (min-width: 820px) { .label-wide { display: inline; } }
@container (max-width: 560px) {
  .toolbar { flex-wrap: wrap; row-gap: 6px; }
  .actions { gap: 1px; flex: 1 1 100%; flex-wrap: wrap; }
  .crumbs { order: -1; flex-basis: calc(100% - 40px); }
  .toolbar > .btn:first-child { order: -2; }
  .toolbar .sep { display: none; }
  .statusbar span + span { display: none; }
}
.transfers .t-state:empty { display: none; }
/* Touch: 44 px targets, a box on each row to select it, single taps that open. */
td.name .pick { display: none; width: 22px; height: 22px; margin: 0; flex: none; accent-color: var(--_accent); }
.btn.more, .crumbs .more { display: none; }
@media (pointer: coarse) {
  :host { --_row: var(--ftp-row-height, 44px); }
  .btn { height: 44px; min-width: 44px; justify-content: center; }
  .btn.icon { width: 44px; }
  .btn.small { height: 36px; }
  .crumbs button { min-height: 44px; }
  .menu button { padding: 12px 14px; }
  td.name .pick { display: block; }
}
/* Narrow: the less used actions go into a More menu; the path keeps its ends. */
@container (max-width: 560px) {
  .actions .rare { display: none; }
  .btn.more { display: inline-flex; }
  .crumbs li.middle { display: none; }
  .crumbs li.more { display: flex; }
  .crumbs .more { display: inline-flex; }
}

.table-area { position: relative; flex: 1; min-height: 120px; display: flex; flex-direction: column; }
.table-wrap { flex: 1; overflow: auto; min-height: 0; outline: none; scroll-padding-top: 34px; }
table { width: 100%; border-collapse: separate; border-spacing: 0; table-layout: fixed; }
thead th { position: sticky; top: 0; z-index: 1; background: var(--_surface); border-bottom: 1px solid var(--_border); text-align: left; font-weight: 600; font-size: .86em; color: var(--_muted); padding: 0; height: 34px; }
thead th button { all: unset; box-sizing: border-box; display: flex; align-items: center; gap: 4px; width: 100%; height: 34px; padding: 0 12px; cursor: pointer; }
thead th button:hover { color: var(--_fg); }
thead th button:focus-visible { outline: 2px solid var(--_focus); outline-offset: -2px; }
thead th .arrow svg { width: 14px; height: 14px; opacity: 0; transition: transform .15s; }
thead th[aria-sort="ascending"] .arrow svg { opacity: 1; }
thead th[aria-sort="descending"] .arrow svg { opacity: 1; transform: rotate(180deg); }
thead th[aria-sort="ascending"], thead th[aria-sort="descending"] { color: var(--_fg); }
th.size, td.size { text-align: right; }
th.size button { justify-content: flex-end; }
col.c-size { width: 110px; } col.c-modified { width: 190px; } col.c-perms { width: 120px; }
@container (max-width: 640px) { col.c-perms, th.perms, td.perms { display: none; } col.c-modified { width: 150px; } }
@container (max-width: 480px) { col.c-modified, th.modified, td.modified { display: none; } }
tbody tr { height: var(--_row); cursor: default; outline: none; }
tbody td { padding: 0 12px; border-bottom: 1px solid color-mix(in srgb, var(--_border) 60%, transparent); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
tbody tr:hover td { background: var(--_hover); }
tbody tr[aria-selected="true"] td { background: var(--_selected); }
tbody tr:focus-visible { outline: 2px solid var(--_focus); outline-offset: -2px; }
tbody tr.spacer, tbody tr.spacer td { height: auto; padding: 0; border: 0; background: none !important; }
table[role="grid"]:focus { outline: none; }
td.name .cell { display: flex; align-items: center; gap: 10px; min-width: 0; }
td.name .label { overflow: hidden; text-overflow: ellipsis; }
td.name svg { color: var(--_muted); }
tr[data-kind="dir"] td.name svg { color: var(--_folder); }
tr[data-kind="dir"] td.name .label { font-weight: 550; }
td.name .target { color: var(--_muted); margin-left: 4px; }
td.name .partial { flex: none; font-size: 11px; line-height: 16px; padding: 0 6px; border-radius: 8px; border: 1px solid var(--_warning); color: var(--_warning); }
td.size, td.modified, td.perms { color: var(--_muted); font-variant-numeric: tabular-nums; }
td.perms { font-family: var(--_mono); font-size: .88em; }
td.name input { width: 100%; height: 28px; padding: 0 8px; border: 1px solid var(--_focus); border-radius: 5px; background: var(--_bg); outline: 2px solid color-mix(in srgb, var(--_focus) 25%, transparent); }
.empty { padding: 48px 16px; text-align: center; color: var(--_muted); }
.empty svg { width: 36px; height: 36px; display: block; margin: 0 auto 8px; opacity: .6; }
.loading-bar { position: absolute; top: 34px; left: 0; right: 0; height: 2px; overflow: hidden; z-index: 2; }
.loading-bar::after { content: ""; position: absolute; inset: 0; width: 30%; background: var(--_accent); animation: slide 1s ease-in-out infinite; }
@keyframes slide { from { transform: translateX(-100%); } to { transform: translateX(400%); } }
.drop-overlay { position: absolute; inset: 8px; border: 2px dashed var(--_accent); border-radius: var(--_radius); background: color-mix(in srgb, var(--_accent) 9%, var(--_bg)); display: grid; place-items: center; text-align: center; color: var(--_accent); font-weight: 600; pointer-events: none; z-index: 3; }
.drop-overlay svg { width: 32px; height: 32px; display: block; margin: 0 auto 6px; }

/* Dock: transfers and log */
.dock { border-top: 1px solid var(--_border); background: var(--_bg); display: flex; flex-direction: column; }
.dock-head { display: flex; align-items: center; gap: 2px; padding: 0 8px; background: var(--_surface); border-bottom: 1px solid var(--_border); }
.dock[data-open="false"] .dock-head { border-bottom: 0; }
.dock[data-open="false"] .tab[aria-selected="true"] { border-bottom-color: transparent; }
.dock[data-open="false"] .dock-head .btn.small:not(.icon) { display: none; }
.tab { border: 0; background: none; padding: 9px 10px 7px; border-bottom: 2px solid transparent; cursor: pointer; font-weight: 550; color: var(--_muted); display: inline-flex; gap: 6px; align-items: center; }
.tab[aria-selected="true"] { color: var(--_fg); border-bottom-color: var(--_accent); }
.tab .count { background: var(--_border); color: var(--_fg); border-radius: 999px; padding: 0 7px; font-size: .8em; line-height: 18px; }
.tab .count:empty { display: none; }
.dock-head .spacer { flex: 1; }
.dock-body { height: clamp(140px, 30vh, 300px); overflow: auto; }
.dock[data-open="false"] .dock-body { display: none; }
.transfers { list-style: none; margin: 0; padding: 4px 0; }
.transfers li { display: grid; grid-template-columns: 28px minmax(0, 1fr) auto; gap: 3px 10px; align-items: center; padding: 9px 12px 10px; border-bottom: 1px solid color-mix(in srgb, var(--_border) 60%, transparent); }
.transfers .t-icon { grid-column: 1; grid-row: 1 / span 2; display: grid; place-items: center; width: 28px; height: 28px; border-radius: 50%; background: var(--_surface); color: var(--_muted); }
.transfers .t-icon svg { width: 16px; height: 16px; }
.transfers li[data-state="running"] .t-icon { color: var(--_accent); background: color-mix(in srgb, var(--_accent) 12%, var(--_bg)); }
.transfers li[data-state="done"] .t-icon { color: var(--_success); background: color-mix(in srgb, var(--_success) 12%, var(--_bg)); }
.transfers li[data-state="failed"] .t-icon { color: var(--_danger); background: color-mix(in srgb, var(--_danger) 10%, var(--_bg)); }
.transfers .t-name { grid-column: 2; grid-row: 1; font-weight: 550; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.transfers .t-name small { font-weight: 400; color: var(--_muted); margin-left: 6px; }
.transfers .t-actions { grid-column: 3; grid-row: 1 / span 2; display: flex; gap: 2px; }
.transfers .t-line { grid-column: 2; grid-row: 2; display: flex; align-items: center; gap: 10px; min-width: 0; font-size: .88em; color: var(--_muted); font-variant-numeric: tabular-nums; }
.transfers .t-line .t-text { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.transfers progress { flex: 0 1 260px; min-width: 60px; height: 6px; border: 0; border-radius: 3px; background: var(--_border); overflow: hidden; appearance: none; -webkit-appearance: none; }
.transfers progress::-webkit-progress-bar { background: var(--_border); border-radius: 3px; }
.transfers progress::-webkit-progress-value { background: var(--_accent); border-radius: 3px; }
.transfers progress::-moz-progress-bar { background: var(--_accent); border-radius: 3px; }
.transfers li[data-state="done"] progress::-webkit-progress-value { background: var(--_success); }
.transfers li[data-state="done"] progress::-moz-progress-bar { background: var(--_success); }
.transfers li[data-state="failed"] progress::-webkit-progress-value { background: var(--_danger); }
.transfers li[data-state="cancelled"] progress::-webkit-progress-value { background: var(--_muted); }
.transfers li[data-state="done"] .t-state { color: var(--_success); }
.transfers li[data-state="failed"] .t-state { color: var(--_danger); }
.transfers .t-state { font-weight: 550; }
.transfers .t-error { grid-column: 2 / 4; grid-row: 3; color: var(--_danger); font-size: .88em; }
.dock .none { padding: 20px; color: var(--_muted); text-align: center; }
.log { margin: 0; padding: 6px 0; list-style: none; font: .85em/1.55 var(--_mono); }
.log li { padding: 0 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.log li .dir { display: inline-block; width: 1.6em; color: var(--_muted); user-select: none; }
.log li.sent { color: var(--_accent); }
.log li.note { color: var(--_muted); font-style: italic; }
.log li .who { color: var(--_muted); user-select: none; margin-right: .5em; }

.statusbar { display: flex; gap: 16px; justify-content: space-between; padding: 5px 12px; font-size: .84em; color: var(--_muted); border-top: 1px solid var(--_border); background: var(--_surface); }
.statusbar .security { padding: 1px 8px; gap: 4px; font-size: 1em; }
.statusbar .security[data-encrypted="false"] { color: var(--_danger, #b42318); border-color: currentColor; }
.statusbar .security svg { width: 14px; height: 14px; }
.security-panel { padding: 8px 12px; border-top: 1px solid var(--_border); background: var(--_surface-2, var(--_surface)); font-size: .88em; }
dl.cert { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dl.cert dt { color: var(--_muted); }
dl.cert dd { margin: 0; overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }
.alert .trust { display: grid; gap: 8px; margin-top: 8px; }
.statusbar span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.statusbar .selcount { font-weight: 600; color: var(--_fg); }

dialog { border: 1px solid var(--_border); border-radius: calc(var(--_radius) + 4px); padding: 22px; width: min(420px, calc(100% - 32px)); background: var(--_bg); color: var(--_fg); box-shadow: 0 12px 40px rgb(0 0 0 / .18); }
.menu { position: absolute; z-index: 20; min-width: 190px; padding: 4px; background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: 8px; box-shadow: 0 8px 28px rgb(0 0 0 / .18); }
.menu button { all: unset; box-sizing: border-box; display: flex; justify-content: space-between; gap: 18px; width: 100%; padding: 7px 10px; border-radius: 5px; cursor: pointer; }
.menu button:hover, .menu button:focus { background: var(--_hover); }
.menu button:focus-visible { outline: 2px solid var(--_focus); outline-offset: -2px; }
.menu button.danger { color: var(--_danger); }
.menu kbd { font: inherit; color: var(--_muted); }
.menu hr { border: 0; border-top: 1px solid var(--_border); margin: 4px 2px; }
.modes { display: grid; grid-template-columns: auto repeat(3, 70px); gap: 6px 4px; align-items: center; margin: 8px 0 14px; }
.modes .head, .modes .bit { text-align: center; }
.modes .head { color: var(--_muted); font-size: .9em; }
.field-error { color: var(--_danger); margin: -6px 0 12px; }
tr.move-target td { background: var(--_selected); box-shadow: inset 0 0 0 2px var(--_accent); }
dialog.preview { width: min(960px, calc(100% - 32px)); max-height: calc(100vh - 48px); box-sizing: border-box; }
dialog.preview[open] { display: flex; flex-direction: column; }
.preview-head { display: flex; align-items: center; gap: 12px; }
.preview-head h3 { margin: 0; flex: 1 1 auto; min-width: 0; }
.preview-head .form-actions { margin: 0; flex: none; }
dialog .preview-note { margin: 6px 0 10px; }
.preview-body { flex: 1 1 auto; min-height: 0; overflow: auto; }
.preview-body img { display: block; max-width: 100%; max-height: 70vh; margin: 0 auto; }
.preview-body iframe { display: block; width: 100%; height: 70vh; border: 0; }
.preview-body pre { margin: 0; padding: 12px; background: var(--_surface); border-radius: 6px; font: .9em/1.45 var(--_mono); white-space: pre-wrap; overflow-wrap: anywhere; max-height: 70vh; overflow: auto; }
.preview-body textarea { display: block; width: 100%; height: 60vh; box-sizing: border-box; padding: 12px; border: 1px solid var(--_border); border-radius: 6px; background: var(--_bg); color: var(--_fg); font: .9em/1.45 var(--_mono); resize: vertical; }
dialog::backdrop { background: rgb(15 17 20 / .35); }
dialog h3 { margin: 0 0 6px; font-size: 1.1em; overflow-wrap: anywhere; }
dialog p { margin: 0 0 18px; color: var(--_muted); }
dialog .form-actions .btn { height: 34px; padding: 0 14px; }
.saved { margin: 0 0 14px; }
.saved h3 { font-size: 13px; font-weight: 600; margin: 0 0 6px; color: var(--_muted); }
.saved-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 4px; }
.saved-list li { display: flex; align-items: center; gap: 4px; }
.saved-list .site { flex: 1; display: flex; align-items: center; gap: 8px; min-height: 36px; padding: 4px 10px; border: 1px solid var(--_border); border-radius: 8px; background: var(--_surface); color: inherit; font: inherit; text-align: left; cursor: pointer; }
.saved-list .site:hover { border-color: var(--_accent); }
.saved-list .site svg { width: 16px; height: 16px; flex: none; }
.saved-list .site small { color: var(--_muted); margin-left: auto; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.btn.site-btn[aria-pressed="true"] svg path { fill: currentColor; }
`;

let sheet = null;
export function styles(root) {
  try {
    sheet ??= (() => {
      const s = new CSSStyleSheet();
      s.replaceSync(STYLE);
      return s;
    })();
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement('style');
    style.textContent = STYLE;
    root.prepend(style);
  }
}

/** Builds an element: `h('button', { class: 'btn', onclick }, 'text', child)`. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === false && !(key in el)) continue;
    else if (key === 'html') el.innerHTML = value; // only for our own icons
    else if (key in el && key !== 'list' && key !== 'form' && !key.includes('-')) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const icon = (name) => {
  const span = document.createElement('span');
  span.className = 'i';
  span.style.display = 'contents';
  span.innerHTML = ICONS[name];
  return span;
};

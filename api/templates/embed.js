// KIM chat widget for a county website: one script tag, everything from this server.
//   <script src="{{ base_url }}/embed.js" data-lang="ar" data-src="buergerbuero-brakel" defer></script>
// data-lang (optional): the chat's language; without it the visitor's browser language decides.
// data-src (optional): a registration office's key, stored as the conversation's source.
// A launcher button opens the chat page (/?embed=1) in a panel; Escape (also inside the chat) or
// the close button closes it and gives the focus back to the launcher. Shadow DOM keeps the
// site's styles out.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__kimWidget) return;
  window.__kimWidget = true;
  const LABELS = {{ labels | tojson }};
  const DEFAULT_LANGUAGE = {{ default_language | tojson }};
  const origin = new URL(script.src, location.href).origin;

  const asked = (script.dataset.lang || "").toLowerCase();
  const source = /^[a-z0-9-]{1,64}$/.test(script.dataset.src || "") ? script.dataset.src : "";
  const browser = (navigator.languages || [navigator.language || ""]).map((tag) => tag.slice(0, 2).toLowerCase());
  const language = [asked, ...browser, DEFAULT_LANGUAGE].find((code) => code in LABELS);
  const labels = LABELS[language];

  const query = new URLSearchParams({ embed: "1" });
  if (asked in LABELS) query.set("lang", asked);
  if (source) query.set("src", source);

  const host = document.createElement("div");
  host.className = "kim-chat-widget";
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `
    <style>
      :host { all: initial; }
      .kim { position: fixed; inset-block-end: 1rem; inset-inline-end: 1rem; z-index: 2147483000;
             display: flex; flex-direction: column; align-items: flex-end; gap: 0.5rem;
             font: 1rem/1.4 system-ui, "Noto Sans", "Noto Sans Arabic", sans-serif; }
      button { font: inherit; min-height: 2.75rem; padding: 0.625rem 1rem; border-radius: 1.5rem;
               border: 2px solid #fff; background: #0b5394; color: #fff; cursor: pointer;
               box-shadow: 0 2px 8px rgb(0 0 0 / 0.35); }
      button:focus-visible { outline: 3px solid #b34700; outline-offset: 2px; }
      .panel { display: flex; flex-direction: column; width: min(24rem, calc(100vw - 2rem));
               height: min(38rem, calc(100vh - 6rem)); background: #fff; border: 2px solid #0b5394;
               border-radius: 0.75rem; overflow: hidden; box-shadow: 0 4px 16px rgb(0 0 0 / 0.35); }
      .panel[hidden] { display: none; }
      .bar { display: flex; justify-content: flex-end; padding: 0.25rem; background: #0b5394; }
      .bar button { box-shadow: none; padding: 0.25rem 0.75rem; min-height: 2.25rem; }
      iframe { flex: 1; width: 100%; border: 0; }
    </style>
    <div class="kim" part="widget">
      <div class="panel" id="kim-panel" role="dialog" hidden>
        <div class="bar"><button type="button" class="close"></button></div>
      </div>
      <button type="button" class="launcher" aria-expanded="false" aria-controls="kim-panel"></button>
    </div>`;
  const box = root.querySelector(".kim");
  const panel = root.querySelector(".panel");
  const launcher = root.querySelector(".launcher");
  const close = root.querySelector(".close");
  // The corner follows the website's direction; the labels and the chat, the chat's language.
  box.dir = getComputedStyle(document.documentElement).direction === "rtl" ? "rtl" : "ltr";
  for (const part of [launcher, panel]) {
    part.lang = language;
    part.dir = labels.dir;
  }
  launcher.textContent = labels.open;
  close.textContent = labels.close;
  panel.setAttribute("aria-label", labels.open);
  let frame = null;

  function open() {
    if (!frame) {
      // The chat starts only when the visitor asks for it: no request to us before that.
      frame = document.createElement("iframe");
      frame.title = labels.open;
      frame.src = `${origin}/?${query}`;
      frame.allow = "clipboard-write";
      panel.appendChild(frame);
    }
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    frame.focus();
  }

  function shut() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : shut()));
  close.addEventListener("click", shut);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) shut();
  });
  // Escape inside the chat: the chat page asks to be closed.
  window.addEventListener("message", (event) => {
    if (event.origin === origin && frame && event.source === frame.contentWindow
        && event.data && event.data.kim === "close" && !panel.hidden) shut();
  });
  const mount = () => document.body.appendChild(host);
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();

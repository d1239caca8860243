// The minimal chat page: posts to /api/v1/chat and shows answers and buttons.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("chat-config").textContent);
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const status = document.getElementById("status");
  const restart = document.getElementById("restart");
  const STORE = "kim.chat";

  function newSender() {
    return "web-" + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
  }
  let state = JSON.parse(localStorage.getItem(STORE) || "null") || { sender: newSender(), items: [] };
  const save = () => localStorage.setItem(STORE, JSON.stringify(state));

  function setLanguage(code) {
    document.documentElement.lang = code;
    document.documentElement.dir = config.directions[code] || "ltr";
  }

  // Links the bot sends (calendar file, feedback) become real links; everything else stays text.
  function appendText(parent, text) {
    const parts = (text || "").split(/(https?:\/\/[^\s]+)/);
    parts.forEach((part, index) => {
      if (index % 2 === 1) {
        const link = document.createElement("a");
        link.href = part;
        link.textContent = part;
        link.dir = "ltr";
        // Inside the website's widget a link opens beside the chat, which stays as it was.
        if (config.embedded) { link.target = "_blank"; link.rel = "noopener"; }
        parent.appendChild(link);
      } else if (part) {
        parent.appendChild(document.createTextNode(part));
      }
    });
  }

  function render(item, interactive) {
    const li = document.createElement("li");
    li.className = item.who;
    li.lang = item.language;
    li.dir = config.directions[item.language] || "auto";
    appendText(li, item.text);
    if (interactive && item.buttons && item.buttons.length) {
      const group = document.createElement("div");
      group.className = "choices";
      for (const b of item.buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.dataset.payload = b.payload;
        button.addEventListener("click", () => send(b.payload, b.title));
        group.appendChild(button);
      }
      li.appendChild(group);
    }
    log.appendChild(li);
  }

  function show(item) {
    state.items.push(item);
    save();
    document.querySelectorAll(".choices").forEach((c) => c.remove());
    render(item, true);
  }

  async function send(text, shown, silent) {
    status.textContent = "";
    if (!silent) show({ who: "me", text: shown || text, language: document.documentElement.lang });
    try {
      const response = await fetch("/api/v1/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept-Language": document.documentElement.lang },
        body: JSON.stringify({ sender_id: state.sender, text, language: state.pick || null, source: config.source || null }),
      });
      state.pick = null;
      const data = await response.json();
      if (!response.ok) { status.textContent = data.message || response.statusText; return; }
      setLanguage(data.language);
      for (const m of data.messages) show({ who: "bot", text: m.text, buttons: m.buttons, language: data.language });
    } catch (error) {
      status.textContent = error.message;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  // A new conversation starts with the assistant's greeting, in the page's language.
  function greet() {
    state.pick = config.language;
    send("/greet", null, true);
  }

  // Inside the website's widget Escape closes the panel (embed.js listens for this message).
  if (config.embedded && window.parent !== window) {
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") window.parent.postMessage({ kim: "close" }, "*");
    });
  }

  restart.addEventListener("click", () => {
    state = { sender: newSender(), items: [] };
    save();
    log.replaceChildren();
    greet();
    input.focus();
  });

  if (new URLSearchParams(location.search).has("lang")) state.pick = config.language;
  state.items.forEach((item, i) => render(item, i === state.items.length - 1));
  if (!state.items.length) greet();
})();

// 政务运维服务台 · 沙盒页面。只用 textContent / createElement 构建 DOM，从不使用 innerHTML。
"use strict";

const state = {
  personas: [],
  persona: null,
  chats: [],
  chatId: null,
  version: -1,
  chatVersions: {},
  seen: {},
  rendered: null,
  replyTo: null,
  clock: null,
};

const $ = (id) => document.getElementById(id);
const AVATAR_COLORS = ["#1f5fbf", "#b3261e", "#2e7d32", "#8e44ad", "#c77700", "#00838f", "#5d4037"];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options) {
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) throw new Error((data && data.error) || `请求失败（${response.status}）`);
  return data;
}

function postJson(path, body) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

// ---------- 提示 ----------
let toastTimer = null;
function toast(text, isError) {
  const node = $("toast");
  node.textContent = text;
  node.classList.toggle("error", Boolean(isError));
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, isError ? 4000 : 2500);
}

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert-backdrop").hidden = false;
  $("alert-ok").focus();
}

// ---------- 头像 ----------
function avatar(name, seed) {
  const color = AVATAR_COLORS[Math.abs(Number(seed)) % AVATAR_COLORS.length];
  const node = el("span", { class: "avatar", text: (name || "?").slice(0, 1) });
  node.style.background = color;
  return node;
}

// ---------- 身份 ----------
function renderPersonas() {
  const list = $("persona-list");
  list.replaceChildren();
  for (const persona of state.personas) {
    const active = state.persona && state.persona.telegram_id === persona.telegram_id;
    list.append(el("li", {
      class: "persona-item" + (active ? " active" : ""),
      "data-testid": "persona-item",
      "data-persona-id": persona.telegram_id,
      onclick: () => selectPersona(persona.telegram_id),
    },
    avatar(persona.name, persona.telegram_id),
    el("div", { class: "item-body" },
      el("div", { class: "item-title", "data-testid": "persona-name", text: persona.name }),
      el("div", { class: "item-sub", "data-testid": "persona-role", text: persona.role_label }))));
  }
}

async function selectPersona(personaId) {
  state.persona = state.personas.find((p) => p.telegram_id === personaId) || null;
  state.chatId = null;
  state.rendered = null;
  state.seen = {};
  setReplyTo(null);
  renderPersonas();
  $("acting-as").textContent = state.persona
    ? `正在以「${state.persona.name}」的身份操作` : "";
  location.hash = state.persona ? `persona=${personaId}` : "";
  await loadChats();
  if (state.chats.length) await selectChat(state.chats[0].chat_id);
}

// ---------- 会话列表 ----------
async function loadChats() {
  if (!state.persona) return;
  const data = await api(`/api/chats?persona=${state.persona.telegram_id}`);
  state.chats = data.chats;
  for (const chat of state.chats) {
    if (!(chat.chat_id in state.seen)) state.seen[chat.chat_id] = chat.version;
  }
  renderChats();
}

function renderChats() {
  const list = $("chat-list");
  list.replaceChildren();
  for (const chat of state.chats) {
    const active = chat.chat_id === state.chatId;
    const unread = !active && chat.version > (state.seen[chat.chat_id] || 0);
    const icon = el("span", { class: "avatar", text: chat.kind === "private" ? "机" : "群" });
    icon.style.background = chat.kind === "private" ? "#b3261e" : "#1f5fbf";
    list.append(el("li", {
      class: "chat-item" + (active ? " active" : ""),
      "data-testid": "chat-item",
      "data-chat-id": chat.chat_id,
      onclick: () => selectChat(chat.chat_id),
    },
    icon,
    el("div", { class: "item-body" },
      el("div", { class: "item-title", text: chat.title }),
      el("div", { class: "item-sub", text: chat.last || (chat.kind === "private" ? "与机器人的私聊" : "工作群") })),
    unread ? el("span", { class: "unread", "data-testid": "chat-unread" }) : null));
  }
}

async function selectChat(chatId) {
  state.chatId = chatId;
  state.rendered = null;
  setReplyTo(null);
  const chat = state.chats.find((c) => c.chat_id === chatId);
  $("chat-title").textContent = chat ? chat.title : "";
  $("chat-sub").textContent = chat && chat.kind === "private"
    ? "私聊 · 政务运维服务台机器人" : "群组 · 机器人与团队成员";
  renderChats();
  await loadMessages(true);
  $("message-input").focus();
}

// ---------- 消息 ----------
const ENTITY_TAGS = {
  bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code",
  pre: "pre", blockquote: "blockquote", expandable_blockquote: "blockquote",
};

function safeUrl(url) {
  return /^(https?:|tg:|mailto:)/i.test(url || "") ? url : null;
}

function entityNode(entity, text) {
  if (entity.type === "text_link" || entity.type === "url") {
    const href = safeUrl(entity.type === "url" ? text : entity.url);
    return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }) : el("span");
  }
  if (entity.type === "spoiler") {
    const node = el("span", { class: "spoiler", title: "点击显示" });
    node.addEventListener("click", (event) => { event.stopPropagation(); node.classList.add("revealed"); });
    return node;
  }
  if (entity.type === "bot_command") {
    const node = el("span", { class: "cmd", title: "点击发送此命令" });
    node.addEventListener("click", (event) => { event.stopPropagation(); sendText(text); });
    return node;
  }
  return el(ENTITY_TAGS[entity.type] || "span", { class: entity.type === "mention" ? "cmd" : null });
}

// 按 UTF-16 偏移（与 JavaScript 字符串一致）把 text + entities 构建成 DOM。
function buildEntities(parent, text, entities, start, end) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    if (entity.offset < pos) { i += 1; continue; }
    if (entity.offset >= end) break;
    parent.append(document.createTextNode(text.slice(pos, entity.offset)));
    const stop = Math.min(entity.offset + entity.length, end);
    const inner = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < stop) {
      if (entities[j].offset + entities[j].length <= stop) inner.push(entities[j]);
      j += 1;
    }
    const node = entityNode(entity, text.slice(entity.offset, stop));
    buildEntities(node, text, inner, entity.offset, stop);
    parent.append(node);
    pos = stop;
    i = j;
  }
  parent.append(document.createTextNode(text.slice(pos, end)));
}

function richText(text, entities) {
  const node = el("div", { class: "text", "data-testid": "message-text" });
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  buildEntities(node, text, sorted, 0, text.length);
  return node;
}

function formatSize(bytes) {
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

function mediaNodes(message) {
  const nodes = [];
  if (message.photo) {
    const img = el("img", { class: "photo", src: message.photo.url, alt: "图片", loading: "lazy" });
    img.addEventListener("click", (event) => { event.stopPropagation(); window.open(message.photo.url, "_blank"); });
    nodes.push(img);
  }
  if (message.document) {
    nodes.push(el("a", { class: "doc", href: message.document.url, target: "_blank",
      rel: "noopener", onclick: (event) => event.stopPropagation() },
    el("span", { class: "doc-icon", text: "文" }),
    el("span", {}, el("div", { text: message.document.name }),
      el("div", { class: "doc-size", text: formatSize(message.document.size) }))));
  }
  if (message.sticker) nodes.push(el("div", { class: "sticker", text: message.sticker }));
  if (message.voice !== undefined) nodes.push(el("div", { class: "voice", text: `语音 ${message.voice} 秒` }));
  return nodes;
}

function keyboardNode(message) {
  if (!message.buttons || !message.buttons.length) return null;
  const board = el("div", { class: "keyboard", "data-testid": "inline-keyboard" });
  for (const row of message.buttons) {
    const line = el("div", { class: "kb-row" });
    for (const button of row) {
      const node = el("button", {
        type: "button",
        class: "kb-btn" + (button.url ? " link" : ""),
        "data-testid": "inline-button",
        "data-callback-data": button.data,
        text: button.text,
      });
      node.addEventListener("click", (event) => { event.stopPropagation(); pressButton(message, button, node); });
      line.append(node);
    }
    board.append(line);
  }
  return board;
}

function messageNode(message, isGroup) {
  const direction = message.outgoing ? "out" : "in";
  const wrapper = el("div", {
    class: `msg ${direction}` + (message.deleted ? " deleted" : "") +
      (state.replyTo && state.replyTo.id === message.id ? " selected" : ""),
    "data-testid": "message",
    "data-message-id": message.id,
    "data-from-bot": message.from_bot ? "true" : "false",
    "data-direction": direction,
    "data-edit-version": message.edit_version,
  });
  if (message.deleted) {
    wrapper.append(el("div", { class: "bubble", text: "此消息已被删除" }));
    return wrapper;
  }
  const bubble = el("div", { class: "bubble", title: "点击回复此消息" });
  if (!message.outgoing && isGroup) {
    bubble.append(el("div", { class: "sender" + (message.from_bot ? " bot" : ""), text: message.from_name }));
  }
  if (message.reply_to) {
    bubble.append(el("div", { class: "quote" },
      el("div", { class: "quote-name", text: message.reply_to.from_name }),
      el("div", { class: "quote-text", text: message.reply_to.preview })));
  }
  bubble.append(...mediaNodes(message));
  const body = message.text !== null && message.text !== undefined ? message.text : message.caption;
  if (body) {
    const entities = message.text ? message.entities : message.caption_entities;
    bubble.append(message.from_bot ? richText(body, entities)
      : el("div", { class: "text", "data-testid": "message-text", text: body }));
  }
  bubble.append(el("div", { class: "meta", text: (message.edited ? "已编辑 · " : "") + message.time }));
  bubble.addEventListener("click", () => setReplyTo(message));
  wrapper.append(bubble);
  const board = keyboardNode(message);
  if (board) wrapper.append(board);
  return wrapper;
}

async function loadMessages(scrollToEnd) {
  if (!state.persona || state.chatId === null) return;
  const chatId = state.chatId;
  const data = await api(`/api/messages?persona=${state.persona.telegram_id}&chat_id=${chatId}`);
  if (chatId !== state.chatId) return;
  const list = $("message-list");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const isGroup = chatId < 0;
  const nodes = data.messages.map((m) => messageNode(m, isGroup));
  if (!nodes.length) nodes.push(el("div", { class: "empty-hint", text: "还没有消息，发送 /start 开始。" }));
  list.replaceChildren(...nodes);
  renderReplyKeyboard(data.reply_keyboard);
  state.rendered = data.version;
  state.seen[chatId] = data.version;
  if (scrollToEnd || nearBottom) list.scrollTop = list.scrollHeight;
}

function renderReplyKeyboard(rows) {
  const box = $("reply-keyboard");
  box.replaceChildren();
  for (const row of rows || []) {
    for (const label of row) {
      box.append(el("button", { type: "button", text: label, "data-testid": "reply-keyboard-button",
        onclick: () => sendText(label) }));
    }
  }
  box.hidden = !box.childElementCount;
}

// ---------- 回复 ----------
function setReplyTo(message) {
  state.replyTo = message && !message.deleted ? message : null;
  $("reply-preview").hidden = !state.replyTo;
  if (state.replyTo) {
    $("reply-name").textContent = `回复 ${state.replyTo.from_name}`;
    $("reply-text").textContent = state.replyTo.text || state.replyTo.caption || "[媒体]";
    $("message-input").focus();
  }
  for (const node of document.querySelectorAll(".msg")) {
    node.classList.toggle("selected", Boolean(state.replyTo) &&
      Number(node.dataset.messageId) === state.replyTo.id);
  }
}

// ---------- 发送 ----------
async function sendText(text) {
  if (!state.persona || state.chatId === null) { toast("请先选择身份和会话", true); return; }
  const body = { persona: state.persona.telegram_id, chat_id: state.chatId, text };
  if (state.replyTo) body.reply_to = state.replyTo.id;
  try {
    await postJson("/api/send", body);
    setReplyTo(null);
    await loadMessages(true);
  } catch (error) {
    toast(error.message, true);
  }
}

async function submitComposer(event) {
  if (event) event.preventDefault();
  const input = $("message-input");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  autoGrow();
  await sendText(text);
}

async function uploadFile(file) {
  if (!state.persona || state.chatId === null) { toast("请先选择身份和会话", true); return; }
  const form = new FormData();
  form.append("persona", String(state.persona.telegram_id));
  form.append("chat_id", String(state.chatId));
  const caption = $("message-input").value.trim();
  if (caption) form.append("caption", caption);
  if (state.replyTo) form.append("reply_to", String(state.replyTo.id));
  form.append("file", file, file.name);
  try {
    await api("/api/upload", { method: "POST", body: form });
    $("message-input").value = "";
    setReplyTo(null);
    await loadMessages(true);
  } catch (error) {
    toast(error.message, true);
  }
}

async function pressButton(message, button, node) {
  if (button.url) {
    const href = safeUrl(button.url);
    if (href) window.open(href, "_blank", "noopener");
    return;
  }
  if (button.data === null || button.data === undefined) return;
  node.classList.add("pending");
  try {
    const result = await postJson("/api/press", {
      persona: state.persona.telegram_id, chat_id: state.chatId,
      message_id: message.id, data: button.data,
    });
    const answer = result.answer;
    if (answer && answer.text) {
      if (answer.show_alert) showAlert(answer.text); else toast(answer.text);
    }
  } catch (error) {
    toast(error.message, true);
  } finally {
    node.classList.remove("pending");
  }
}

// ---------- 桌面时钟 ----------
function applyClock(clock) {
  state.clock = { offsetMs: clock.epoch_ms - Date.now(), zoneMs: clock.utc_offset_minutes * 60000,
    label: clock.zone_label };
  renderClock();
}

function pad(n) { return String(n).padStart(2, "0"); }

function renderClock() {
  if (!state.clock) return;
  const t = new Date(Date.now() + state.clock.offsetMs + state.clock.zoneMs);
  const text = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
  $("desk-time").textContent = `桌面时间 ${text} (${state.clock.label})`;
}

async function advanceClock(minutes, button) {
  const buttons = document.querySelectorAll(".clock-btn");
  buttons.forEach((b) => { b.disabled = true; });
  const label = button.textContent;
  try {
    applyClock(await postJson("/api/clock/advance", { minutes }));
    toast(`已${label}`);
  } catch (error) {
    toast(error.message, true);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// ---------- 实时更新（长轮询） ----------
async function pollLoop() {
  for (;;) {
    try {
      const data = await api(`/api/updates?since=${state.version}`);
      state.version = data.version;
      state.chatVersions = data.chats;
      if (data.clock) applyClock(data.clock);
      await applyVersions();
    } catch (error) {
      await sleep(1500);
    }
  }
}

async function applyVersions() {
  if (!state.persona) return;
  const changed = state.chats.some((c) => (state.chatVersions[c.chat_id] || 0) !== c.version);
  if (changed) await loadChats();
  const current = state.chatVersions[state.chatId];
  if (state.chatId !== null && current !== undefined && current !== state.rendered) {
    await loadMessages(false);
    renderChats();
  }
}

// ---------- 输入框 ----------
function autoGrow() {
  const input = $("message-input");
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
}

function wireControls() {
  $("composer").addEventListener("submit", submitComposer);
  $("message-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      submitComposer(event);
    }
  });
  $("message-input").addEventListener("input", autoGrow);
  $("upload-button").addEventListener("click", () => $("file-input").click());
  $("file-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) uploadFile(file);
  });
  $("reply-cancel").addEventListener("click", () => setReplyTo(null));
  $("alert-ok").addEventListener("click", () => { $("alert-backdrop").hidden = true; });
  for (const button of document.querySelectorAll(".clock-btn")) {
    button.addEventListener("click", () => advanceClock(Number(button.dataset.minutes), button));
  }
  setInterval(renderClock, 1000);
}

async function main() {
  wireControls();
  try {
    const [info, clock] = await Promise.all([api("/api/personas"), api("/api/clock")]);
    state.personas = info.personas;
    $("brand-title").textContent = info.title;
    document.title = info.title;
    applyClock(clock);
    renderPersonas();
    const wanted = Number((location.hash.match(/persona=(-?\d+)/) || [])[1]);
    const first = state.personas.find((p) => p.telegram_id === wanted) || state.personas[0];
    if (first) await selectPersona(first.telegram_id);
  } catch (error) {
    toast(`页面加载失败：${error.message}`, true);
  }
  pollLoop();
}

main();

// The web chat: be any of the emulator's users in a phone-like chat, through the control API only.
"use strict";

const API = "/control";
const POLL_MS = 700;

const WORDS = {
  en: {
    people: "Who are you?", clock: "Demo clock", plusHour: "+1 hour", plusDay: "+1 day",
    clockHint: "Reminders, evaluation prompts and digests fall due as time passes.",
    start: "START", message: "Message", pickPlace: "Share a location", pickHint: "Pick a place, or click the map.",
    cancel: "Cancel", sendLocation: "Send location", shareContact: "Share your phone number?", share: "Share",
    bot: "bot", as: "you are %s", edited: "edited", empty: "Nothing here yet. Press START or send /start.",
    ahead: "ahead of real time by %s", realTime: "real time", days: "%s d", hours: "%s h", minutes: "%s min",
    moving: "Moving the clock…", moved: "Time moved on: %s", queued: "%s messages sent",
    failed: "That did not work: %s", contact: "Contact", location: "Location", photo: "Photo", sticker: "Sticker",
    chosen: "Chosen: %s",
  },
  zh: {
    people: "您是谁？", clock: "演示时钟", plusHour: "+1 小时", plusDay: "+1 天",
    clockHint: "时间向前拨，提醒、评价邀请和每日简报随之到期。",
    start: "开始", message: "输入消息", pickPlace: "发送位置", pickHint: "选择一个地点，或在地图上点击。",
    cancel: "取消", sendLocation: "发送位置", shareContact: "分享您的手机号？", share: "分享",
    bot: "机器人", as: "您现在是 %s", edited: "已编辑", empty: "这里还没有消息。点“开始”或发送 /start。",
    ahead: "比真实时间快 %s", realTime: "真实时间", days: "%s 天", hours: "%s 小时", minutes: "%s 分钟",
    moving: "正在拨动时钟…", moved: "时间已前进：%s", queued: "已发出 %s 条消息",
    failed: "操作失败：%s", contact: "联系人", location: "位置", photo: "图片", sticker: "贴纸",
    chosen: "已选择：%s",
  },
};
const LANG = (new URLSearchParams(location.search).get("lang") || navigator.language || "en").toLowerCase()
  .startsWith("zh") ? "zh" : "en";
const t = (key, value) => WORDS[LANG][key].replace("%s", value === undefined ? "" : value);
const COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

const state = {
  me: null,          // the bot
  users: [],         // from GET /users
  current: null,     // uid shown
  chats: new Map(),  // uid -> {seq, messages: Map(id -> view), keyboard, seen}
  clock: { offset: 0, now: 0, timezone: "UTC" },
  places: [],
  busy: false,
};

const $ = (id) => document.getElementById(id);
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

async function call(method, path, body) {
  const response = await fetch(API + path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const result = await response.json();
  if (!response.ok) throw new Error(result.description || response.statusText);
  return result;
}

// ------------------------------------------------------------------ time

function formatTime(unix, options) {
  return new Intl.DateTimeFormat(LANG === "zh" ? "zh-CN" : "en-GB", { timeZone: state.clock.timezone, ...options })
    .format(new Date(unix * 1000));
}
const clockTime = (unix) => formatTime(unix, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

function span(seconds) {
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const parts = [];
  if (days) parts.push(t("days", days));
  if (hours) parts.push(t("hours", hours));
  if (minutes && !days) parts.push(t("minutes", minutes));
  return parts.join(" ") || t("minutes", 0);
}

function showClock() {
  const realNow = Date.now() / 1000;
  const now = realNow + state.clock.offset;
  $("clock-now").textContent = formatTime(now, {
    month: "short", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  $("clock-offset").textContent = state.clock.offset ? t("ahead", span(state.clock.offset)) : t("realTime");
}

async function advance(seconds) {
  if (state.busy) return;
  state.busy = true;
  for (const button of document.querySelectorAll("[data-advance]")) button.disabled = true;
  toast(t("moving"));
  try {
    const result = await call("POST", "/clock", { advance: seconds });
    state.clock = result;
    showClock();
    const parts = [t("moved", span(seconds))];
    if (result.queued) parts.push(t("queued", result.queued));
    toast(parts.join(" · "));
    await refreshUsers();
    await poll();
  } catch (error) {
    toast(t("failed", error.message));
  } finally {
    state.busy = false;
    for (const button of document.querySelectorAll("[data-advance]")) button.disabled = false;
  }
}

// ------------------------------------------------------------------ people

function initials(name) {
  const letters = [...name.trim()];
  return /[\u3400-\u9fff]/.test(name) ? letters.slice(-2).join("") : letters.filter((c, i) => i === 0 || name[i - 1] === " ").slice(0, 2).join("");
}

function chatOf(uid) {
  if (!state.chats.has(uid)) state.chats.set(uid, { seq: 0, messages: new Map(), keyboard: null, seen: 0, answers: new Set() });
  return state.chats.get(uid);
}

function showPeople() {
  const list = $("people");
  list.replaceChildren();
  state.users.forEach((user, index) => {
    const chat = chatOf(user.id);
    const unread = user.id !== state.current && user.seq > chat.seen;
    const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
    list.append(el("li", {},
      el("button", {
        type: "button", class: "person" + (user.id === state.current ? " current" : ""), "data-uid": user.id,
        onclick: () => choose(user.id),
      },
      el("span", { class: "avatar", style: `background:${COLORS[index % COLORS.length]}` }, initials(name)),
      el("span", { class: "who" }, el("span", { class: "name" }, name), user.about ? el("span", { class: "about" }, user.about) : null),
      unread ? el("span", { class: "unread" }, "●") : null)));
  });
}

async function refreshUsers() {
  state.users = await call("GET", "/users");
  for (const user of state.users) {
    // What was there when the page opened counts as read; a dot marks what arrives later in another chat.
    const chat = chatOf(user.id);
    if (chat.baseline === undefined) chat.baseline = chat.seen = user.seq;
  }
  if (state.current === null && state.users.length) {
    const asked = Number(new URLSearchParams(location.search).get("user"));
    state.current = state.users.some((u) => u.id === asked) ? asked : state.users[0].id;
  }
  showPeople();
}

function choose(uid) {
  state.current = uid;
  const user = state.users.find((u) => u.id === uid);
  $("bar-subtitle").textContent = user ? t("as", user.first_name) : t("bot");
  history.replaceState(null, "", `?user=${uid}${location.search.includes("lang=") ? `&lang=${LANG}` : ""}`);
  $("messages").replaceChildren();
  $("messages").dataset.seq = -1;
  renderChat(true);
  showPeople();
  poll();
}

// ------------------------------------------------------------------ formatted text

const TAGS = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre", blockquote: "blockquote",
  expandable_blockquote: "blockquote" };

function linkTarget(url) {
  // A link back to this bot with ?start=... acts as the deep link does in Telegram: it sends /start with the payload.
  const match = /^https?:\/\/t\.me\/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]{1,64})$/.exec(url || "");
  if (match && state.me && match[1].toLowerCase() === state.me.username.toLowerCase()) return { start: match[2] };
  return /^(https?|tg):/i.test(url || "") ? { url } : null;
}

function entityNode(entity, text) {
  const tag = TAGS[entity.type];
  if (tag) return el(tag);
  if (entity.type === "spoiler") {
    const node = el("span", { class: "spoiler" });
    node.addEventListener("click", () => node.classList.add("shown"));
    return node;
  }
  if (entity.type === "bot_command") {
    const node = el("span", { class: "command" });
    node.addEventListener("click", () => sendText(text));
    return node;
  }
  if (entity.type === "text_link" || entity.type === "url") {
    const target = linkTarget(entity.type === "url" ? text : entity.url);
    if (target && target.start) return el("a", { href: "#", onclick: (e) => { e.preventDefault(); sendText(`/start ${target.start}`); } });
    if (target) return el("a", { href: target.url, target: "_blank", rel: "noopener noreferrer" });
  }
  return el("span");
}

// Telegram's text plus entities (offsets in UTF-16 code units, as JavaScript strings count) as DOM nodes;
// built with text nodes only, so nothing the bot or a user wrote can inject markup.
function formatted(text, entities) {
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  function build(parent, start, end, list) {
    let pos = start;
    let i = 0;
    while (i < list.length) {
      const entity = list[i];
      const stop = Math.min(entity.offset + entity.length, end);
      let j = i + 1;
      while (j < list.length && list[j].offset < stop) j += 1;
      if (entity.offset > pos) parent.append(text.slice(pos, entity.offset));
      const node = entityNode(entity, text.slice(entity.offset, stop));
      build(node, Math.max(entity.offset, pos), stop, list.slice(i + 1, j));
      parent.append(node);
      pos = Math.max(pos, stop);
      i = j;
    }
    if (pos < end) parent.append(text.slice(pos, end));
  }
  const root = el("div", { class: "text" });
  build(root, 0, text.length, sorted);
  return root;
}

// ------------------------------------------------------------------ messages

function size(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function nearestPlace(latitude, longitude) {
  let best = null;
  for (const place of state.places) {
    const d = Math.hypot(place.latitude - latitude, (place.longitude - longitude) * Math.cos((latitude * Math.PI) / 180));
    if (d < 0.005 && (!best || d < best.d)) best = { place, d };
  }
  return best && best.place;
}

function pin(location) {
  const place = nearestPlace(location.latitude, location.longitude);
  return el("div", { class: "pin" }, el("span", { class: "dot" }),
    el("div", {}, el("div", {}, "📍 " + (place ? place.name : t("location"))),
      el("div", { class: "coords" }, `${location.latitude.toFixed(4)}, ${location.longitude.toFixed(4)}`)));
}

function messageNode(message) {
  const bubble = el("div", { class: "bubble" });
  const file = (view) => `${API}/files/${encodeURIComponent(view.file_id)}`;
  if (message.photo) {
    bubble.append(el("a", { href: file(message.photo), target: "_blank" },
      el("img", { class: "photo", src: file(message.photo), alt: message.photo.file_name || t("photo") })));
  }
  if (message.document) {
    const doc = message.document;
    bubble.append(el("a", { class: "document", href: file(doc), download: doc.file_name || "file" },
      el("span", { class: "icon" }, /sheet|excel|csv/.test(doc.mime_type) ? "▦" : "⬇"),
      el("span", {}, el("div", { class: "file-name" }, doc.file_name || "file"),
        el("div", { class: "file-size" }, `${size(doc.size)} · ${(doc.file_name || "").split(".").pop().toUpperCase()}`))));
  }
  if (message.location) bubble.append(pin(message.location));
  if (message.contact) bubble.append(el("div", {}, `👤 ${message.contact.first_name} · ${message.contact.phone_number}`));
  if (message.sticker) bubble.append(el("div", { style: "font-size:44px" }, message.sticker.emoji || "🙂"));
  const text = message.text ?? message.caption;
  const meta = el("span", { class: "meta" },
    message.edit_date ? el("span", { class: "edited" }, t("edited")) : null, clockTime(message.date));
  if (text) {
    const body = formatted(text, message.entities);
    body.append(meta);
    bubble.append(body);
  } else {
    bubble.append(meta);
  }
  const node = el("div", {
    class: `message ${message.from_bot ? "bot" : "user"}`, "data-id": message.message_id, "data-seq": message.seq,
  }, bubble);
  if (message.inline_keyboard && message.inline_keyboard.length) {
    const keyboard = el("div", { class: "inline-keyboard" });
    for (const row of message.inline_keyboard) {
      keyboard.append(el("div", { class: "row" }, ...row.map((button) => inlineButton(message, button))));
    }
    node.append(keyboard);
  }
  return node;
}

function inlineButton(message, button) {
  if (button.callback_data !== undefined) {
    return el("button", { type: "button", onclick: () => press(message.message_id, button.callback_data) }, button.text);
  }
  const target = linkTarget(button.url);
  return el("button", {
    type: "button", class: "link",
    onclick: () => target && target.start ? sendText(`/start ${target.start}`) : target && window.open(target.url, "_blank", "noopener"),
  }, button.text);
}

function renderChat(scroll) {
  if (state.current === null) return;
  const chat = chatOf(state.current);
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const shown = new Map([...box.querySelectorAll(".message")].map((node) => [Number(node.dataset.id), node]));
  const live = [...chat.messages.values()].filter((m) => !m.deleted).sort((a, b) => a.message_id - b.message_id);
  for (const [id, node] of shown) if (!chat.messages.has(id) || chat.messages.get(id).deleted) node.remove();
  let previous = null;
  for (const message of live) {
    let node = shown.get(message.message_id);
    if (!node || Number(node.dataset.seq) !== message.seq) {
      const fresh = messageNode(message);
      if (node) node.replaceWith(fresh); // an edit: the same message, changed in place
      else if (previous) previous.after(fresh);
      else box.prepend(fresh);
      node = fresh;
    }
    previous = node;
  }
  box.querySelector(".empty")?.remove();
  if (!live.length) box.append(el("div", { class: "empty" }, t("empty")));
  $("start").hidden = live.length > 0;
  showReplyKeyboard(chat.keyboard);
  chat.seen = chat.seq;
  if (scroll || nearBottom) box.scrollTop = box.scrollHeight;
}

function showReplyKeyboard(rows) {
  const box = $("reply-keyboard");
  box.replaceChildren();
  box.hidden = !rows || !rows.length;
  for (const row of rows || []) {
    box.append(el("div", { class: "row" }, ...row.map((button) => el("button", {
      type: "button", onclick: () => tapReply(button),
    }, button.text))));
  }
}

async function poll() {
  if (state.current === null) return;
  const uid = state.current;
  const chat = chatOf(uid);
  const view = await call("GET", `/users/${uid}/chat?since=${chat.seq}`);
  if (uid !== state.current) return;
  for (const message of view.messages) {
    const known = chat.messages.get(message.message_id);
    if (!known || known.seq <= message.seq) chat.messages.set(message.message_id, message);
  }
  for (const answer of view.callback_answers) {
    if (answer.answered && answer.text && !chat.answers.has(answer.callback_query_id)) toast(answer.text);
    if (answer.answered) chat.answers.add(answer.callback_query_id);
  }
  const changed = view.seq !== chat.seq || JSON.stringify(view.reply_keyboard) !== JSON.stringify(chat.keyboard);
  chat.seq = Math.max(chat.seq, view.seq);
  chat.keyboard = view.reply_keyboard;
  if (changed) renderChat(view.messages.some((m) => !m.from_bot));
  // How far the page has caught up with the chat: lets a browser test wait for exactly what the bot did.
  $("messages").dataset.seq = chat.seq;
}

// ------------------------------------------------------------------ acting

async function act(action, body) {
  try {
    await call("POST", `/users/${state.current}/${action}`, body);
    await poll();
  } catch (error) {
    toast(t("failed", error.message));
  }
}

const sendText = (text) => act("text", { text });
const press = (messageId, data) => act("press", { message_id: messageId, data });

function tapReply(button) {
  if (button.request_contact) {
    const user = state.users.find((u) => u.id === state.current);
    $("contact-phone").textContent = (user && user.phone_number) || "";
    openDialog($("contact-dialog"), () => act("reply", { label: button.text }));
  } else if (button.request_location) {
    pickLocation((spot) => act("reply", { label: button.text, ...spot }));
  } else {
    act("reply", { label: button.text });
  }
}

let onDialogConfirm = null;
function openDialog(dialog, confirm) {
  onDialogConfirm = confirm;
  dialog.showModal();
}

// ------------------------------------------------------------------ the location picker

let chosenSpot = null;
function pickLocation(send) {
  chosenSpot = null;
  $("location-send").disabled = true;
  $("map-choice").textContent = "";
  drawMap();
  const list = $("places");
  list.replaceChildren(...state.places.map((place, index) => el("li", {},
    el("button", { type: "button", "data-place": index, onclick: () => choosePlace(place, index) },
      place.name, place.note ? el("span", { class: "note" }, place.note) : null))));
  openDialog($("location-dialog"), () => chosenSpot && send(chosenSpot));
}

function bounds() {
  const spots = state.places.length ? state.places : [{ latitude: 24.48, longitude: 118.09 }];
  const lats = spots.map((p) => p.latitude);
  const lons = spots.map((p) => p.longitude);
  const pad = 0.02;
  return { south: Math.min(...lats) - pad, north: Math.max(...lats) + pad, west: Math.min(...lons) - pad, east: Math.max(...lons) + pad };
}

function drawMap() {
  const svg = $("map");
  const box = bounds();
  const ns = "http://www.w3.org/2000/svg";
  const make = (tag, attrs) => {
    const node = document.createElementNS(ns, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    return node;
  };
  const x = (lon) => ((lon - box.west) / (box.east - box.west)) * 320;
  const y = (lat) => ((box.north - lat) / (box.north - box.south)) * 220;
  svg.replaceChildren();
  for (let i = 1; i < 8; i += 1) svg.append(make("line", { class: "grid", x1: i * 40, y1: 0, x2: i * 40, y2: 220 }));
  for (let i = 1; i < 6; i += 1) svg.append(make("line", { class: "grid", x1: 0, y1: i * 40, x2: 320, y2: i * 40 }));
  state.places.forEach((place, index) => {
    const dot = make("circle", { class: "place", cx: x(place.longitude), cy: y(place.latitude), r: 5, "data-place": index });
    const title = make("title", {});
    title.textContent = place.name;
    dot.append(title);
    dot.addEventListener("click", (event) => { event.stopPropagation(); choosePlace(place, index); });
    svg.append(dot);
  });
  svg.onclick = (event) => {
    const rect = svg.getBoundingClientRect();
    const px = ((event.clientX - rect.left) / rect.width) * 320;
    const py = ((event.clientY - rect.top) / rect.height) * 220;
    const spot = {
      latitude: Number((box.north - (py / 220) * (box.north - box.south)).toFixed(5)),
      longitude: Number((box.west + (px / 320) * (box.east - box.west)).toFixed(5)),
    };
    mark(spot, `${spot.latitude}, ${spot.longitude}`);
  };
  svg.mark = (spot) => {
    svg.querySelector(".mark")?.remove();
    svg.append(make("circle", { class: "mark", cx: x(spot.longitude), cy: y(spot.latitude), r: 7 }));
  };
}

function mark(spot, label) {
  chosenSpot = spot;
  $("map").mark(spot);
  $("map-choice").textContent = t("chosen", label);
  $("location-send").disabled = false;
}

function choosePlace(place, index) {
  for (const node of document.querySelectorAll(".places button")) node.classList.toggle("chosen", Number(node.dataset.place) === index);
  mark({ latitude: place.latitude, longitude: place.longitude }, place.name);
}

// ------------------------------------------------------------------ little things

let toastTimer = null;
function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 3500);
}

function translatePage() {
  document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-placeholder]")) node.placeholder = t(node.dataset.tPlaceholder);
}

function wire() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("text");
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    sendText(text);
  });
  $("start").addEventListener("click", () => sendText("/start"));
  $("attach").addEventListener("click", () => pickLocation((spot) => act("location", spot)));
  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", () => advance(Number(button.dataset.advance)));
  }
  for (const [dialog, ok, cancel] of [["location-dialog", "location-send", "location-cancel"], ["contact-dialog", "contact-send", "contact-cancel"]]) {
    $(ok).addEventListener("click", () => { $(dialog).close(); if (onDialogConfirm) onDialogConfirm(); });
    $(cancel).addEventListener("click", () => $(dialog).close());
  }
}

async function main() {
  translatePage();
  wire();
  [state.me, state.clock, state.places] = await Promise.all([call("GET", "/me"), call("GET", "/clock"), call("GET", "/places")]);
  $("bot-name").textContent = state.me.first_name;
  document.title = state.me.first_name;
  showClock();
  setInterval(showClock, 15000);
  await refreshUsers();
  if (state.current !== null) choose(state.current);
  const loop = async () => {
    try {
      await poll();
    } catch (error) {
      // The emulator stopped or restarted; keep trying quietly.
    }
    setTimeout(loop, POLL_MS);
  };
  setTimeout(loop, POLL_MS);
  setInterval(() => refreshUsers().catch(() => {}), 3000);
}

main();

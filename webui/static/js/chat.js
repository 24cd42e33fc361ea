// The Chat view: one Socket.IO connection, authenticated by the session cookie the browser
// sends with the handshake. Messages arrive as `chat` events (our own included); the ack
// only tells us the server stored what we sent.

import { io } from "../vendor/socket.io.esm.min.js";
import { CHAT_MAX_LENGTH as MAX_LENGTH } from "./rules.js";
import { parseTime } from "./times.js";

const ACK_TIMEOUT_MS = 10000;
const PAGE_SIZE = 50;
const NEAR_EDGE_PX = 96;
const RUN_GAP_MS = 5 * 60 * 1000;

const CONNECTION_TEXT = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" });

function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

function dayLabel(date) {
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(date) === dayKey(today)) return "Today";
  if (dayKey(date) === dayKey(yesterday)) return "Yesterday";
  return dayFormat.format(date);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The sentence to show for a failed emit: a timeout, or an error reply from the server. */
function failure(err, reply) {
  if (err) return "The server did not answer in time. Check the connection and try again.";
  if (reply && typeof reply.error === "string") {
    const wait = Number(reply.retry_after);
    // Say how long to wait, unless the server's sentence already does.
    if (wait > 0 && !/\d/.test(reply.error)) return `${reply.error} Try again in ${Math.ceil(wait)} s.`;
    return reply.error;
  }
  return null;
}

export class Chat {
  /**
   * @param {object} hooks `onSessionEnded(reason)`: the server no longer knows this session.
   *   `checkSession()`: resolves to the user, or null, from the REST API.
   *   `onOnline(count, shown)`: how many users are online now (null while not connected);
   *   `shown` is false where this user may not see it (CHAT=off, PRESENCE).
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.socket = null;
    this.user = null;
    this.byId = new Map();
    this.oldestId = null;
    this.newestId = null;
    this.lastSeq = null; // the newest message's place in the room: a gap after it is fetched
    this.catchingUp = false;
    this.behind = false; // a live message came while catching up: ask again after
    this.hasMore = false;
    this.historyLoaded = false;
    this.loadingHistory = false;
    this.online = new Set();

    this.view = document.getElementById("view-chat");
    this.scroller = document.getElementById("messages");
    this.list = document.getElementById("message-list");
    this.earlier = document.getElementById("load-earlier");
    this.historyStatus = document.getElementById("history-status");
    this.newBelow = document.getElementById("new-below");
    this.composer = document.getElementById("composer");
    this.input = document.getElementById("composer-text");
    this.composerError = document.getElementById("composer-error");
    this.conn = document.getElementById("conn");
    this.connText = document.getElementById("conn-text");
    this.reconnect = document.getElementById("reconnect");
    this.onlineList = document.getElementById("online-list");
    this.onlineCount = document.getElementById("online-count");

    this.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send();
      }
    });
    this.input.addEventListener("input", () => {
      this.clearComposerError();
      this.fitComposer();
    });
    this.scroller.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.earlier.addEventListener("click", () => this.loadHistory());
    this.newBelow.addEventListener("click", () => this.scrollToEnd());
    this.reconnect.addEventListener("click", () => this.socket && this.socket.connect());
    window.addEventListener("online", () => this.showConnection());
    window.addEventListener("offline", () => this.showConnection());
  }

  /**
   * What the server offers (GET /api/config): without chat the connection only carries
   * what sign-in needs (a session ended elsewhere); `who` is asked only where PRESENCE
   * lets this user see it.
   */
  configure({ chat = true, presence = "everyone" } = {}) {
    this.offers = { chat, presence };
  }

  /** May this user ask who is online? */
  mayAskWho() {
    const { chat = true, presence = "everyone" } = this.offers || {};
    return chat && (presence === "everyone" || (presence === "admins" && this.user?.role === "admin"));
  }

  /** Open the connection for `user` (a no-op when it is already open for them). */
  start(user) {
    if (this.socket && this.user && this.user.id === user.id) return;
    this.stop();
    this.user = user;
    this.setState("connecting");
    // WebSocket first (no sticky sessions needed behind several workers), long-polling as
    // the fallback where a proxy blocks WebSockets.
    const socket = io({ path: "/socket.io", transports: ["websocket", "polling"], tryAllTransports: true });
    this.socket = socket;
    socket.on("connect", () => this.setState("connected"));
    socket.on("connected", (hello) => this.onConnected(hello));
    socket.on("disconnect", (reason) => {
      this.online.clear();
      this.renderOnline();
      this.setState(socket.active ? "reconnecting" : "offline");
      if (reason === "io server disconnect" && this.socket === socket) this.checkSession();
    });
    socket.on("connect_error", () => {
      // `active` is false when the server refused us (no valid session), not when it is down.
      if (socket.active) this.setState("reconnecting");
      else this.checkSession();
    });
    socket.io.on("reconnect_attempt", () => this.setState("reconnecting"));
    socket.on("chat", (message) => this.onChat(message));
    // Not chat: a new device asks this account's signed-in devices to approve its sign-in.
    // A refused answer comes back in the ack (the prompt shows it) and as an `error`
    // event, which is then no chat error: `answering` counts the answers in flight.
    let answering = 0;
    socket.on("login_approval_request", (request) => this.hooks.onApprovalRequest?.(
      request, (answer) => new Promise((resolve) => {
        answering += 1;
        socket.timeout(ACK_TIMEOUT_MS).emit("login_approval_answer", answer, (err, reply) => {
          answering -= 1;
          resolve(err ? { error: failure(err, null) } : reply);
        });
      }),
    ));
    socket.on("login_approval_closed", (closed) => this.hooks.onApprovalClosed?.(closed));
    // Not chat either: the account's role was given or taken away (by an admin or the operator).
    socket.on("role_changed", ({ role } = {}) => this.onRoleChanged(role));
    socket.on("presence", ({ user: name, online }) => {
      if (online) this.online.add(name);
      else this.online.delete(name);
      this.renderOnline();
    });
    socket.on("session_revoked", ({ reason } = {}) => this.end(reason || "Your session was ended."));
    socket.on("auth_error", ({ error } = {}) => this.end(error || "Your session has ended."));
    socket.on("error", (reply) => {
      if (answering) return; // the approval prompt shows it
      this.showComposerError(failure(null, reply) || "Something went wrong.");
    });
  }

  /** Close the connection and forget everything shown. */
  stop() {
    if (this.socket) {
      this.socket.removeAllListeners();
      this.socket.io.removeAllListeners();
      this.socket.disconnect();
    }
    this.socket = null;
    this.user = null;
    this.clearMessages();
    this.loadingHistory = false;
    this.online.clear();
    this.renderOnline();
    this.earlier.hidden = true;
    this.historyStatus.textContent = "";
    this.newBelow.hidden = true;
    this.clearComposerError();
    this.input.value = "";
  }

  clearMessages() {
    this.byId.clear();
    this.oldestId = this.newestId = this.lastSeq = null;
    this.catchingUp = this.behind = false;
    this.hasMore = false;
    this.historyLoaded = false;
    this.list.replaceChildren();
  }

  end(reason) {
    const ended = this.hooks.onSessionEnded;
    this.stop();
    ended(reason);
  }

  async checkSession() {
    const socket = this.socket;
    let user;
    try {
      user = await this.hooks.checkSession();
    } catch {
      user = undefined;
    }
    if (socket !== this.socket) return;
    if (user === null) this.end("Your session has ended. Log in again to chat.");
    else this.setState("offline");
  }

  onConnected(hello) {
    if (!hello || !hello.user) {
      this.checkSession();
      return;
    }
    this.setState("connected");
    this.clearComposerError();
    this.view.querySelector(".online").hidden = !this.mayAskWho();
    if (this.mayAskWho()) this.refreshWho();
    // On a reconnect, fetch what was said while away (after the last seq shown).
    if (this.offers?.chat === false) return;
    if (this.lastSeq !== null) this.catchUp();
    else this.loadHistory({ latest: true });
  }

  /** The server already holds the new role for this socket (`who`, the admins' broadcasts):
   * show the online list only where the role may see it, and tell the page. */
  onRoleChanged(role) {
    if (!this.user || (role !== "admin" && role !== "user")) return;
    this.user = { ...this.user, role };
    this.online.clear();
    this.renderOnline();
    this.view.querySelector(".online").hidden = !this.mayAskWho();
    if (this.mayAskWho()) this.refreshWho();
    this.hooks.onRoleChanged?.(role);
  }

  /** A live message more than one seq past the last one shown means some never reached
   * us (a server briefly cut off from the others): it is shown with them, from history. */
  onChat(message) {
    const gap = this.lastSeq !== null && Number.isInteger(message?.seq) && message.seq > this.lastSeq + 1;
    if (gap || this.catchingUp) {
      this.behind = true;
      this.catchUp();
      return;
    }
    this.add([message], { live: true });
  }

  /** Fetch the messages after the last seq shown, page by page, oldest first; again while
   * live ones arrive meanwhile. A failure is retried at the next gap or reconnect. */
  catchUp() {
    if (!this.socket || this.catchingUp || this.lastSeq === null) return;
    this.catchingUp = true;
    this.behind = false;
    const socket = this.socket;
    socket.timeout(ACK_TIMEOUT_MS).emit("history", { after: this.lastSeq, limit: PAGE_SIZE }, (err, reply) => {
      if (socket !== this.socket) return;
      this.catchingUp = false;
      if (failure(err, reply) || !reply || !Array.isArray(reply.messages)) return;
      this.add(reply.messages, { live: false });
      if ((reply.has_more && reply.messages.length) || this.behind) this.catchUp();
    });
  }

  setState(state) {
    const changed = state !== this.state;
    this.state = state;
    this.showConnection();
    if (changed) this.renderOnline();
  }

  showConnection() {
    const state = navigator.onLine === false && this.state !== "connected" ? "offline" : this.state;
    this.conn.dataset.state = state;
    this.connText.textContent = CONNECTION_TEXT[state];
    this.reconnect.hidden = !(state === "offline" && this.socket && !this.socket.active && navigator.onLine !== false);
    this.composer.querySelector("[type=submit]").disabled = state !== "connected";
  }

  refreshWho() {
    this.socket.timeout(ACK_TIMEOUT_MS).emit("who", {}, (err, reply) => {
      if (err || !reply || !Array.isArray(reply.users)) return;
      this.online = new Set(reply.users);
      this.renderOnline();
    });
  }

  renderOnline() {
    const me = this.user ? this.user.username : null;
    const names = [...this.online].sort((a, b) => (a === me ? -1 : b === me ? 1 : a.localeCompare(b)));
    this.onlineList.replaceChildren(
      ...names.map((name) => {
        // A long name is cut with an ellipsis; the whole of it shows on hover.
        const item = el("li");
        item.title = name;
        item.append(el("span", "name", name));
        if (name === me) item.append(" ", el("span", "you", "(you)"));
        return item;
      }),
    );
    if (names.length === 0) {
      const unknown = this.state === "connected" ? "Loading…" : "Shown again once connected.";
      this.onlineList.replaceChildren(el("li", "nobody", unknown));
    }
    this.onlineCount.textContent = this.state === "connected" ? String(names.length) : "–";
    this.hooks.onOnline?.(this.state === "connected" ? names.length : null, this.mayAskWho());
  }

  loadHistory({ latest = false } = {}) {
    if (!this.socket || (this.loadingHistory && !latest)) return;
    if (!latest && !this.hasMore) return;
    const request = { limit: PAGE_SIZE };
    if (!latest && this.oldestId !== null) request.before = this.oldestId;
    this.loadingHistory = true;
    this.historyStatus.textContent = latest ? "" : "Loading earlier messages…";
    const socket = this.socket;
    socket.timeout(ACK_TIMEOUT_MS).emit("history", request, (err, reply) => {
      if (socket !== this.socket) return;
      this.loadingHistory = false;
      const problem = failure(err, reply) || (reply && Array.isArray(reply.messages) ? null : "Could not load messages.");
      if (problem) {
        this.historyStatus.textContent = `${problem}`;
        this.earlier.hidden = false;
        return;
      }
      const messages = reply.messages;
      if (latest && this.historyLoaded && reply.has_more && messages.length
          && messages[0].id > this.newestId) {
        // Away long enough to miss more than a page: start again from the latest one.
        this.clearMessages();
      }
      if (!latest || !this.historyLoaded) this.hasMore = Boolean(reply.has_more);
      this.historyLoaded = true;
      this.add(messages, { live: false });
      this.historyStatus.textContent = "";
      this.renderEdge();
    });
  }

  renderEdge() {
    this.earlier.hidden = !this.hasMore;
    const start = this.list.previousElementSibling.querySelector(".empty, .start");
    if (start) start.remove();
    if (!this.hasMore) {
      const note = this.byId.size === 0
        ? el("p", "empty", "No messages yet. Say hello!")
        : el("p", "help start", "This is the start of the conversation.");
      this.earlier.after(note);
    }
  }

  onScroll() {
    if (this.scroller.scrollTop < NEAR_EDGE_PX && this.hasMore && !this.loadingHistory) this.loadHistory();
    if (this.nearEnd()) this.newBelow.hidden = true;
  }

  nearEnd() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_EDGE_PX;
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.newBelow.hidden = true;
  }

  /** Show `messages` in id order (which is seq order): newer ones join the end, older ones
   * the top; each once, whether it came live or from history. */
  add(messages, { live }) {
    const fresh = messages.filter((m) => m && Number.isInteger(m.id) && !this.byId.has(m.id));
    for (const m of fresh) if (Number.isInteger(m.seq)) this.lastSeq = Math.max(this.lastSeq ?? 0, m.seq);
    if (fresh.length === 0) return;
    fresh.sort((a, b) => a.id - b.id);
    const wasNearEnd = this.nearEnd();
    const wasEmpty = this.byId.size === 0;
    const older = fresh.filter((m) => this.oldestId !== null && m.id < this.oldestId);
    const newer = fresh.filter((m) => this.oldestId === null || m.id > this.newestId);
    for (const m of fresh) this.byId.set(m.id, m);
    // A page of history is one change for screen readers, not fifty announcements.
    if (!live) this.list.setAttribute("aria-busy", "true");
    if (older.length) this.prepend(older);
    if (newer.length) this.append(newer);
    this.list.removeAttribute("aria-busy");
    this.oldestId = Math.min(...this.byId.keys());
    this.newestId = Math.max(...this.byId.keys());
    if (wasEmpty) {
      this.renderEdge();
      this.scrollToEnd();
      return;
    }
    if (!newer.length) return;
    const mine = newer.some((m) => this.user && m.user === this.user.username);
    if (wasNearEnd || mine || !live) this.scrollToEnd();
    else this.newBelow.hidden = false;
  }

  append(messages) {
    let lastDay = this.list.lastElementChild ? this.list.lastElementChild.dataset.day : null;
    const frag = document.createDocumentFragment();
    for (const m of messages) {
      const item = this.renderMessage(m);
      if (item.dataset.day !== lastDay) frag.append(this.renderDay(item.dataset.day, m));
      lastDay = item.dataset.day;
      frag.append(item);
    }
    const added = [...frag.children];
    this.list.append(frag);
    for (const item of added) this.linkRun(item);
  }

  prepend(messages) {
    const before = this.scroller.scrollHeight;
    const frag = document.createDocumentFragment();
    let lastDay = null;
    for (const m of messages) {
      const item = this.renderMessage(m);
      if (item.dataset.day !== lastDay) frag.append(this.renderDay(item.dataset.day, m));
      lastDay = item.dataset.day;
      frag.append(item);
    }
    // The old top day marker is redundant when the older page ends on the same day.
    const top = this.list.firstElementChild;
    if (top && top.classList.contains("day") && top.dataset.day === lastDay) top.remove();
    const oldFirst = this.list.querySelector(".msg");
    const added = [...frag.children];
    this.list.prepend(frag);
    for (const item of added) this.linkRun(item);
    if (oldFirst) this.linkRun(oldFirst);
    this.scroller.scrollTop += this.scroller.scrollHeight - before;
  }

  // A message right after one by the same author, within a few minutes, joins its run:
  // its name and time are then kept for screen readers only.
  linkRun(item) {
    if (!item.classList.contains("msg")) return;
    const previous = item.previousElementSibling;
    const joined = Boolean(previous && previous.classList.contains("msg")
      && previous.dataset.user === item.dataset.user
      && Number(item.dataset.time) - Number(previous.dataset.time) < RUN_GAP_MS);
    item.classList.toggle("cont", joined);
  }

  renderDay(key, message) {
    const marker = el("li", "day", dayLabel(parseTime(message.ts)));
    marker.dataset.day = key;
    marker.setAttribute("role", "separator");
    return marker;
  }

  renderMessage(message) {
    const when = parseTime(message.ts);
    const item = el("li", "msg");
    item.dataset.id = String(message.id);
    item.dataset.day = dayKey(when);
    item.dataset.user = message.user;
    item.dataset.time = String(when.getTime());
    if (this.user && message.user === this.user.username) item.classList.add("mine");
    const meta = el("div", "msg-meta");
    const time = el("time", "msg-time", timeFormat.format(when));
    time.dateTime = when.toISOString();
    time.title = fullFormat.format(when);
    meta.append(el("span", "msg-author", message.user), time);
    item.append(meta, el("p", "msg-text", message.text));
    return item;
  }

  send() {
    const text = this.input.value.trim();
    if (!text) {
      this.input.focus();
      return;
    }
    if (text.length > MAX_LENGTH) {
      this.showComposerError(`That message is too long: ${text.length} characters, the limit is ${MAX_LENGTH}.`);
      return;
    }
    if (!this.socket || !this.socket.connected) {
      this.showComposerError("Not connected right now. Your message is kept here; send it once the connection is back.");
      return;
    }
    const socket = this.socket;
    this.input.value = "";
    this.fitComposer();
    socket.timeout(ACK_TIMEOUT_MS).emit("chat", { text }, (err, reply) => {
      if (socket !== this.socket) return;
      const problem = failure(err, reply);
      if (!problem) return;
      if (!this.input.value) this.input.value = text;
      this.fitComposer();
      this.showComposerError(problem);
    });
  }

  showComposerError(message) {
    this.composerError.textContent = message;
    this.composerError.hidden = false;
    this.input.setAttribute("aria-invalid", "true");
  }

  // Emptied, not only hidden: a description names hidden text too, so a screen reader
  // would go on reading the old error.
  clearComposerError() {
    this.composerError.hidden = true;
    this.composerError.textContent = "";
    this.input.removeAttribute("aria-invalid");
  }

  // Grow the composer with its text where CSS `field-sizing` is not supported.
  fitComposer() {
    if (CSS.supports("field-sizing", "content")) return;
    this.input.style.height = "auto";
    this.input.style.height = `${this.input.scrollHeight + 2}px`;
  }

  focus() {
    this.input.focus();
  }
}

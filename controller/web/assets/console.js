// A machine's console page: opens the page's WebSocket (data-socket), sends keystrokes as binary
// frames, writes what the guest prints into xterm.js, and reconnects by itself (1 s, doubling up
// to 15 s) after the lab was reset or atelierd restarted, saying so on the state line. It does not
// reconnect after an idle close (code 4000) nor after a refusal: the state line says why.
// When xterm.js cannot be loaded, a plain text screen stands in, so the console still works.
// atelierd's text frames say who holds the keyboard ({"keyboard":"yours"|"trainer"|"candidate"|
// "nobody","who":NAME}): the candidate's page shows a banner while a trainer has taken over; a
// trainer's page says whether its keys go to the guest, with "take over" and "hand back" buttons
// that send the text frames "take-over" and "hand-back".
(function () {
  "use strict";
  var box = document.getElementById("terminal");
  var state = document.getElementById("console-state");
  if (!box || !state) return;
  function say(key) { state.textContent = box.getAttribute("data-msg-" + key) || key; state.setAttribute("data-state", key); }

  // The terminal: xterm.js (3.x or 5.x API) or a <pre> without escape sequences.
  var Term = window.Terminal && window.Terminal.Terminal ? window.Terminal.Terminal : window.Terminal;
  var screen, onKeys;
  if (typeof Term === "function") {
    var term = new Term({ cols: 80, rows: 24, convertEol: false, fontFamily: "DejaVu Sans Mono, monospace" });
    term.open(box);
    screen = function (text) { term.write(text); };
    onKeys = function (f) { if (term.onData) term.onData(f); else term.on("data", f); };
    window.atelierTerminal = term;
    term.focus();
  } else {
    var pre = document.createElement("pre");
    pre.className = "plain-terminal";
    pre.tabIndex = 0;
    box.appendChild(pre);
    var text = "";
    screen = function (chunk) {
      text += chunk.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r/g, "");
      if (text.length > 200000) text = text.slice(-100000);
      pre.textContent = text;
      pre.scrollTop = pre.scrollHeight;
    };
    onKeys = function (f) {
      pre.addEventListener("keydown", function (e) {
        var k = e.key, out = null;
        if (e.ctrlKey && k.length === 1) out = String.fromCharCode(k.toUpperCase().charCodeAt(0) - 64);
        else if (k === "Enter") out = "\r";
        else if (k === "Backspace") out = "\x7f";
        else if (k === "Tab") out = "\t";
        else if (k === "Escape") out = "\x1b";
        else if (k.length === 1) out = k;
        if (out !== null) { e.preventDefault(); f(out); }
      });
    };
    pre.focus();
  }
  box.atelierScreen = function () { return box.textContent; };

  var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + box.getAttribute("data-socket");
  var decoder = new TextDecoder("utf-8");
  var encoder = new TextEncoder();
  var socket = null, delay = 1000, stop = false;
  onKeys(function (data) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data));
  });
  function connect() {
    socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    var opened = false;
    socket.onopen = function () { opened = true; delay = 1000; say("connected"); };
    socket.onmessage = function (e) {
      if (typeof e.data === "string") { keyboard(e.data); return; }
      screen(decoder.decode(new Uint8Array(e.data), { stream: true }));
    };
    socket.onclose = function (e) {
      if (e.code === 4000) { stop = true; say("idle"); return; }
      // Never opened: refused (403, a signed-out cookie) or atelierd is down; both are retried a
      // few times, then the refusal is shown.
      if (!opened && delay >= 15000) { stop = true; say("refused"); return; }
      if (stop) { say("closed"); return; }
      say("reconnecting");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  // Who holds the keyboard, said in words on the banner (and as data-keyboard, for tests).
  var banner = document.getElementById("keyboard");
  var bannerText = document.getElementById("keyboard-state");
  var takeOver = document.getElementById("take-over");
  var handBack = document.getElementById("hand-back");
  var trainer = box.getAttribute("data-role") === "trainer";
  function keyboard(text) {
    var k;
    try { k = JSON.parse(text); } catch (err) { return; }
    if (!banner || !k || typeof k.keyboard !== "string") return;
    var key = null;
    if (trainer) {
      key = { yours: "kb_yours", candidate: "kb_watching", trainer: "kb_other_trainer", nobody: "kb_nobody" }[k.keyboard];
    } else {
      key = { trainer: "kb_trainer", candidate: "kb_other_tab" }[k.keyboard] || null;
    }
    banner.setAttribute("data-keyboard", k.keyboard);
    banner.hidden = !key;
    if (key) bannerText.textContent = (box.getAttribute("data-msg-" + key) || key).replace("{who}", k.who || "?");
    if (takeOver) takeOver.hidden = k.keyboard === "yours";
    if (handBack) handBack.hidden = k.keyboard !== "yours";
  }
  function send(word) { if (socket && socket.readyState === WebSocket.OPEN) socket.send(word); }
  if (takeOver) takeOver.addEventListener("click", function () { send("take-over"); });
  if (handBack) handBack.addEventListener("click", function () { send("hand-back"); });

  window.addEventListener("beforeunload", function () { stop = true; if (socket) socket.close(); });
  say("connecting");
  connect();
})();

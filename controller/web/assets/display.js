// A machine's screen page: noVNC's RFB client (Debian's novnc package, served by atelierd under
// /assets/novnc/) on the page's WebSocket (data-socket), which atelierd bridges to the guest's
// VNC display through libvirt. Like the console page it says its state in words on the state
// line and reconnects by itself (1 s, doubling up to 15 s) after a reset of the machine or a
// restart of atelierd; a socket that never opens is retried a few times, then the refusal is
// shown. A trainer's page only watches until "type on this screen" is pressed.
import RFB from "/assets/novnc/core/rfb.js";

const box = document.getElementById("screen");
const state = document.getElementById("console-state");
const typeButton = document.getElementById("display-type");
const trainer = box.getAttribute("data-role") === "trainer";
const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
    box.getAttribute("data-socket");
let rfb = null;
let delay = 1000;
let stop = false;
let typing = !trainer;

function say(key) {
  // A trainer who types reads the candidate's words (data-msg-typing); the state stays "connected".
  const words = key === "connected" && trainer && typing ? "typing" : key;
  state.textContent = box.getAttribute("data-msg-" + words) || key;
  state.setAttribute("data-state", key);
}

function connect() {
  let opened = false;
  rfb = new RFB(box, url, { shared: true });
  rfb.scaleViewport = true;
  rfb.viewOnly = !typing;
  window.atelierDisplay = rfb;
  rfb.addEventListener("connect", () => {
    opened = true;
    delay = 1000;
    say("connected");
    if (typing) rfb.focus();
  });
  rfb.addEventListener("disconnect", () => {
    rfb = null;
    if (stop) { say("closed"); return; }
    if (!opened && delay >= 15000) { stop = true; say("refused"); return; }
    say("reconnecting");
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 15000);
  });
}

if (typeButton) {
  const words = [typeButton.textContent, typeButton.getAttribute("data-msg-on")];
  typeButton.addEventListener("click", () => {
    typing = !typing;
    typeButton.setAttribute("aria-pressed", typing ? "true" : "false");
    typeButton.textContent = words[typing ? 1 : 0];
    if (rfb) {
      rfb.viewOnly = !typing;
      if (typing) rfb.focus();
    }
    if (state.getAttribute("data-state") === "connected") say("connected");
  });
}
window.addEventListener("beforeunload", () => { stop = true; if (rfb) rfb.disconnect(); });
say("connecting");
connect();

// The browser client: join the room, show what it says, send what you type.
// Plain JavaScript, no build step. Opening /?name=alice joins at once; adding &say=hello
// also sends "hello" as soon as the connection is open (the tests use both).
"use strict";

const params = new URLSearchParams(location.search);
const messages = document.getElementById("messages");
const joinForm = document.getElementById("join");
const sayForm = document.getElementById("say");

// textContent, never innerHTML: a message is text, even if it looks like <script>.
function show(text, className) {
  const item = document.createElement("li");
  item.className = className;
  item.textContent = text;
  messages.append(item);
  item.scrollIntoView({ block: "end" });
}

function describe(event) {
  if (event.event === "join") return [`${event.user} joined`, "notice"];
  if (event.event === "leave") return [`${event.user} left`, "notice"];
  return [`${event.user}: ${event.text}`, "message"];
}

function join(name, firstMessage) {
  // ws:// next to http://, wss:// next to https://, on the host that served this page.
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${scheme}//${location.host}/ws?name=${encodeURIComponent(name)}`;
  const socket = new WebSocket(url);
  document.body.dataset.state = "connecting";
  joinForm.hidden = true;

  socket.addEventListener("open", () => {
    document.body.dataset.state = "open";
    sayForm.hidden = false;
    sayForm.elements.text.focus();
    if (firstMessage) socket.send(JSON.stringify({ text: firstMessage }));
  });

  socket.addEventListener("message", (msg) => {
    const [text, className] = describe(JSON.parse(msg.data));
    show(text, className);
  });

  socket.addEventListener("close", (event) => {
    document.body.dataset.state = "closed";
    sayForm.hidden = true;
    joinForm.hidden = false;
    show(`disconnected (${event.code}${event.reason ? ": " + event.reason : ""})`, "notice");
  });

  // Leaving the page leaves the room. Without this, a page the browser keeps in its
  // back/forward cache would stay in the room, connected, unseen.
  window.addEventListener("pagehide", () => socket.close(1000, "left the page"), { once: true });

  sayForm.onsubmit = (event) => {
    event.preventDefault();
    const input = sayForm.elements.text;
    if (input.value.trim()) socket.send(JSON.stringify({ text: input.value }));
    input.value = "";
  };
}

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  join(joinForm.elements.name.value.trim());
});

if (params.get("name")) join(params.get("name"), params.get("say"));

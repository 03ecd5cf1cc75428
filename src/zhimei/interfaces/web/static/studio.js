/* zhimei studio: streamed generation (server-sent events over fetch, so the CSRF header can be
   sent), cancel, variants side by side. All model text is inserted as text nodes, never as HTML. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function hidden(name, value) {
    var input = el("input");
    input.type = "hidden";
    input.name = name;
    input.value = String(value);
    return input;
  }

  function requestBody(form) {
    var data = new FormData(form);
    var body = {};
    var options = {};
    var params = {};
    ["task", "text", "lang", "title"].forEach(function (key) {
      var value = data.get(key);
      if (value !== null && String(value) !== "") { body[key] = String(value); }
    });
    if (data.get("n")) { body.n = parseInt(String(data.get("n")), 10); }
    if (data.get("temperature")) { options.temperature = parseFloat(String(data.get("temperature"))); }
    if (data.get("max_tokens")) { options.max_tokens = parseInt(String(data.get("max_tokens")), 10); }
    if (data.get("length")) { params.length = parseInt(String(data.get("length")), 10); }
    if (Object.keys(options).length) { body.options = options; }
    if (Object.keys(params).length) { body.params = params; }
    return body;
  }

  function parseEvents(buffer, onEvent) {
    var parts = buffer.split("\n\n");
    var rest = parts.pop();
    parts.forEach(function (block) {
      var name = "message";
      var data = "";
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event: ") === 0) { name = line.slice(7); }
        else if (line.indexOf("data: ") === 0) { data += line.slice(6); }
      });
      var parsed = {};
      try { parsed = data ? JSON.parse(data) : {}; } catch (e) { parsed = {}; }
      onEvent(name, parsed);
    });
    return rest;
  }

  function setupStream(form) {
    var url = form.getAttribute("data-stream");
    var box = document.getElementById("variants");
    var status = document.getElementById("stream-status");
    var cancel = document.getElementById("cancel");
    var button = document.getElementById("generate");
    var controller = null;
    var streamId = null;
    var draftId = box && box.getAttribute("data-draft");
    var columns = {};
    var newest = 0;

    function say(key, extra) {
      status.textContent = (status.getAttribute("data-" + key) || key) + (extra ? ": " + extra : "");
      status.setAttribute("data-status", key);
    }

    function pickForm(number) {
      var pick = el("form", "pick-form");
      pick.method = "post";
      pick.action = "/drafts/" + draftId + "/restore";
      pick.appendChild(hidden("csrf_token", csrfToken()));
      pick.appendChild(hidden("revision", number));
      pick.appendChild(hidden("parent", newest));
      var submit = el("button", "pick", box.getAttribute("data-pick-label"));
      submit.type = "submit";
      submit.setAttribute("data-revision", String(number));
      pick.appendChild(submit);
      return pick;
    }

    function column(variant) {
      if (!columns[variant]) {
        var card = el("article", "variant streaming");
        card.setAttribute("data-variant", String(variant));
        card.appendChild(el("h3", null, box.getAttribute("data-variant-label") + " " + (variant + 1)));
        var text = el("div", "variant-text");
        card.appendChild(text);
        box.appendChild(card);
        columns[variant] = { card: card, text: text };
      }
      return columns[variant];
    }

    function onEvent(name, data) {
      if (name === "start") { streamId = data.stream; }
      else if (name === "variant") { column(data.variant); }
      else if (name === "text") { column(data.variant).text.appendChild(document.createTextNode(data.text)); }
      else if (name === "retry") { column(data.variant).text.textContent = ""; }
      else if (name === "draft") { draftId = String(data.id); }
      else if (name === "revision") {
        var col = column(data.variant);
        col.text.textContent = data.text;
        col.card.classList.remove("streaming");
        col.card.setAttribute("data-revision", String(data.number));
        newest = Math.max(newest, data.number);
        box.querySelectorAll('.pick-form input[name="parent"]').forEach(function (input) { input.value = String(newest); });
        col.card.appendChild(pickForm(data.number));
      } else if (name === "done") {
        say("done", "");
        status.textContent = "";
        var link = document.getElementById("draft-link");
        var target = link || box;
        var anchor = el("a", "button", box.getAttribute("data-open-label"));
        anchor.href = data.url;
        anchor.id = "open-draft";
        if (link) { link.textContent = ""; link.hidden = false; }
        target.appendChild(anchor);
        box.setAttribute("data-done", "1");
      } else if (name === "cancelled") { say("cancelled"); }
      else if (name === "error") { say("failed", data.message); }
    }

    function finish() {
      button.disabled = false;
      cancel.hidden = true;
      controller = null;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (controller) { return; }
      box.textContent = "";
      box.removeAttribute("data-done");
      columns = {};
      controller = new AbortController();
      button.disabled = true;
      cancel.hidden = false;
      say("generating");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify(requestBody(form)),
        signal: controller.signal
      }).then(function (response) {
        if (!response.ok) {
          return response.json().then(function (body) {
            var error = body && body.error ? body.error : { message: response.statusText };
            say("failed", error.message + (error.hint ? " (" + error.hint + ")" : ""));
          });
        }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) { return; }
            buffer = parseEvents(buffer + decoder.decode(chunk.value, { stream: true }), onEvent);
            return pump();
          });
        }
        return pump();
      }).catch(function (error) {
        if (error && error.name === "AbortError") { say("cancelled"); } else { say("failed", String(error)); }
      }).then(finish);
    });

    cancel.addEventListener("click", function () {
      var running = controller;
      if (!streamId) { if (running) { running.abort(); } return; }
      fetch("/api/streams/" + encodeURIComponent(streamId) + "/cancel", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrfToken() }
      }).catch(function () { return null; }).then(function () {
        window.setTimeout(function () { if (running) { running.abort(); } }, 1500);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("generate-form");
    if (form && form.getAttribute("data-stream")) { setupStream(form); }
  });
})();

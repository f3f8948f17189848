// Tidemark dashboard: progressive enhancement only. Every page works without this file;
// with it, the storage test runs in place, restore names are checked while typed, and
// operation pages follow their log live.
"use strict";

function csrfToken() {
  const main = document.getElementById("main");
  return main ? main.dataset.csrf || "" : "";
}

// Storage form: Save is enabled only by a passing test of exactly the current values.
function setupStorageForm(form) {
  const save = document.getElementById("save");
  const proof = document.getElementById("testProof");
  const testButton = document.getElementById("test-connection");
  const result = document.getElementById("test-result");
  const stateText = document.getElementById("test-state");
  const message = document.getElementById("test-message");
  const category = document.getElementById("test-category");
  const hint = document.getElementById("test-hint");

  function show(state, text, cat, hintText) {
    result.className = "test " + state;
    result.dataset.state = state;
    stateText.textContent = state.charAt(0).toUpperCase() + state.slice(1);
    message.textContent = text;
    category.textContent = cat ? "(" + cat + ")" : "";
    hint.textContent = hintText || "";
  }

  function showKind() {
    const checked = form.querySelector("input[name=kind]:checked");
    const kind = checked ? checked.value : (form.querySelector("input[type=hidden][name=kind]") || {}).value;
    form.querySelectorAll(".kind-local").forEach((el) => { el.hidden = kind !== "local"; });
    form.querySelectorAll(".kind-s3").forEach((el) => { el.hidden = kind !== "s3"; });
  }

  function invalidate() {
    if (proof.value === "" && save.disabled) return;
    proof.value = "";
    save.disabled = true;
    show("idle", "Values changed since the last test. Test the connection to enable Save.", "", "");
  }

  form.addEventListener("input", (event) => {
    if (event.target.name === "kind") showKind();
    invalidate();
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") showKind();
    invalidate();
  });
  showKind();

  testButton.addEventListener("click", async (event) => {
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    save.disabled = true;
    proof.value = "";
    testButton.disabled = true;
    show("testing", "Testing the connection: write, read, list and delete a probe object…", "", "");
    try {
      const response = await fetch("/ui/storages/test", {
        method: "POST",
        headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrfToken() },
        body: body,
        credentials: "same-origin",
      });
      const outcome = await response.json();
      if (!response.ok) {
        const error = outcome.error || {};
        show("failed", error.message || "the test could not run", error.code, error.hint);
      } else if (outcome.state === "passed") {
        // Only if nothing changed while the test ran.
        if (new URLSearchParams(new FormData(form)).toString() === body.toString()) {
          proof.value = outcome.proof || "";
          save.disabled = proof.value === "";
        }
        show("passed", outcome.message, "", "");
      } else {
        show("failed", outcome.message, outcome.category, outcome.hint);
      }
    } catch (error) {
      show("failed", "The server did not answer: " + error, "", "Check that tidemark serve is running.");
    } finally {
      testButton.disabled = false;
    }
  });
}

// Restore dialog: the new name is checked on the server while it is typed.
function setupRestoreForm(form) {
  const input = document.getElementById("newName");
  const status = document.getElementById("name-status");
  const submit = document.getElementById("start-restore");
  const table = document.getElementById("table");
  const tableScope = document.getElementById("scope-table");
  let timer = null;
  let sequence = 0;

  async function check() {
    const mine = ++sequence;
    const name = input.value.trim();
    if (name === "") {
      status.textContent = "";
      return;
    }
    status.textContent = "Checking " + name + "…";
    try {
      const response = await fetch(form.dataset.check + "?name=" + encodeURIComponent(name), { headers: { "Accept": "application/json" }, credentials: "same-origin" });
      const answer = await response.json();
      if (mine !== sequence) return;
      const available = response.ok && answer.available;
      const message = answer.message || (answer.error && answer.error.message) || "";
      status.textContent = message + (answer.hint ? " — " + answer.hint : "");
      status.className = available ? "sub ok-text" : "sub error-text";
      input.setAttribute("aria-invalid", available ? "false" : "true");
      submit.disabled = !available;
    } catch (error) {
      if (mine === sequence) status.textContent = "";
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
  if (table && tableScope) {
    table.addEventListener("change", () => { if (table.value !== "") tableScope.checked = true; });
  }
  check();
}

// Operation page: follow status, progress and the log tail until the operation ends.
function setupOperation(section) {
  if (section.dataset.finished === "true") return;
  let after = parseInt(section.dataset.after || "0", 10);
  const log = document.getElementById("op-log");

  async function poll() {
    try {
      const response = await fetch(section.dataset.state + "?after=" + after, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const state = await response.json();
      const status = document.getElementById("op-status");
      status.textContent = state.status;
      status.className = "badge " + state.statusClass;
      document.getElementById("op-step").textContent = state.step;
      document.getElementById("op-attempt").textContent = state.attempt + " of " + state.maxAttempts;
      document.getElementById("op-retryable").textContent = state.retryable;
      document.getElementById("op-progress-text").textContent = state.progressText;
      const bar = document.getElementById("op-progress");
      if (state.percent !== null && state.percent !== undefined) bar.value = state.percent;
      for (const line of state.lines) {
        const span = document.createElement("span");
        span.className = "line " + line.level;
        span.textContent = line.time + " " + line.level + " " + line.message;
        log.appendChild(span);
        log.appendChild(document.createTextNode("\n"));
        after = Math.max(after, line.sequence);
      }
      if (state.lines.length > 0) log.scrollTop = log.scrollHeight;
      if (state.finished) {
        // The final page shows the result, timings and the actions that now apply.
        window.location.reload();
        return;
      }
    } catch (error) {
      // The server may be restarting: keep trying, more slowly.
      setTimeout(poll, 3000);
      return;
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  const storage = document.getElementById("storage-form");
  if (storage) setupStorageForm(storage);
  const restore = document.getElementById("restore-form");
  if (restore) setupRestoreForm(restore);
  const operation = document.getElementById("operation");
  if (operation) setupOperation(operation);
});

// The dry-run panel beside a rule's form (tickets/admin/dry_run.py): posts the form as it stands,
// with the panel's ticket/days (and event/actor for triggers), and lists what the rule would do.
(function () {
  "use strict";

  function text(tag, value, cls) {
    const el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }

  function describe(change) {
    if (change.field === undefined) return "";
    const field = change.field || change.kind;
    const show = (v) => (v === null || v === undefined || v === "" ? "(none)" : typeof v === "object" ? JSON.stringify(v) : String(v));
    return field + ": " + show(change.old) + " → " + show(change.new);
  }

  function render(box, data) {
    box.replaceChildren();
    if (data.errors) {
      const list = text("ul", "", "dry-run-errors");
      for (const [field, messages] of Object.entries(data.errors)) {
        for (const message of messages) list.append(text("li", (field ? field + ": " : "") + message));
      }
      box.append(list);
      return;
    }
    box.append(text("p", data.tickets_matched + " of " + data.tickets_checked + " tickets match", "dry-run-summary"));
    const list = text("ul", "", "dry-run-results");
    for (const result of data.results) {
      const item = text("li", "", "dry-run-ticket" + (result.matched ? " is-match" : ""));
      item.dataset.ticket = result.ticket;
      let head = result.reference + " " + result.title + ": " + (result.matched ? "matches" : "does not match");
      if (result.policy_would_be !== undefined) head += " (policy " + result.policy_now + " → " + result.policy_would_be + ")";
      item.append(text("strong", head));
      const changes = Array.isArray(result.changes)
        ? result.changes.map(describe)
        : Object.entries(result.changes || {}).map(([field, c]) => describe({ field: field, old: c.old, new: c.new }));
      if (changes.length) {
        const sub = text("ul", "");
        for (const line of changes) sub.append(text("li", line, "dry-run-change"));
        item.append(sub);
      }
      if (result.error) item.append(text("p", "Refused: " + result.error, "dry-run-error"));
      list.append(item);
    }
    box.append(list);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const panel = document.getElementById("dry-run");
    if (!panel) return;
    const button = document.getElementById("dry-run-button");
    const box = document.getElementById("dry-run-result");
    button.addEventListener("click", async function () {
      const form = document.getElementById(panel.dataset.form);
      const data = new FormData(form);
      for (const field of panel.querySelectorAll("input, select")) data.set(field.name, field.value);
      if (panel.dataset.pk) data.set("dry_run_pk", panel.dataset.pk);
      box.textContent = "Running…";
      const response = await fetch(panel.dataset.url, { method: "POST", body: data, credentials: "same-origin" });
      render(box, await response.json());
    });
  });
})();

/* The ticket page: live updates and presence (short polling answered with 304), SLA countdowns,
   the public/internal toggle and the macro preview. Without JavaScript the forms still work. */
(function () {
  "use strict";
  const root = document.getElementById("ws");
  if (!root) return;
  const timeline = document.getElementById("ws-timeline");
  const box = timeline.closest(".ws-timeline-box");
  let after = Number(root.dataset.lastEvent);
  let etag = null;
  let lastKey = 0;
  const POLL_MS = 2500;

  function scrollToEnd() { box.scrollTop = box.scrollHeight; }
  scrollToEnd();

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function showViewers(viewers) {
    const bar = document.getElementById("ws-presence");
    bar.innerHTML = viewers.map(v =>
      `<span class="ws-viewer">${escapeHtml(v.name)}${v.typing ? " is typing…" : " is viewing"}</span>`).join("");
  }

  function showChanges(changes) {
    if (!changes || !changes.length) return;
    const banner = document.getElementById("ws-changed");
    const list = document.getElementById("ws-changed-list");
    const known = list.textContent ? list.textContent.split("; ") : [];
    list.textContent = known.concat(changes).join("; ");
    banner.hidden = false;
  }

  function addEntries(html) {
    if (!html) return;
    const template = document.createElement("template");
    template.innerHTML = html;
    const nearEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    template.content.querySelectorAll("[data-key]").forEach(node => {
      if (!timeline.querySelector(`[data-key="${node.dataset.key}"]`)) timeline.appendChild(node);
    });
    if (nearEnd) scrollToEnd();
  }

  async function poll() {
    const typing = Date.now() - lastKey < 5000 ? 1 : 0;
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const response = await fetch(`${root.dataset.liveUrl}?after=${after}&typing=${typing}`,
        { headers, credentials: "same-origin", cache: "no-store" });
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        const data = await response.json();
        addEntries(data.entries_html);
        showChanges(data.changes);
        after = Math.max(after, data.last_event_id);
        showViewers(data.viewers || []);
      }
    } catch (err) { /* offline for a moment: the next poll catches up */ }
    window.setTimeout(poll, POLL_MS);
  }
  window.setTimeout(poll, 300);

  // SLA countdowns
  function format(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    const text = d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m`;
    return ms >= 0 ? `${text} left` : `overdue by ${text}`;
  }
  function tick() {
    document.querySelectorAll(".ws-countdown[data-due]").forEach(el => {
      const ms = new Date(el.dataset.due).getTime() - Date.now();
      el.textContent = format(ms);
      el.classList.toggle("is-overdue", ms < 0);
    });
  }
  tick();
  window.setInterval(tick, 1000);

  // composer
  const composer = document.getElementById("composer");
  if (!composer) return;
  const body = document.getElementById("ws-body");
  body.addEventListener("input", () => { lastKey = Date.now(); });
  function syncVisibility() {
    const internal = composer.querySelector("input[name=visibility]:checked").value === "internal";
    composer.classList.toggle("is-internal", internal);
    document.getElementById("ws-warning").hidden = internal;
    document.getElementById("ws-note-hint").hidden = !internal;
    body.placeholder = internal ? "Write an internal note…" : "Write a reply…";
  }
  composer.querySelectorAll("input[name=visibility]").forEach(r => r.addEventListener("change", syncVisibility));
  syncVisibility();

  const select = document.getElementById("ws-macro-select");
  const preview = document.getElementById("ws-macro-preview");
  let previewed = null;
  select.addEventListener("change", async () => {
    if (!select.value) { preview.hidden = true; return; }
    const response = await fetch(root.dataset.previewUrl.replace(/0\/$/, `${select.value}/`), { credentials: "same-origin" });
    if (!response.ok) return;
    previewed = await response.json();
    previewed.id = select.value;
    document.getElementById("ws-macro-body").textContent = previewed.body || "(no message: changes only)";
    document.getElementById("ws-macro-kind").textContent = previewed.is_internal ? "Internal note" : "Public reply";
    document.getElementById("ws-macro-actions").innerHTML =
      (previewed.actions.length ? previewed.actions : ["no field changes"]).map(a => `<li>${escapeHtml(a)}</li>`).join("");
    preview.hidden = false;
  });
  document.getElementById("ws-macro-use").addEventListener("click", () => {
    if (!previewed) return;
    body.value = previewed.body;
    composer.querySelector(`input[name=visibility][value=${previewed.is_internal ? "internal" : "public"}]`).checked = true;
    syncVisibility();
    document.getElementById("ws-macro-id").value = previewed.id;
    document.getElementById("ws-macro-applied-list").textContent = previewed.actions.join("; ") || "none";
    document.getElementById("ws-macro-applied").hidden = false;
    preview.hidden = true;
    body.focus();
  });
  document.getElementById("ws-macro-cancel").addEventListener("click", () => {
    preview.hidden = true; select.value = "";
  });
})();

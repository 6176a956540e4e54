// Knowledge-base suggestions while a customer types the subject of a new request: after a short
// pause, the portal answers with a list of articles (an HTML fragment), shown under the field.
(function () {
  "use strict";
  var box = document.getElementById("suggestions");
  var title = document.getElementById("id_title");
  if (!box || !title) { return; }
  var timer = null, last = "", controller = null;
  function show(html) {
    box.innerHTML = html;
    box.hidden = html.trim() === "";
  }
  function ask() {
    var text = title.value.trim();
    if (text === last) { return; }
    last = text;
    if (text.length < 3) { show(""); return; }
    if (controller) { controller.abort(); }
    controller = new AbortController();
    fetch(box.dataset.url + "?title=" + encodeURIComponent(text), {
      headers: {"X-Requested-With": "fetch"}, credentials: "same-origin", signal: controller.signal
    }).then(function (r) { return r.ok ? r.text() : ""; }).then(show).catch(function () {});
  }
  title.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
})();

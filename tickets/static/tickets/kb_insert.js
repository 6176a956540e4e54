// The composer's "Article" picker: search the published public help articles (/api/v1/kb/articles/,
// the agent's session) and insert a Markdown link to the chosen one at the cursor of the reply.
(function () {
  "use strict";
  var input = document.getElementById("ws-kb-search");
  var list = document.getElementById("ws-kb-options");
  var button = document.getElementById("ws-kb-insert");
  var body = document.getElementById("ws-body");
  if (!input || !list || !button || !body) { return; }
  var found = {}, timer = null;
  function search() {
    var term = input.value.trim();
    if (term.length < 2 || found[term]) { return; }
    var url = input.dataset.api + "?status=published&visibility=public&search=" + encodeURIComponent(term);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) {
        list.innerHTML = "";
        data.results.forEach(function (a) {
          found[a.title] = a;
          var option = document.createElement("option");
          option.value = a.title;
          list.appendChild(option);
        });
      }).catch(function () {});
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 200); });
  button.addEventListener("click", function () {
    var article = found[input.value.trim()];
    if (!article) { input.focus(); return; }
    var link = "[" + article.title + "](" + window.location.origin + article.url + ")";
    var start = body.selectionStart || body.value.length, end = body.selectionEnd || start;
    body.value = body.value.slice(0, start) + link + body.value.slice(end);
    body.focus();
    body.selectionStart = body.selectionEnd = start + link.length;
    body.dispatchEvent(new Event("input", {bubbles: true}));
    input.value = "";
  });
})();

/* A small formatting editor for the minutes; without it the textarea still works.
   The server sanitises whatever arrives (meetings.minutes), so this only helps. */
(function () {
  "use strict";
  var form = document.querySelector(".minutes-form");
  if (!form) { return; }
  var source = form.querySelector("textarea[data-minutes-source]");
  var editor = form.querySelector(".editor");
  var toolbar = form.querySelector(".editor-toolbar");
  if (!source || !editor || !toolbar || !document.execCommand) { return; }
  var looksLikeHtml = /<[a-z][\s\S]*>/i.test(source.value);
  if (looksLikeHtml) {
    // Parse into an inert document: nothing in it runs while it is copied over.
    var doc = new DOMParser().parseFromString(source.value, "text/html");
    Array.prototype.forEach.call(doc.body.childNodes, function (node) {
      editor.appendChild(document.importNode(node, true));
    });
  } else {
    source.value.split(/\n\s*\n/).forEach(function (block) {
      if (!block.trim()) { return; }
      var p = document.createElement("p");
      p.textContent = block;
      editor.appendChild(p);
    });
  }
  form.classList.add("js-editor");
  editor.hidden = false;
  toolbar.hidden = false;
  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-cmd]");
    if (!button) { return; }
    editor.focus();
    document.execCommand(button.getAttribute("data-cmd"), false, button.getAttribute("data-arg"));
  });
  form.addEventListener("submit", function () {
    source.value = editor.innerHTML;
  });
})();

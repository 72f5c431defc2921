// Progressive enhancement only: every page works without this file.
// - a <select data-autosubmit> submits its form when it changes (the "Show" button
//   stays for keyboards and for browsers without scripts);
// - printing unfolds the folded tables;
// - a hash marked data-copy gets a "copy" button.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.submit(); }
    });
  });
  // Printing a page prints everything, folded tables included.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
  if (!navigator.clipboard) { return; }
  var label = document.documentElement.lang === "sv" ? "Kopiera" : "Copy";
  var done = document.documentElement.lang === "sv" ? "Kopierad" : "Copied";
  document.querySelectorAll("code.hash[data-copy]").forEach(function (code) {
    var full = code.textContent;
    if (!full || full.length < 64) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy secondary";
    button.textContent = label;
    button.setAttribute("aria-label", label + " " + full);
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(full).then(function () {
        button.textContent = done;
      });
    });
    code.insertAdjacentElement("afterend", button);
  });
});

// Progressive enhancement only: every page works without it. Confirms destructive buttons, ticks countdowns.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
function tick() {
  document.querySelectorAll("[data-countdown]").forEach(function (element) {
    var left = Math.max(0, Math.floor((Date.parse(element.getAttribute("data-countdown")) - Date.now()) / 1000));
    var days = Math.floor(left / 86400), hours = Math.floor(left % 86400 / 3600);
    var minutes = Math.floor(left % 3600 / 60), seconds = left % 60;
    var pad = function (n) { return String(n).padStart(2, "0"); };
    element.textContent = (days ? days + "d " : "") + pad(hours) + ":" + pad(minutes) + ":" + pad(seconds);
  });
}
setInterval(tick, 1000);
document.addEventListener("DOMContentLoaded", tick);
// A form with data-preview="FRAME" shows its values, unsaved, in that frame as they are typed.
document.addEventListener("input", function (event) {
  var form = event.target.form;
  var frame = form && document.getElementById(form.getAttribute("data-preview") || "");
  if (!frame) { return; }
  clearTimeout(form.previewTimer);
  form.previewTimer = setTimeout(function () {
    var params = new URLSearchParams(new FormData(form));
    params.delete("csrf_token");  // a GET that changes nothing needs no token, and a URL must not carry it
    params.delete("contact_email");
    frame.src = frame.getAttribute("data-src") + "?" + params.toString();
  }, 300);
});

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

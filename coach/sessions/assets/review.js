// Review page behaviour: a click on a word seeks its answer's recording to that word;
// hovering or clicking a criterion lights up its evidence and lists its quotes.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("section.answer").forEach(function (section) {
    var audio = section.querySelector("audio");
    var words = Array.prototype.slice.call(section.querySelectorAll(".w"));
    var timed = words.filter(function (w) { return w.hasAttribute("data-start"); });
    var chips = section.querySelectorAll(".chip");
    var quotes = section.querySelectorAll(".quotes");
    var pinned = "";

    timed.forEach(function (word) {
      word.addEventListener("click", function () {
        if (!audio) { return; }
        audio.currentTime = parseFloat(word.getAttribute("data-start"));
        var playing = audio.play();
        if (playing && playing.catch) { playing.catch(function () {}); }
      });
    });

    if (audio) {
      audio.addEventListener("timeupdate", function () {
        var t = audio.currentTime;
        timed.forEach(function (w) {
          var inside = t >= parseFloat(w.getAttribute("data-start")) &&
                       t < parseFloat(w.getAttribute("data-end"));
          w.classList.toggle("now", inside && !audio.paused);
        });
      });
    }

    function colourOf(id) {
      var chip = section.querySelector('.chip[data-crit="' + id + '"]');
      return chip ? chip.style.getPropertyValue("--c") : "";
    }

    function show(id) {
      var colour = colourOf(id);
      words.forEach(function (w) {
        var ids = (w.getAttribute("data-crit") || "").split(" ");
        var lit = id !== "" && ids.indexOf(id) >= 0;
        w.classList.toggle("lit", lit);
        if (lit) { w.style.setProperty("--lit", colour); }
      });
      quotes.forEach(function (q) { q.hidden = q.getAttribute("data-crit") !== id; });
      chips.forEach(function (c) { c.classList.toggle("on", c.getAttribute("data-crit") === id); });
    }

    chips.forEach(function (chip) {
      var id = chip.getAttribute("data-crit");
      chip.addEventListener("mouseenter", function () { show(id); });
      chip.addEventListener("mouseleave", function () { show(pinned); });
      chip.addEventListener("click", function () { pinned = pinned === id ? "" : id; show(pinned); });
    });
  });
});

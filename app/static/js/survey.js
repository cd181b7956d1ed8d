/* Progressive enhancement of the diagnostic's steps. Everything works without this file:
   - the error summary gets the focus when a step comes back with errors;
   - the partner-country <select multiple> gets a text filter, plain clicks that toggle a country,
     and a list of the chosen countries, each removable with a button (changes announced);
   - the private link gets a "copy" button.
   Loaded with the page's CSP nonce; no inline script or handler anywhere. Texts come from
   data-* attributes rendered (and translated) by the server. */
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match;
    });
  }

  /* Accent- and case-insensitive text, to match « egy » with « Égypte ». */
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function announce(region, message) {
    if (!region) {
      return;
    }
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = message;
    }, 50);
  }

  /* The error summary takes the focus; its links focus their field and show its question. */
  function enhanceErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) {
      return;
    }
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) {
        return;
      }
      event.preventDefault();
      var question = field.closest(".field") || field;
      question.scrollIntoView();
      field.focus({ preventScroll: true });
    });
    if (document.activeElement !== summary) {
      summary.focus();
    }
  }

  function enhanceCountryPicker(root) {
    var select = document.getElementById(root.getAttribute("data-country-picker"));
    if (!select) {
      return;
    }
    var texts = root.dataset;
    var live = document.getElementById(select.id + "-live");
    var chosen = document.getElementById(select.id + "-chosen");
    var list = chosen.querySelector(".country-picker__list");
    var empty = chosen.querySelector(".country-picker__empty");
    var title = chosen.querySelector(".country-picker__chosen-title strong");

    var filterId = select.id + "-filter";
    var label = document.createElement("label");
    label.setAttribute("for", filterId);
    label.textContent = texts.filterLabel;
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.id = filterId + "-hint";
    hint.textContent = texts.filterHint;
    var filter = document.createElement("input");
    filter.type = "search";
    filter.id = filterId;
    filter.autocomplete = "off";
    filter.setAttribute("aria-controls", select.id);
    filter.setAttribute("aria-describedby", hint.id);
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(hint, select);
    select.parentNode.insertBefore(filter, select);

    function countryText(option) {
      var oecd = option.getAttribute("data-oecd") === "1" ? texts.oecdYes : texts.oecdNo;
      return option.getAttribute("data-name") + " — " + option.getAttribute("data-income") +
        ", " + oecd;
    }

    function renderChosen() {
      var selected = Array.prototype.filter.call(select.options, function (o) {
        return o.selected;
      });
      list.textContent = "";
      selected.forEach(function (option) {
        var item = document.createElement("li");
        item.setAttribute("data-code", option.value);
        item.appendChild(document.createTextNode(countryText(option) + " "));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button--link country-picker__remove";
        remove.textContent = texts.removeText;
        remove.setAttribute("aria-label", fill(texts.removeLabel, {
          country: option.getAttribute("data-name")
        }));
        remove.addEventListener("click", function () {
          var next = item.nextElementSibling || item.previousElementSibling;
          option.selected = false;
          renderChosen();
          announce(live, fill(texts.removedMessage, { country: option.getAttribute("data-name") }));
          /* Keep the keyboard user in the list, not lost at the top of the page. */
          var target = next && list.querySelector('[data-code="' + next.getAttribute("data-code") +
            '"] button');
          (target || select).focus();
        });
        item.appendChild(remove);
        list.appendChild(item);
      });
      list.hidden = selected.length === 0;
      empty.hidden = selected.length !== 0;
      if (title) {
        title.textContent = title.textContent.replace(/\(\d+\)/, "(" + selected.length + ")");
      }
    }

    function toggle(option) {
      option.selected = !option.selected;
      renderChosen();
      var message = option.selected ? texts.addedMessage : texts.removedMessage;
      announce(live, fill(message, { country: option.getAttribute("data-name") }));
    }

    function visibleOptions() {
      return Array.prototype.filter.call(select.options, function (o) {
        return !o.hidden;
      });
    }

    var filterTimer = null;
    filter.addEventListener("input", function () {
      var needle = fold(filter.value);
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = needle !== "" && fold(option.getAttribute("data-name")).indexOf(needle) === -1;
      });
      window.clearTimeout(filterTimer);
      filterTimer = window.setTimeout(function () {
        announce(live, fill(texts.countMessage, { n: String(visibleOptions().length) }));
      }, 400);
    });

    /* Enter in the filter picks the first matching country instead of submitting the step. */
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        var first = visibleOptions()[0];
        if (first) {
          if (!first.selected) {
            toggle(first);
          }
          filter.value = "";
          filter.dispatchEvent(new Event("input"));
        }
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        select.focus();
      }
    });

    /* A plain click toggles one country, so that no Ctrl key is needed to choose several. */
    select.addEventListener("mousedown", function (event) {
      var option = event.target;
      if (option && option.tagName === "OPTION" && !event.shiftKey) {
        event.preventDefault();
        select.focus();
        toggle(option);
      }
    });
    select.addEventListener("change", renderChosen);
    renderChosen();
  }

  function enhanceCopyButton(button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    var status = button.closest(".private-link").querySelector(".private-link__status");
    button.hidden = false;
    button.addEventListener("click", function () {
      input.focus();
      input.select();
      var done = function () { announce(status, button.getAttribute("data-copied")); };
      var failed = function () { announce(status, button.getAttribute("data-copy-failed")); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, failed);
      } else {
        try {
          (document.execCommand("copy") ? done : failed)();
        } catch (error) {
          failed();
        }
      }
    });
    input.addEventListener("focus", function () {
      input.select();
    });
  }

  function init() {
    enhanceErrorSummary();
    Array.prototype.forEach.call(document.querySelectorAll("[data-country-picker]"),
      enhanceCountryPicker);
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"),
      enhanceCopyButton);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

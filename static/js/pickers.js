/* The staff forms' person and organization pickers (organizations.choices.Picker): each
 * select with data-search-url holds only its chosen option(s); Tom Select (vendored beside
 * this file's page, no CDN) asks that address for the matches as the user types. Without
 * this script the select keeps its chosen value(s), so a record still saves unchanged.
 * No inline script or style anywhere: the page's CSP allows neither. */
(function () {
  "use strict";
  var words = document.currentScript ? document.currentScript.dataset : {};

  function escaped(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function search(url, query, callback) {
    var address = url + (url.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(query);
    fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { callback(data.results); })
      .catch(function () { callback(); });
  }

  function setUp(select) {
    var url = select.getAttribute("data-search-url");
    var plugins = select.multiple ? { remove_button: { title: words.remove || "Remove" } } : {};
    new TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: ["text"],
      maxOptions: null,
      preload: "focus",
      loadThrottle: 250,
      plugins: plugins,
      // Every query goes to the server, the empty one included (the first matches).
      shouldLoad: function () { return true; },
      load: function (query, callback) { search(url, query, callback); },
      render: {
        no_results: function () {
          return '<div class="no-results">' + escaped(words.none || "No match") + "</div>";
        },
        loading: function () {
          return '<div class="no-results">' + escaped(words.loading || "Searching…") + "</div>";
        },
      },
    });
  }

  document.querySelectorAll("select[data-search-url]").forEach(setUp);
})();

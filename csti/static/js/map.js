/* csti maps (Leaflet). Each map is a <div data-map="directory|point|picker"> whose data
   attributes say everything: tiles, centre, zoom, and for the directory the GeoJSON URL,
   read from #map-data (inside the htmx-swapped results, so the map follows the filters). */
(function () {
  "use strict";

  function baseMap(el) {
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
    map.setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)], parseInt(el.dataset.zoom, 10));
    return map;
  }

  function marker(latlng) {
    return L.circleMarker(latlng, { radius: 8, weight: 2, color: "#143a67", fillColor: "#1d4e89", fillOpacity: 0.85 });
  }

  /* User text (titles, communes) never reaches Leaflet as a string: Leaflet puts strings into
     innerHTML. Tooltips and popups get DOM nodes whose text is set with textContent. */
  function textNode(text, tag) {
    var el = document.createElement(tag || "span");
    el.textContent = text == null ? "" : String(text);
    return el;
  }

  function safeHref(url) {
    /* Only the site's own paths or http(s) links: never javascript: or data: */
    var s = String(url || "");
    return (/^\/(?!\/)/.test(s) || /^https?:\/\//i.test(s)) ? s : "#";
  }

  function popupContent(props) {
    var wrap = document.createElement("div");
    var a = textNode(props.name, "a");
    a.href = safeHref(props.url);
    var meta = textNode([props.kind_label, props.commune].filter(Boolean).join(" · "), "div");
    wrap.appendChild(a);
    wrap.appendChild(meta);
    if (props.approximate_note) {
      var note = document.createElement("div");
      note.className = "approximate";
      note.textContent = props.approximate_note;
      wrap.appendChild(note);
    }
    return wrap;
  }

  function directoryMap(el) {
    var map = baseMap(el);
    var layer = (typeof L.markerClusterGroup === "function")
      ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 })
      : L.layerGroup();
    layer.addTo(map);
    var current = null;
    var controller = null;
    /* The map shows all its markers: it fits them once loaded, and again when its box changes
       size (a phone turned, the layout reflowing) — unless the person has moved or zoomed it. */
    var bounds = null, fitting = false, moved = false;
    function fit() {
      if (!bounds || !bounds.isValid()) { return; }
      fitting = true;
      map.fitBounds(bounds, { maxZoom: 12, padding: [24, 24], animate: false });
      fitting = false;
    }
    map.on("dragstart", function () { moved = true; });
    map.on("zoomstart", function () { if (!fitting) { moved = true; } });
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(function () {
        map.invalidateSize({ animate: false });
        if (!moved) { fit(); }
      }).observe(el);
    }

    function load(url) {
      if (!url || url === current) { return; }
      current = url;
      if (controller) { controller.abort(); }
      controller = new AbortController();
      el.setAttribute("aria-busy", "true");
      fetch(url, { signal: controller.signal, headers: { "Accept": "application/geo+json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          layer.clearLayers();
          var geo = L.geoJSON(data, {
            pointToLayer: function (f, latlng) { return marker(latlng); },
            onEachFeature: function (f, l) { l.bindPopup(popupContent(f.properties)); }
          });
          layer.addLayer(geo);
          el.dataset.count = String(data.features.length);
          bounds = data.features.length ? geo.getBounds() : null;
          moved = false;
          fit();
          el.removeAttribute("aria-busy");
          el.dispatchEvent(new CustomEvent("csti:map-loaded", { bubbles: true, detail: { count: data.features.length } }));
        })
        .catch(function (e) { if (e.name !== "AbortError") { el.removeAttribute("aria-busy"); } });
    }

    function source() {
      var data = document.getElementById("map-data");
      return data ? data.dataset.geojson : null;
    }
    load(source());
    document.body.addEventListener("htmx:afterSettle", function () { load(source()); });
    window.addEventListener("popstate", function () { setTimeout(function () { load(source()); }, 0); });
  }

  function pointMap(el) {
    var map = baseMap(el);
    marker([parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)]).addTo(map)
      .bindTooltip(textNode(el.dataset.label));
  }

  function pickerMap(el) {
    var map = baseMap(el);
    var latInput = document.getElementById(el.dataset.latInput);
    var lngInput = document.getElementById(el.dataset.lngInput);
    var point = null;
    function place(latlng) {
      if (point) { point.setLatLng(latlng); } else { point = marker(latlng).addTo(map); }
    }
    if (latInput && latInput.value && lngInput && lngInput.value) {
      place([parseFloat(latInput.value), parseFloat(lngInput.value)]);
    }
    map.on("click", function (e) {
      latInput.value = e.latlng.lat.toFixed(6);
      lngInput.value = e.latlng.lng.toFixed(6);
      place(e.latlng);
      latInput.dispatchEvent(new Event("change", { bubbles: true }));
    });
    function fromInputs() {
      var lat = parseFloat(latInput.value), lng = parseFloat(lngInput.value);
      if (!isNaN(lat) && !isNaN(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
        place([lat, lng]);
        map.setView([lat, lng], Math.max(map.getZoom(), 13));
      }
    }
    latInput.addEventListener("input", fromInputs);
    lngInput.addEventListener("input", fromInputs);
  }

  function init() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-map]").forEach(function (el) {
      if (el.dataset.ready) { return; }
      el.dataset.ready = "1";
      el.querySelectorAll(".map-fallback").forEach(function (note) { note.remove(); });
      var kind = el.dataset.map;
      if (kind === "directory") { directoryMap(el); }
      else if (kind === "point") { pointMap(el); }
      else if (kind === "picker") { pickerMap(el); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();

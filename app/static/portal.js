// The filing form's point: a Leaflet map (tap to place the point, drag to move it) and
// "Use my location" (the phone's GPS) both fill latitude and longitude. Without JavaScript, or
// without Leaflet, the map stays hidden and the fields are typed by hand or left empty.
(function () {
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  if (!lat || !lon) return;
  var box = document.getElementById("map");
  var marker = null;
  var map = null;

  function number(input) {
    var text = input.value.replace(/[۰-۹]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹".indexOf(d); })
      .replace("٫", ".");
    var value = parseFloat(text);
    return isNaN(value) ? null : value;
  }

  function place(latlng, pan) {
    if (!map) return;
    if (marker) marker.setLatLng(latlng);
    else {
      marker = L.marker(latlng, { draggable: true, keyboard: false }).addTo(map);
      marker.on("dragend", function () { fill(marker.getLatLng(), false); });
    }
    if (pan) map.panTo(latlng);
  }

  function fill(latlng, pan) {
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    place(latlng, pan);
  }

  if (box && window.L) {
    box.hidden = false;
    var help = document.getElementById("map-help");
    if (help) help.hidden = false;
    map = L.map(box, { scrollWheelZoom: false }).setView(
      [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)], parseInt(box.dataset.zoom, 10));
    L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
    map.on("click", function (event) { fill(event.latlng, false); });
    if (number(lat) !== null && number(lon) !== null) place([number(lat), number(lon)], true);
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        if (number(lat) !== null && number(lon) !== null) place([number(lat), number(lon)], true);
      });
    });
    if (box.dataset.boundaries && window.fetch) {
      fetch(box.dataset.boundaries).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (data && data.features && data.features.length) {
          L.geoJSON(data, { interactive: false, style: { weight: 2, fillOpacity: 0.05 } }).addTo(map);
        }
      }).catch(function () { /* the map works without the outlines */ });
    }
  }

  var button = document.getElementById("use-location");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      fill({ lat: position.coords.latitude, lng: position.coords.longitude }, true);
    });
  });
})();

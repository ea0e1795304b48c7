/* mkdocs-material (MIT), partials/javascripts/content.html, served as a file instead of inline (the portal's
   Content-Security-Policy allows no inline script). */
var target=document.getElementById(location.hash.slice(1));target&&target.name&&(target.checked=target.name.startsWith("__tabbed_"))

// Recherche du portail : Pagefind (index découpé en morceaux, chargés à la demande, rien hors du site).
// L'état est dans l'adresse (?q=…&type=…&departement=…&operateur=…) : un résultat se partage par un lien.
const form = document.getElementById("msap-recherche");
const etat = document.getElementById("msap-etat");
const liste = document.getElementById("msap-resultats");
const plus = document.getElementById("msap-plus");
const FILTRES = ["type", "departement", "operateur"];
const PAR_PAGE = 10;
const COMMUNES = 6;
const blocCommunes = document.getElementById("msap-communes");
const listeCommunes = document.getElementById("msap-communes-liste");
const carte = new URL("../../maisons/carte/", import.meta.url);
let pagefind = null;
let resultats = [];
let affiches = 0;
let tour = 0;

async function charger() {
  if (!pagefind) {
    pagefind = await import(new URL("../../pagefind/pagefind.js", import.meta.url).href);
    await pagefind.options({ excerptLength: 24, baseUrl: new URL("../../", import.meta.url).pathname });
  }
  return pagefind;
}

function lireAdresse() {
  const params = new URLSearchParams(location.search);
  form.q.value = params.get("q") || "";
  for (const f of FILTRES) form.elements[f].value = params.get(f) || "";
}

function ecrireAdresse() {
  const params = new URLSearchParams();
  if (form.q.value.trim()) params.set("q", form.q.value.trim());
  for (const f of FILTRES) if (form.elements[f].value) params.set(f, form.elements[f].value);
  const qs = params.toString();
  history.replaceState(null, "", qs ? "?" + qs : location.pathname);
}

function element(tag, cls, texte) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (texte) el.textContent = texte;
  return el;
}

async function afficherSuite() {
  const lot = resultats.slice(affiches, affiches + PAR_PAGE);
  const donnees = await Promise.all(lot.map((r) => r.data()));
  for (const d of donnees) {
    const li = element("li", "msap-resultat");
    const a = element("a", null, d.meta.title || d.url);
    a.href = d.url;
    const h = element("h2", "msap-resultat__titre");
    h.append(a);
    li.append(h);
    const type = (d.filters.type || [])[0];
    const dep = (d.filters.departement || [])[0];
    if (type || dep) li.append(element("p", "msap-note", [type, dep].filter(Boolean).join(" · ")));
    const extrait = element("p", "msap-resultat__extrait");
    // L'extrait de Pagefind est du texte de la page échappé, avec des <mark> : on ne garde que ceux-ci.
    const bouts = d.excerpt.split(/<\/?mark>/);
    bouts.forEach((bout, i) => {
      // inside a <p>: a space that starts or ends the piece is kept (« la CAF et la MSA »)
      const txt = new DOMParser().parseFromString("<p>" + bout, "text/html").body.textContent;
      extrait.append(i % 2 ? element("mark", null, txt) : document.createTextNode(txt));
    });
    li.append(extrait);
    liste.append(li);
  }
  affiches += lot.length;
  plus.hidden = affiches >= resultats.length;
}

// A commune or a postcode typed here gives the locator's own answer (its offline index, no geocoding service):
// a link to the nearest places of each commune found, beside the full-text results (« Objat » has no Maison of
// its own; « Guéret » is both a commune and the name of Maisons).
async function communes(q) {
  listeCommunes.replaceChildren();
  blocCommunes.hidden = true;
  if (!q || (form.elements.type.value && form.elements.type.value !== "Maison") || !window.msapCommunes) return 0;
  let toutes;
  try {
    toutes = await window.msapCommunes.charger(new URL("communes/", import.meta.url).href, q);
  } catch (e) {
    return 0;
  }
  const cle = window.msapCommunes.plier(q);
  // a short word is an exact name only (« CAF » is not the beginning of Caffiers); a postcode, its beginning too
  const court = cle.length < 4 && !/^[0-9 ]+$/.test(cle);
  const trouvees = window.msapCommunes.chercher(toutes, q).filter((c) => !court || c.cle === cle).slice(0, COMMUNES);
  for (const c of trouvees) {
    const li = element("li");
    const a = element("a", null, `${c.nom} (${c.dep} – ${c.nomDep})`);
    const lien = new URL(carte);
    lien.searchParams.set("q", c.nom);
    lien.searchParams.set("dep", c.dep);
    a.href = lien.href;
    li.append(a);
    if (c.cps.length) li.append(document.createTextNode(" · " + c.cps.slice(0, 3).join(", ")));
    listeCommunes.append(li);
  }
  blocCommunes.hidden = trouvees.length === 0;
  return trouvees.length;
}

async function chercher() {
  const moi = ++tour;
  const q = form.q.value.trim();
  const filters = {};
  for (const f of FILTRES) if (form.elements[f].value) filters[f] = form.elements[f].value;
  if (!q && !Object.keys(filters).length) {
    etat.textContent = "";
    liste.replaceChildren();
    listeCommunes.replaceChildren();
    blocCommunes.hidden = true;
    plus.hidden = true;
    return;
  }
  etat.textContent = "Recherche en cours…";
  const nCommunes = await communes(q);
  if (moi !== tour) return;
  const pf = await charger();
  const reponse = await pf.search(q || null, { filters });
  if (moi !== tour) return; // une recherche plus récente a été lancée
  resultats = reponse.results;
  affiches = 0;
  liste.replaceChildren();
  plus.hidden = true;
  await afficherSuite();
  if (moi !== tour) return;
  const n = resultats.length;
  // Annoncé une fois les résultats affichés (zone role=status lue par les lecteurs d'écran).
  const dits = n === 0 ? (nCommunes ? "aucune page du portail" : "Aucun résultat. Vérifiez l'orthographe ou retirez un filtre.")
    : n === 1 ? "1 résultat" : `${n} résultats`;
  etat.textContent = (nCommunes ? `${nCommunes === 1 ? "1 commune" : nCommunes + " communes"} (les Maisons les plus proches) ; ` : "")
    + dits + (dits.endsWith(".") ? "" : ".");
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  ecrireAdresse();
  chercher();
});
for (const f of FILTRES) form.elements[f].addEventListener("change", () => { ecrireAdresse(); chercher(); });
plus.addEventListener("click", () => afficherSuite());
lireAdresse();
chercher();

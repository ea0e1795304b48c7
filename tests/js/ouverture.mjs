// The portal's own « open now? » (horaires.js, as a page runs it) for many Maisons at many instants: reads
// {"fiches": [browser data…], "instants": ["2026-11-30T09:30:00Z"…]} on stdin, writes [[open?, …] per instant].
// Used by tests/test_osm_horaires.py to compare the OpenStreetMap hours with the portal's own answers.
import { readFileSync } from "node:fs";
import { charger } from "./charger.mjs";

const { fiches, instants } = JSON.parse(readFileSync(0, "utf-8"));
const etats = instants.map((instant) => {
  const fixe = new Date(instant).getTime();
  class Horloge extends Date {
    constructor(...args) { if (args.length) super(...args); else super(fixe); }
    static now() { return fixe; }
  }
  const ouverture = charger("horaires.js", { Date: Horloge }).msapOuverture;
  return fiches.map((data) => ouverture.statut(data).ouvert);
});
process.stdout.write(JSON.stringify(etats));

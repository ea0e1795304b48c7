// Loads one of the portal's browser scripts (theme/assets/msap/*.js) in a fresh context, as a page would: the
// script sees ``window`` and the globals given, and puts its functions on ``window``.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const RACINE = fileURLToPath(new URL("../../theme/assets/msap/", import.meta.url));

// A page without the script's elements: ``document`` finds nothing, as on a page that only lists places.
const document = { getElementById: () => null, querySelectorAll: () => [] };

export function charger(nom, globaux = {}) {
  const window = {};
  vm.runInNewContext(readFileSync(RACINE + nom, "utf-8"), { window, document, Intl, ...globaux }, { filename: nom });
  return window;
}

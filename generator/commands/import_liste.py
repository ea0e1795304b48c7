"""``msap import``: one edition of the national list imported over the fiches, with its report."""
from __future__ import annotations

import sys
from pathlib import Path


def cmd_import(root: Path, config, csv_path: Path, dry_run: bool, rapport: Path | None,
               accept_withdrawals: bool = False) -> int:
    from ..importer.report import render_report
    from ..importer.run import ImportFailure, apply, run_import

    try:
        from tqdm import tqdm

        def progress(rows):
            return tqdm(rows, desc="Import", unit=" lignes", disable=None, file=sys.stderr)
    except ImportError:  # pragma: no cover
        progress = None
    try:
        result = run_import(csv_path if csv_path.is_absolute() else Path.cwd() / csv_path, root, config, progress,
                            accept_withdrawals=accept_withdrawals)
    except ImportFailure as exc:
        print(exc, file=sys.stderr)
        return 2
    text = render_report(result, dry_run)
    if rapport:
        rapport.write_text(text, encoding="utf-8")
    if not dry_run:
        apply(result)
    print(text)
    return 0

"""Runs every benchmark in bench/ (files named bench_*.py) and prints their `name value unit` lines.

Each benchmark is a script that prints one line per figure. A failing benchmark prints
`<name>.error 1 flag` and the run goes on, so one broken figure does not hide the others.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        result = subprocess.run(
            [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, check=False
        )
        for line in result.stdout.splitlines():
            if len(line.split()) == 3:
                print(line, flush=True)
        if result.returncode != 0:
            failed += 1
            print(f"{script.stem}.error 1 flag", flush=True)
            sys.stderr.write(result.stderr[-2000:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

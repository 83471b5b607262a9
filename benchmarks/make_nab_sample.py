"""Write the small SYNTHETIC NAB-layout sample used by tests/test_nab.py and docs/detectors.md.

.venv/bin/python benchmarks/make_nab_sample.py /tmp/nab-sample
.venv/bin/sentinel eval nab --data-dir /tmp/nab-sample --detector ensemble --out /tmp/nab-out
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentinel.evaluation.nab_sample import write_sample

if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/nab-sample")
    print(f"wrote NAB-layout sample to {write_sample(root)}")

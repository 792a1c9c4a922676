"""Benchmark: reading and verifying the four licence blobs of one activation object, against
hashing the same bytes with SHA-256 (what adba did before it read licences).

Sets measured in one run, several repetitions each (median):

- ``forgery set``: the public forgery's phone (20 KB) and pkeyconfig (650 KB) licences from
  ``../shared/testdata/xrml`` plus a test-signed online and issuance licence (skipped when
  ``../shared`` is absent);
- ``test-signed set``: the four test-signed licences of a consistent object (a few KB each);
- ``5 MB config``: a test-signed configuration licence of about 5 MB (the schema's limit,
  rangeUpper 5,242,880) with the other three test-signed licences: the worst case.

For each: ``sha256`` (the baseline, hashlib over the four blobs) and ``read+verify``
(``adba.adapters.records.licence_blob`` on each: parse, lwc14n, SHA-1 digests, RSA, the
product-key configuration decoded), and the ratio.

Run: ``python bench/licences_bench.py --repeat 5`` (no DC, no root needed).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from adba.adapters.records import licence_blob  # noqa: E402
from tests.support import xrml_signer as xs  # noqa: E402

SHARED = REPO.parent / "shared" / "testdata" / "xrml"


def _sets() -> dict[str, list[bytes]]:
    made = xs.object_licences(xs.WS2022_CSVLK, 4573, serial=12345)
    sets = {"test-signed set": [made.online, made.config, made.issuance, made.phone]}
    if (SHARED / "phone.xrm-ms").is_file():
        sets["forgery set"] = [made.online, (SHARED / "pkeyconfig.xrm-ms").read_bytes(),
                               made.issuance, (SHARED / "phone.xrm-ms").read_bytes()]
    configs = [xs.Config(f"{i:08x}-0000-4000-8000-000000000000", 206 + i % 50,
                         key_type="Volume:MAK" if i % 3 else "Volume:CSVLK")
               for i in range(7300)]
    big = xs.group(xs.config_licence(configs, xs.test_key("leaf"),
                                     licence_id="{99999999-0000-4000-8000-000000000000}"))
    sets["5 MB config"] = [made.online, big, made.issuance, made.phone]
    return sets


def _time(func: object, blobs: list[bytes], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for blob in blobs:
            func(blob)  # type: ignore[operator]
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    """Print one line per set: bytes, baseline, read+verify, ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'set':<16} {'bytes':>11} {'sha256':>10} {'read+verify':>12} {'ratio':>7}")
    for name, blobs in _sets().items():
        for blob in blobs:  # every licence must verify, or the numbers measure a failure
            content = licence_blob(blob).content
            assert content is not None and content.error is None, content
            assert all(lic.signature.verdict.value == "verified" for lic in content.licences)
        base = _time(lambda b: hashlib.sha256(b).hexdigest(), blobs, args.repeat)
        full = _time(licence_blob, blobs, args.repeat)
        size = sum(len(b) for b in blobs)
        print(f"{name:<16} {size:>11,} {base * 1000:>8.2f}ms {full * 1000:>10.1f}ms "
              f"{full / base:>6.0f}x")


if __name__ == "__main__":
    main()

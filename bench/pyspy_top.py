"""Summarise a `py-spy record -f raw` file: where busy time goes, inclusive and self.

    .venv/bin/python bench/pyspy_top.py profile.txt [--top 25] [--match ecert/]
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

# leaf frames of threads that wait (pool threads, the event loop's select): not work
IDLE = ("Condition.wait (threading", "EpollSelector.select", "Queue.get (queue")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--match", default="", help="only frames whose text contains this")
    a = ap.parse_args()
    incl: collections.Counter[str] = collections.Counter()
    self_: collections.Counter[str] = collections.Counter()
    total = 0
    for line in Path(a.file).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        if any(idle in frames[-1] for idle in IDLE):
            continue
        for f in set(frames):
            if a.match in f:
                incl[f] += n
        if a.match in frames[-1]:
            self_[frames[-1]] += n
    print(f"{total} samples")
    print("inclusive:")
    for f, n in incl.most_common(a.top):
        print(f"  {100 * n / total:5.1f}%  {f[:150]}")
    print("self:")
    for f, n in self_.most_common(a.top):
        print(f"  {100 * n / total:5.1f}%  {f[:150]}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""tools/check_layers.py on a small tree: a downward include passes, an upward one fails
naming the file, the line and the header, a header of a layer that is not a dependency fails,
and system or third-party includes are ignored."""
import os
import subprocess
import sys
import tempfile

CHECKER = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "check_layers.py")
LAYERS = "low=providers/low=\nmid=reconciler/mid=low\nside=reconciler/side=low\n"


def run(root, files):
    for path, text in files.items():
        os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(root, path), "w") as f:
            f.write(text)
    layers = os.path.join(root, "layers.txt")
    with open(layers, "w") as f:
        f.write(LAYERS)
    return subprocess.run([sys.executable, CHECKER, "--root", root, "--layers", layers],
                          capture_output=True, text=True)


def check(condition, message):
    if not condition:
        print("FAILED: " + message)
        sys.exit(1)


base = {
    "providers/low/a.h": '#include <string>\n#include "nlohmann/json.hpp"\n',
    "reconciler/mid/b.cpp": '#include "reconciler/mid/b.h"\n#include "providers/low/a.h"\n',
    "reconciler/mid/b.h": "",
    "reconciler/side/c.h": "",
}
with tempfile.TemporaryDirectory() as root:
    result = run(root, base)
    check(result.returncode == 0, "a downward include fails: " + result.stderr)
with tempfile.TemporaryDirectory() as root:
    result = run(root, dict(base, **{"providers/low/a.cpp": '\n#include "reconciler/mid/b.h"\n'}))
    check(result.returncode == 1, "an upward include passes")
    check('providers/low/a.cpp:2: layer \'low\' includes "reconciler/mid/b.h"' in result.stderr,
          "the message does not name file:line and header: " + result.stderr)
with tempfile.TemporaryDirectory() as root:
    result = run(root, dict(base, **{"reconciler/mid/d.cpp": '#include "reconciler/side/c.h"\n'}))
    check(result.returncode == 1, "a header of a layer that is not a dependency passes")
with tempfile.TemporaryDirectory() as root:
    result = run(root, dict(base, **{"reconciler/mid/e.cpp": '#include "tests/support/x.h"\n'}))
    check(result.returncode == 1, "product code including tests/ passes")
print("1 passed, 0 failed")

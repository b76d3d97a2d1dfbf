#!/usr/bin/env python3
"""Fails when a file of one layer includes a project header it may not use.

Each layer is a folder with its own CMake target (dflow_layer() in the top CMakeLists.txt);
the lines of --layers read `name=folder=dep,dep,...`. A file in a layer's folder may include
headers of its own folder and of the layers it depends on, directly or through them. Anything
else from manifests-schema/, providers/, reconciler/ or tests/ is a violation: a lower layer
reaching up, or a stage using one it does not link.
"""
import argparse
import os
import re
import sys

PROJECT_ROOTS = ("manifests-schema/", "providers/", "reconciler/", "tests/")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_layers(path):
    layers = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            name, folder, deps = line.split("=")
            layers[name] = (folder, [d for d in deps.split(",") if d])
    return layers


def allowed_folders(layers, name):
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(layers[current][1])
    return {layers[n][0] for n in seen}


def violations(root, layers):
    by_folder = {folder: name for name, (folder, _) in layers.items()}
    found = []
    for folder, name in sorted(by_folder.items()):
        allowed = allowed_folders(layers, name)
        directory = os.path.join(root, folder)
        for entry in sorted(os.listdir(directory)):
            if not entry.endswith((".h", ".cpp")):
                continue
            path = os.path.join(directory, entry)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for match in INCLUDE.finditer(text):
                header = match.group(1)
                if not header.startswith(PROJECT_ROOTS):
                    continue
                if os.path.dirname(header) in allowed:
                    continue
                line = text.count("\n", 0, match.start(1)) + 1
                found.append(f"{folder}/{entry}:{line}: layer '{name}' includes \"{header}\", "
                             f"which is not in its folder or a layer it depends on "
                             f"({', '.join(sorted(layers[name][1])) or 'none'}); move the code "
                             f"down, or pass it in from the higher layer")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="the source tree")
    parser.add_argument("--layers", required=True, help="the layer table CMake writes")
    args = parser.parse_args()
    found = violations(args.root, read_layers(args.layers))
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

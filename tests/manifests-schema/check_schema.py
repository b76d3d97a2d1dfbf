#!/usr/bin/env python3
"""Validates manifest fixture directories against manifests-schema/dflow.schema.json.

Usage: check_schema.py SCHEMA DIR...
Prints one line per DIR: "<DIR> valid" or "<DIR> invalid: <first reason>". A directory is
invalid when any *.yaml/*.yml file in it (paths with a component starting with '.' are
skipped, as dflow does) fails to parse or holds a document the schema rejects.
Exit code 0 when every DIR was checked (whatever the verdicts), 2 on usage errors.
"""
import json
import os
import sys

import jsonschema
import yaml


def manifest_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
        for name in sorted(filenames):
            if name.startswith('.') or not name.endswith(('.yaml', '.yml')):
                continue
            yield os.path.join(dirpath, name)


def check_dir(validator, root):
    for path in manifest_files(root):
        rel = os.path.relpath(path, root)
        try:
            with open(path, encoding='utf-8') as f:
                documents = list(yaml.safe_load_all(f))
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            return 'invalid: %s: cannot parse: %s' % (rel, str(e).splitlines()[0])
        for doc in documents:
            if doc is None:
                continue
            error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
            if error is not None:
                where = '/'.join(str(p) for p in error.absolute_path)
                return 'invalid: %s: %s: %s' % (rel, where, error.message)
    return 'valid'


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding='utf-8') as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for root in argv[2:]:
        print('%s %s' % (root, check_dir(validator, root)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

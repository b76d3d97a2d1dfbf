#!/usr/bin/env python3
"""Validates edge documents (Traefik file-provider YAML) against a Traefik v3 JSON Schema.

Usage: check_edge_schema.py [--schema SCHEMA] FILE...
SCHEMA defaults to $DFLOW_TRAEFIK_SCHEMA (SchemaStore's traefik-v3-file-provider.json, Draft 7,
kept outside the repo: shared/reference/traefik-schemas/).
Each FILE must hold exactly one YAML document, a mapping that the schema accepts.
For each valid FILE, prints one line of JSON: {"file": FILE, "document": <the parsed document>},
with the keys in the order the file has them, so the caller can check the tree it wrote.
Exit code 0 when every FILE is valid; 1 when one is not (its reason on stderr, as
"<FILE>: <path>: <message>"); 2 on usage errors or an unreadable schema.
"""
import json
import os
import sys

import jsonschema
import yaml


def parse_args(argv):
    schema = os.environ.get('DFLOW_TRAEFIK_SCHEMA', '')
    files = []
    args = iter(argv[1:])
    for arg in args:
        if arg == '--schema':
            schema = next(args, '')
        else:
            files.append(arg)
    return schema, files


def check_file(validator, path):
    """Returns (document, None) or (None, reason)."""
    try:
        with open(path, encoding='utf-8') as f:
            documents = list(yaml.safe_load_all(f))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as e:
        return None, 'cannot parse: %s' % str(e).splitlines()[0]
    if not [d for d in documents if d is not None]:
        return None, 'is empty (Traefik would remove every route it had from the file)'
    if len(documents) != 1:
        return None, 'holds %d YAML documents, not 1' % len(documents)
    document = documents[0]
    if not isinstance(document, dict):
        return None, 'is not a mapping'
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        where = '/'.join(str(p) for p in error.absolute_path) or '(root)'
        return None, '%s: %s' % (where, error.message)
    return document, None


def main(argv):
    schema_path, files = parse_args(argv)
    if not schema_path or not files:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(schema_path, encoding='utf-8') as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print('%s: unusable schema: %s' % (schema_path, str(e).splitlines()[0]), file=sys.stderr)
        return 2
    validator = jsonschema.Draft7Validator(schema)
    failed = False
    for path in files:
        document, reason = check_file(validator, path)
        if reason is not None:
            print('%s: %s' % (path, reason), file=sys.stderr)
            failed = True
        else:
            print(json.dumps({'file': path, 'document': document}))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

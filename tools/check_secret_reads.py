#!/usr/bin/env python3
"""Fails when product code reads the environment or a secret file outside the secrets module.

Secrets (tokens, passphrases, webhook and badge secrets) are read by manifests-schema/base/secret.cpp
only: one place strips the line break, bounds the size and words the errors without the value.
In manifests-schema/, providers/ and reconciler/ this check reports
  - a getenv() anywhere else, unless it reads a literal variable of ALLOWED_ENV (not a secret),
    and `environ` outside ALLOWED_ENVIRON (files that pass it whole to a child process);
  - a file that opens files and speaks of tokens, secrets, passphrases or passwords, unless it is
    in ALLOWED_FILE_READERS (each with the reason it is not a secret reader).
An allowlist entry that no longer matches anything is reported too, so the lists stay true.
"""
import argparse
import os
import re
import sys

SECRETS_MODULE = "manifests-schema/base/secret.cpp"
PRODUCT_ROOTS = ("manifests-schema", "providers", "reconciler")

# Variables that hold no secret, and why they may be read directly.
ALLOWED_ENV = {
    "HOME": "where the default SSH keys are looked for (a path)",
    "SSH_AUTH_SOCK": "the ssh-agent socket (a path; the agent keeps the keys)",
    "DFLOW_CONFIG": "the controller config's path; the config names secrets but holds none",
    "DFLOW_SSH_IDENTITY": "an SSH key's path; its passphrase is read with ReadSecret()",
}
ALLOWED_ENV_PREFIXES = ("XDG_",)

# Files that hand `environ` as a whole to a child process they start, looking at no variable.
ALLOWED_ENVIRON = {
    "providers/transport/local_transport.cpp": "the local Dokku child inherits the environment",
    "reconciler/source/fetch_process.cpp": "the fetch child inherits the environment",
}

# Files that read files and mention secrets without reading one the way secret.cpp does.
ALLOWED_FILE_READERS = {
    "reconciler/apply/generated_secrets.cpp":
        "reads dflow's own store of generated secrets (a JSON document of many keyed values, "
        "written by dflow, 0600); its errors never quote a value",
    "manifests-schema/secrets_file.cpp":
        "parses the secrets YAML (many keyed values, file:line errors that never quote a value)",
    "reconciler/controller/controller_config.cpp":
        "reads the controller config, which names secret files and variables and refuses values",
    "reconciler/source/manifest_source.cpp":
        "reads manifest files of the config repo (never a link, so never a secret file beside it)",
}

GETENV = re.compile(r"\b(?:secure_)?getenv\s*\(\s*(\"([A-Za-z0-9_]*)\")?")
ENVIRON = re.compile(r"\benviron\b")
OPENS_FILE = re.compile(r"\b(?:ifstream|fstream|fopen|open)\s*\(|\bstd::ifstream\b")
SECRET_WORD = re.compile(r"token|secret|passphrase|password", re.I)
INCLUDE_LINE = re.compile(r"^\s*#\s*include\b.*$", re.M)


def product_files(root):
    for top in PRODUCT_ROOTS:
        for directory, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if name.endswith((".h", ".cpp")):
                    path = os.path.join(directory, name)
                    yield os.path.relpath(path, root).replace(os.sep, "/"), path


def env_allowed(name):
    return name in ALLOWED_ENV or name.startswith(ALLOWED_ENV_PREFIXES)


def check_env(rel, text):
    found = []
    if rel not in ALLOWED_ENVIRON:
        for match in ENVIRON.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{rel}:{line}: uses environ; read secrets with ReadSecretEnv() "
                         f"({SECRETS_MODULE}), or add a file that only hands environ to a "
                         f"child to ALLOWED_ENVIRON in tools/check_secret_reads.py")
    for match in GETENV.finditer(text):
        if match.group(2) is not None and env_allowed(match.group(2)):
            continue
        line = text.count("\n", 0, match.start()) + 1
        what = f'"{match.group(2)}"' if match.group(2) is not None else "a variable"
        found.append(f"{rel}:{line}: reads {what} from the environment; read secrets with "
                     f"ReadSecretEnv() or ReadSecret() ({SECRETS_MODULE}), or add a variable "
                     f"that holds no secret to ALLOWED_ENV in tools/check_secret_reads.py "
                     f"with the reason")
    return found


def reads_secret_files(text):
    code = INCLUDE_LINE.sub("", text)
    return OPENS_FILE.search(code) is not None and SECRET_WORD.search(code) is not None


def violations(root):
    found, matched_readers, matched_environ = [], set(), set()
    for rel, path in product_files(root):
        if rel == SECRETS_MODULE:
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        found += check_env(rel, text)
        if rel in ALLOWED_ENVIRON and ENVIRON.search(text):
            matched_environ.add(rel)
        if reads_secret_files(text):
            if rel in ALLOWED_FILE_READERS:
                matched_readers.add(rel)
                continue
            line = text.count("\n", 0, OPENS_FILE.search(text).start()) + 1
            found.append(f"{rel}:{line}: opens a file and speaks of secrets; read secret files "
                         f"with ReadSecretFile() or ReadSecret() ({SECRETS_MODULE}), or add "
                         f"the file to ALLOWED_FILE_READERS in tools/check_secret_reads.py "
                         f"with the reason")
    for rel in sorted(set(ALLOWED_FILE_READERS) - matched_readers):
        found.append(f"{rel}: listed in ALLOWED_FILE_READERS but reads no secret file (any "
                     f"more); remove it from tools/check_secret_reads.py")
    for rel in sorted(set(ALLOWED_ENVIRON) - matched_environ):
        found.append(f"{rel}: listed in ALLOWED_ENVIRON but uses no environ (any more); "
                     f"remove it from tools/check_secret_reads.py")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="the source tree")
    args = parser.parse_args()
    found = violations(args.root)
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

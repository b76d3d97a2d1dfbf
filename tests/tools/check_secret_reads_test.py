#!/usr/bin/env python3
"""tools/check_secret_reads.py on small trees: reads through the secrets module pass; a getenv()
of a secret or of a computed name, a stray `environ`, and a file that opens files and speaks of
tokens fail naming file:line; allowlisted variables and files pass; a stale allowlist entry
fails. Then the real tree: no reader of secrets outside manifests-schema/base/secret.cpp."""
import os
import subprocess
import sys
import tempfile

SOURCE = os.path.join(os.path.dirname(__file__), "..", "..")
CHECKER = os.path.join(SOURCE, "tools", "check_secret_reads.py")

# The allowlisted files as they are: each still does what its entry allows.
BASE = {
    "manifests-schema/base/secret.cpp":
        'const char* v = std::getenv(name.c_str());\nint fd = ::open(path, 0); // secret\n',
    "manifests-schema/secrets_file.cpp": 'std::ifstream in(path);  // secret values\n',
    "reconciler/controller/controller_config.cpp":
        'const char* e = std::getenv("DFLOW_CONFIG");\nstd::ifstream in(path);  // tokenFile\n',
    "providers/transport/local_transport.cpp": "extern char** environ;\n",
    "reconciler/source/fetch_process.cpp": "extern char** environ;\n",
    "reconciler/source/manifest_source.cpp":
        'const int fd = open(file.c_str(), O_RDONLY | O_NOFOLLOW);  // never a secret file\n',
    "reconciler/cli/node_access.cpp":
        '#include "manifests-schema/base/secret.h"\n'
        'const char* home = std::getenv("HOME");\n'
        'auto p = ReadSecret(file, "DFLOW_SSH_PASSPHRASE", "ssh.passphraseFile");\n',
    "providers/ssh/ssh_connection.cpp": 'const char* s = getenv("SSH_AUTH_SOCK");\n',
    "providers/forge/forge_client.h": "Secret token;  // the forge token\n",
    "reconciler/apply/generated_secrets.cpp":
        'std::ifstream in(path, std::ios::binary);  // the generated secrets\n',
}


def run(root, files):
    for path, text in files.items():
        os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(root, path), "w") as f:
            f.write(text)
    return subprocess.run([sys.executable, CHECKER, "--root", root], capture_output=True,
                          text=True)


def check(condition, message):
    if not condition:
        print("FAILED: " + message)
        sys.exit(1)


def expect_failure(extra, needle, what):
    with tempfile.TemporaryDirectory() as root:
        result = run(root, dict(BASE, **extra))
        check(result.returncode == 1, what + " passes")
        check(needle in result.stderr, what + ": the message lacks " + repr(needle) + ": " +
              result.stderr)


with tempfile.TemporaryDirectory() as root:
    result = run(root, BASE)
    check(result.returncode == 0, "reads through the secrets module fail: " + result.stderr)

# (files added to BASE, what the message must say, what the case is)
FAILURES = [
    ({"reconciler/cli/cmd_x.cpp": '\n\nauto t = std::getenv("GITHUB_TOKEN");\n'},
     'reconciler/cli/cmd_x.cpp:3: reads "GITHUB_TOKEN" from the environment',
     "a getenv of a secret"),
    ({"providers/forge/x.cpp": "auto t = getenv(config.token_env.c_str());\n"},
     "providers/forge/x.cpp:1: reads a variable from the environment",
     "a getenv of a computed name"),
    ({"reconciler/status/x.cpp": 'auto t = secure_getenv("XDG_X") + getenv(n);\n'},
     "reconciler/status/x.cpp:1: reads a variable", "a second getenv on a line"),
    ({"manifests-schema/x.cpp": "extern char** environ;\n"},
     "manifests-schema/x.cpp:1: uses environ", "a stray environ"),
    ({"reconciler/controller/x.cpp":
      "// the forge token\nstd::ifstream in(config.forge_token_file);\n"},
     "reconciler/controller/x.cpp:2: opens a file and speaks of secrets",
     "a file that reads a token file"),
    ({"providers/ssh/x.cpp": 'FILE* f = fopen(passphrase_file, "r");\n'},
     "providers/ssh/x.cpp:1: opens a file and speaks of secrets", "a passphrase read with fopen"),
    ({"manifests-schema/secrets_file.cpp": "// moved away\n"},
     "manifests-schema/secrets_file.cpp: listed in ALLOWED_FILE_READERS but reads no",
     "a stale file-reader entry"),
    ({"reconciler/source/fetch_process.cpp": "// no child any more\n"},
     "reconciler/source/fetch_process.cpp: listed in ALLOWED_ENVIRON but uses no",
     "a stale environ entry"),
]
for extra, needle, what in FAILURES:
    expect_failure(extra, needle, what)

# Outside the product folders (tests, tools) anything goes; the checker looks at products only.
with tempfile.TemporaryDirectory() as root:
    result = run(root, dict(BASE, **{"tests/x.cpp": 'getenv("GITHUB_TOKEN");\n'}))
    check(result.returncode == 0, "a test's getenv fails: " + result.stderr)

result = subprocess.run([sys.executable, CHECKER, "--root", SOURCE], capture_output=True,
                        text=True)
check(result.returncode == 0, "the source tree reads secrets outside the module:\n" +
      result.stderr)
print("ok")

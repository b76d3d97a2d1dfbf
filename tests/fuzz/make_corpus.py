#!/usr/bin/env python3
"""Regenerates the seed corpora in tests/fuzz/corpus/ from the tests' fixtures.

Run from anywhere: python3 tests/fuzz/make_corpus.py. It rewrites corpus/<fuzzer>/seed-* only;
other files there (inputs a longer run found and someone committed) are kept.
"""
import hashlib
import hmac
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/fuzz/corpus"
# Must match webhook_fuzzer.cpp: with it, the seeds pass verification and reach the parser.
WEBHOOK_SECRET = b"It's a secret to everybody"


def write(fuzzer, name, data):
    if isinstance(data, str):
        data = data.encode()
    folder = CORPUS / fuzzer
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("seed-" + re.sub(r"[^A-Za-z0-9._-]", "_", name))).write_bytes(data)


def repo_seed(folder):
    """A fixture repo as one input in the fuzz_input.h form."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            parts.append(b"#@file " + path.relative_to(folder).as_posix().encode() + b"\n")
            parts.append(path.read_bytes())
            if not parts[-1].endswith(b"\n"):
                parts.append(b"\n")
    return b"".join(parts)


def manifests():
    cases = {"sample-repo": ROOT / "sample-repo"}
    fixtures = ROOT / "tests/fixtures/manifests"
    for group in ("valid", "invalid/schema", "invalid/semantic"):
        for case in sorted((fixtures / group).iterdir()):
            if case.is_dir():
                cases[group.replace("/", "-") + "-" + case.name] = case
    # Repos using the built-in themes: seeds that reach theme expansion and its templates.
    for case in sorted((ROOT / "tests/fixtures/themes").iterdir()):
        if case.is_dir():
            cases["themes-" + case.name] = case
    for name, folder in cases.items():
        data = repo_seed(folder)
        if data:
            write("manifest_loader", name, data)
            write("manifest_git", name, data)
    # What only a commit tree has: links (inside, outside, to a hidden file, dangling, to a
    # directory, chained), an executable file, hidden folders.
    nodes = (ROOT / "sample-repo/nodes/nodes.yaml").read_text()
    write("manifest_git", "links",
          "#@file nodes/nodes.yaml\n" + nodes +
          "#@link apps/nodes.yaml\n../nodes/nodes.yaml\n"
          "#@link env.yaml\n.env\n#@file .env\nSECRET=hunter2\n"
          "#@link out.yaml\n../../etc/passwd\n#@link abs.yml\n/etc/passwd\n"
          "#@link dangling.yaml\nmissing.yaml\n#@link dir.yaml\nnodes\n"
          "#@link chain.yaml\napps/nodes.yaml\n#@link git.yaml\n.git/config\n")
    write("manifest_git", "exec-and-hidden",
          "#@exec nodes/run.yaml\n" + nodes + "#@file .github/ci.yaml\nkind: Node\n"
          "#@file a/.hidden/x.yaml\nkind: Node\n#@file readme.md\n# not a manifest\n")


def dokku():
    seen = set()

    def add(name, data):
        if data and data not in seen:
            seen.add(data)
            write("dokku_reports", name, data)

    for path in sorted((ROOT / "tests/fixtures/dokku-json").iterdir()):
        add(path.name, path.read_bytes())
    # Samples: first line the command, last line the source, the output in between.
    for folder in ("tests/fixtures/dokku-samples", "tests/simulator/dokku-samples"):
        for path in sorted((ROOT / folder).glob("*.txt")):
            lines = path.read_bytes().splitlines(keepends=True)
            if lines and lines[0].startswith(b"$ "):
                lines = lines[1:]
            if lines and lines[-1].startswith(b"# source:"):
                lines = lines[:-1]
            add(path.stem, b"".join(lines))
    add("version", b"dokku version 0.38.27\n")
    add("version-git", b"dokku version v0.38.27-33-g33896f5d7\n")
    add("version-epoch", b"dokku version 1700000000:0.38.27\n")
    add("service-links", b"node-js-app python-app \n")
    add("port-map-list", b"http:80:5000 https:443:5000")
    add("bind-mounts", b"-v /host:/container -v /h2:/c2:ro")


def webhook():
    body = b'{"ref":"refs/heads/main","after":"0123abcd","repository":{}}'
    sig = hmac.new(WEBHOOK_SECRET, body, hashlib.sha256).hexdigest().encode()
    seeds = {
        "github-push": b"X-Hub-Signature-256: sha256=" + sig +
                       b"\nX-GitHub-Event: push\nX-GitHub-Delivery: d-1\n\n" + body,
        "github-ping": b"X-Hub-Signature-256: sha256=" +
                       hmac.new(WEBHOOK_SECRET, b"{}", hashlib.sha256).hexdigest().encode() +
                       b"\nX-GitHub-Event: ping\n\n{}",
        "gitea-push": b"X-Gitea-Signature: " + sig +
                      b"\nX-Gitea-Event: push\nX-Gitea-Delivery: g-1\n\n" + body,
        "forgejo-push": b"X-Forgejo-Signature: " + sig + b"\nX-Forgejo-Event: push\n\n" + body,
        "gitlab-push": b"X-Gitlab-Token: " + WEBHOOK_SECRET +
                       b"\nX-Gitlab-Event: Push Hook\nX-Gitlab-Event-UUID: u-1\n\n" + body,
        "github-bad-signature": b"X-Hub-Signature-256: md5=abc\n\n" + body,
        "github-ref-not-string": b"X-GitHub-Event: push\n\n" + b'{"ref": 1}',
    }
    for name, data in seeds.items():
        write("webhook", name, data)


def controller_config():
    write("controller_config", "packaged-dflow.yaml", (ROOT / "packaging/dflow.yaml").read_bytes())
    test = (ROOT / "tests/reconciler/controller/controller_config_test.cpp").read_text()
    for i, text in enumerate(re.findall(r'R"\((.*?)\)"', test, re.S)):
        write("controller_config", f"test-{i}.yaml", text)


if __name__ == "__main__":
    for old in CORPUS.glob("*/seed-*"):
        old.unlink()
    manifests()
    dokku()
    webhook()
    controller_config()

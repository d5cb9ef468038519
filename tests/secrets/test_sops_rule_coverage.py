"""Which files each `.sops.yaml` creation rule matches and takes (SEC002 sops-rules-gap, SEC007
sops-rule-shadowed): stale rules, files a rule takes but that are not encrypted, rules an earlier
one shadows, and the fallbacks that are not shadowed."""

from __future__ import annotations

import pytest

from tests.conftest import check
from tests.secrets.helpers import ENC, RECIPIENT, encrypted_secret, sops_meta


def fired(root, rule_id):
    return [f for f in check(root, select=["SEC"]).findings if f.rule == rule_id]


def sops_config(*regexes: str | None, extra: str = "") -> str:
    """creation_rules with these path_regex values in order (None: a rule without path_regex)."""
    out = "creation_rules:\n"
    for regex in regexes:
        out += f"  - path_regex: {regex}\n    age: {RECIPIENT}\n" if regex else f"  - age: {RECIPIENT}\n"
        out += extra
    return out


ENCRYPTED_FILE = f"secret: {ENC}\n" + sops_meta()
TALSECRET_CLEAR = "cluster:\n  id: abc\n  secret: not-encrypted-at-all\nsecrets:\n  bootstraptoken: abcdef.0123456789\n"


# --- SEC002: a rule that takes an unencrypted file is not stale -----------------------------


def test_file_a_rule_takes_but_not_encrypted(repo):
    root = repo(
        {
            ".sops.yaml": sops_config(r"talos/.*\.sops\.ya?ml"),
            "bootstrap/talos/talsecret.sops.yaml": TALSECRET_CLEAR,
        }
    )
    (f,) = fired(root, "SEC002")
    assert f.loc.path == "bootstrap/talos/talsecret.sops.yaml"
    assert "matches creation rule #1" in f.message and "not SOPS-encrypted" in f.message
    assert "delete" not in f.hint and "sops --encrypt --in-place talsecret.sops.yaml" in f.hint
    assert f.related and f.related[0].loc.path == ".sops.yaml"
    assert "not-encrypted-at-all" not in f.message + f.hint


@pytest.mark.parametrize(
    "regex, path, text",
    [
        (r"talos/.*\.sops\.ya?ml", "bootstrap/talos/talsecret.sops.yaml", ENCRYPTED_FILE),  # encrypted: fine
        (r"talos/.*\.sops\.ya?ml", "bootstrap/talos/talsecret.sops.yaml.j2", TALSECRET_CLEAR),  # a template
        (r"talos/.*\.ya?ml", "bootstrap/talos/talconfig.yaml", TALSECRET_CLEAR),  # not named as a SOPS file
        (r"talos/.*\.sops\.ya?ml", "bootstrap/talos/stub.sops.yaml", "cluster:\n  secret: ${TALOS_SECRET}\n"),
    ],
)
def test_matched_files_that_are_fine(repo, regex, path, text):
    assert not fired(repo({".sops.yaml": sops_config(regex), path: text}), "SEC002")


def test_stale_rule_matches_no_file_at_all(repo):
    root = repo({".sops.yaml": sops_config(r"^provision/.*\.sops\.ya?ml$"), "apps/x.yaml": "a: 1\n"})
    (f,) = fired(root, "SEC002")
    assert "matches no file under the repository root" in f.message and "stale" in f.hint
    assert "`^provision/.*\\.sops\\.ya?ml$`" in f.message  # the regex as written, no Python repr


def test_rule_matching_encrypted_files_of_any_name_is_not_stale(repo):
    """`docker/x/sops.env` has no `.sops.` in its name: the rule still matches a file."""
    env = f"TOKEN={ENC}\nsops_mac={ENC}\nsops_version=3.9.0\n"
    root = repo({".sops.yaml": sops_config(r"docker/.*/sops\.env$"), "docker/minio/sops.env": env})
    assert not fired(root, "SEC002")


def test_nested_config_does_not_hide_files_from_the_outer_one(repo):
    """sops finds `.sops.yaml` from the working directory upwards: run from the root, the root
    config applies to `talos/` too; run inside `talos/`, the nested one does."""
    files = {
        ".sops.yaml": sops_config(r"talos/.*\.sops\.ya?ml$", r"kubernetes/.*\.sops\.ya?ml$"),
        "talos/.sops.yaml": sops_config(None),
        "talos/talsecret.sops.yaml": ENCRYPTED_FILE,
        "kubernetes/s.sops.yaml": encrypted_secret(),
    }
    assert not fired(repo(files), "SEC002")
    files[".sops.yaml"] = sops_config(r"kubernetes/.*\.sops\.ya?ml$")
    assert not fired(repo(files), "SEC002")  # the nested config covers talos/ when run there
    del files["talos/.sops.yaml"]
    (f,) = fired(repo(files), "SEC002")
    assert f.loc.path == "talos/talsecret.sops.yaml" and "no creation rule of .sops.yaml" in f.message


def test_encrypted_regex_listing_keys_encrypts_them(repo):
    """sops encrypts a value when any key on its path matches encrypted_regex."""
    config = sops_config(r"\.sops\.yaml$", extra="    encrypted_regex: ^(userKey|password)$\n")
    body = f"stringData:\n  userID: admin\n  userKey: {ENC}\n"
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ceph\nstringData:\n" + body.split("\n", 1)[1]
    root = repo({".sops.yaml": config, "apps/ceph.sops.yaml": secret + sops_meta(regex="^(userKey|password)$")})
    assert not fired(root, "SEC002")  # userID is left in clear on purpose: not a credential
    leaky = secret + f"  apiToken: {ENC}\n"  # a key the rule does not list: new files keep it clear
    root = repo({".sops.yaml": config, "apps/ceph.sops.yaml": leaky + sops_meta(regex="^(userKey|password)$")})
    (f,) = fired(root, "SEC002")
    assert "stringData.apiToken" in f.message and "userID" not in f.message


# --- SEC007 sops-rule-shadowed ------------------------------------------------------------------


def test_specific_rule_after_general_one(repo):
    root = repo(
        {
            ".sops.yaml": sops_config(r"kubernetes/.*\.sops\.ya?ml$", r"kubernetes/talos/.*\.sops\.ya?ml$"),
            "kubernetes/talos/talsecret.sops.yaml": ENCRYPTED_FILE,
            "kubernetes/apps/s.sops.yaml": encrypted_secret(),
        }
    )
    (f,) = fired(root, "SEC007")
    assert f.message.startswith("creation rule #2") and "taken first by rule #1" in f.message
    assert (f.loc.path, f.loc.line) == (".sops.yaml", 4)
    assert [r.loc.line for r in f.related] == [2]
    assert not fired(root, "SEC002")


def test_rules_after_a_rule_without_path_regex(repo):
    root = repo(
        {
            ".sops.yaml": sops_config(None, r"kubernetes/.+\.secret(\.sops)?\.ya?ml", r"kubernetes/.+\.env"),
            "kubernetes/s.sops.yaml": encrypted_secret(),
        }
    )
    found = fired(root, "SEC007")
    assert sorted(f.message.split(" ")[2] for f in found) == ["#2", "#3"]
    assert all("rule #1 has no path_regex" in f.message for f in found)
    assert not fired(root, "SEC002")  # the rules that match nothing are shadowed, not stale


def test_duplicate_rule_is_shadowed(repo):
    regex = r"apps/.*\.sops\.ya?ml$"
    root = repo({".sops.yaml": sops_config(regex, regex), "apps/s.sops.yaml": encrypted_secret()})
    assert [f.message[:16] for f in fired(root, "SEC007")] == ["creation rule #2"]


@pytest.mark.parametrize(
    "regexes",
    [
        (r"kubernetes/.*\.sops\.ya?ml$", r".*\.sops\.ya?ml$"),  # a fallback for files elsewhere
        (r"^kubernetes/apps/.*\.sops\.ya?ml$", r"^kubernetes/.*\.sops\.ya?ml$"),  # for other dirs
        (r".*\.sops\.yaml$", r".*\.sops\.(yaml|json)$"),  # for another format
        (r"kubernetes/talos/.*\.sops\.ya?ml$", r"kubernetes/.*\.sops\.ya?ml$"),  # specific first
        (r"kubernetes/.*\.sops\.ya?ml$", r"^terraform/.*\.sops\.ya?ml$"),  # matches nothing: stale
    ],
)
def test_rules_with_a_purpose_are_not_shadowed(repo, regexes):
    root = repo(
        {
            ".sops.yaml": sops_config(*regexes),
            "kubernetes/apps/s.sops.yaml": encrypted_secret(),
            "kubernetes/talos/talsecret.sops.yaml": ENCRYPTED_FILE,
        }
    )
    assert not fired(root, "SEC007")


def test_unevaluable_earlier_rule_is_not_judged(repo):
    root = repo(
        {
            ".sops.yaml": sops_config(r"\p{Greek}+\.sops\.yaml", r"apps/.*\.sops\.ya?ml$", r"apps/x/.*\.sops\.yaml$"),
            "apps/x/s.sops.yaml": encrypted_secret(),
        }
    )
    assert not fired(root, "SEC007")

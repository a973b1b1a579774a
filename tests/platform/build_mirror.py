#!/usr/bin/env python3
"""Build the local, signed docker-ce APT repository the tests and the lab install from.

download.docker.com cannot be reached from this network, so the suite makes a
repository with Docker's layout and package names (docker-ce, docker-ce-cli,
containerd.io, docker-buildx-plugin, docker-compose-plugin) and Docker-style
versions (``5:26.1.5-1~debian.12~bookworm``). The contents are Debian's real
builds, repackaged under those names:

* engine 20.10.24: Debian bookworm's docker.io (the CLI split out of it),
* engine 26.1.5:   Debian trixie's docker.io and docker-cli,
* containerd.io:   Debian's containerd 1.6.20 (bookworm) and 1.7.24 (trixie),
* plugins:         Debian trixie's docker-buildx and docker-compose.

Debian's containerd does not bundle runc the way containerd.io does; ours
depends on the distribution's runc instead.

The repository is signed with a key generated here (never a real Docker key)
and is laid out like the real one::

    <out>/linux/debian/gpg                                   (armored public key)
    <out>/linux/debian/dists/<suite>/{Release,InRelease,Release.gpg}
    <out>/linux/debian/dists/<suite>/stable/binary-amd64/Packages{,.gz}
    <out>/linux/debian/dists/<suite>/pool/stable/amd64/*.deb

Production fleets point the same role at download.docker.com or a corporate
mirror of it; nothing in the collection knows about this test repository.

The build is cached: it runs again only when this file changes or --force is given.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SUITES = {"bookworm": "12", "trixie": "13"}
ARCH = "amd64"
MAINTAINER = "dockfleet test mirror <test-mirror@dockfleet.invalid>"

# (Debian source suite, Debian package) for each engine version we publish.
ENGINES = {
    "20.10.24": {"engine": ("bookworm", "docker.io"), "cli": None, "containerd_min": "1.4"},
    "26.1.5": {"engine": ("trixie", "docker.io"), "cli": ("trixie", "docker-cli"), "containerd_min": "1.6"},
}
CONTAINERD = {"1.6.20": ("bookworm", "containerd"), "1.7.24": ("trixie", "containerd")}
PLUGINS = {
    "docker-buildx-plugin": ("trixie", "docker-buildx"),
    "docker-compose-plugin": ("trixie", "docker-compose"),
}

# Files of Debian's all-in-one docker.io 20.10 that belong to docker-ce-cli.
CLI_PATHS = re.compile(
    r"^\./usr/(bin/docker|share/bash-completion/completions/docker|share/fish/vendor_completions\.d/docker\.fish"
    r"|share/zsh/vendor-completions/_docker|share/man/man1/docker.*)$"
)


def run(*cmd: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kwargs)


def log(msg: str) -> None:
    print(f"[dockfleet] {msg}", file=sys.stderr, flush=True)


class DebianArchive:
    """Downloads .debs from Debian's archive with a private apt state, so the
    machine's own apt configuration is neither needed nor changed."""

    def __init__(self, workdir: Path, mirror: str):
        self.dir = workdir.resolve() / "apt"
        for sub in ("lists/partial", "cache/archives/partial", "etc"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
        (self.dir / "etc/sources.list").write_text(
            "".join(f"deb [signed-by={keyring}] {mirror} {suite} main\n" for suite in SUITES)
        )
        self.opts = [
            f"-oDir::Etc::SourceList={self.dir}/etc/sources.list",
            "-oDir::Etc::SourceParts=/dev/null",
            f"-oDir::State::Lists={self.dir}/lists",
            f"-oDir::Cache={self.dir}/cache",
            "-oAPT::Sandbox::User=root",
        ]
        self.debs = workdir.resolve() / "debs"
        self.debs.mkdir(exist_ok=True)
        self._updated = False

    def version_in(self, suite: str, package: str) -> str:
        if not self._updated:
            run("apt-get", *self.opts, "update", "-qq", stdout=subprocess.DEVNULL)
            self._updated = True
        out = run("apt-cache", *self.opts, "madison", package, capture_output=True, text=True).stdout
        for line in out.splitlines():
            name, version, source = (field.strip() for field in line.split("|"))
            if name == package and f" {suite}/main" in source:
                return version
        raise SystemExit(f"{package} is not in Debian {suite}: cannot build the test mirror")

    def fetch(self, suite: str, package: str) -> Path:
        version = self.version_in(suite, package)
        run("apt-get", *self.opts, "download", "-qq", f"{package}={version}", cwd=self.debs)
        matches = sorted(self.debs.glob(f"{package}_{version.split(':')[-1]}_*.deb"))
        if not matches:
            raise SystemExit(f"download of {package}={version} produced no file")
        return matches[0]


def upstream_of(debian_version: str) -> str:
    return re.match(r"(?:\d+:)?(\d+\.\d+\.\d+)", debian_version).group(1)


def read_control(tree: Path) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = None
    for line in (tree / "DEBIAN/control").read_text().splitlines():
        if line.startswith((" ", "\t")) and key:
            fields[key] += "\n" + line
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def write_control(tree: Path, fields: dict[str, str]) -> None:
    text = "".join(f"{k}: {v}\n" for k, v in fields.items() if v)
    (tree / "DEBIAN/control").write_text(text)


def rewrite_depends(depends: str, renames: dict[str, str], drop: set[str]) -> str:
    out = []
    for item in (d.strip() for d in depends.split(",")):
        name = re.split(r"[\s(]", item, maxsplit=1)[0]
        if name in drop:
            continue
        if name in renames:
            item = renames[name]
        out.append(item)
    return ", ".join(out)


def prune_files(tree: Path, keep) -> None:
    """Remove the payload files that `keep(relative_path)` rejects, and their md5sums."""
    for path in sorted(tree.rglob("*"), reverse=True):
        rel = "./" + str(path.relative_to(tree))
        if rel.startswith("./DEBIAN"):
            continue
        if path.is_file() or path.is_symlink():
            if not keep(rel):
                path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    md5 = tree / "DEBIAN/md5sums"
    if md5.exists():
        lines = [ln for ln in md5.read_text().splitlines() if (tree / ln.split(None, 1)[1]).exists()]
        md5.write_text("".join(line + "\n" for line in lines))
    conffiles = tree / "DEBIAN/conffiles"
    if conffiles.exists():
        kept = [ln for ln in conffiles.read_text().splitlines() if (tree / ln.lstrip("/")).exists()]
        if kept:
            conffiles.write_text("".join(line + "\n" for line in kept))
        else:
            conffiles.unlink()


def repackage(source_deb: Path, out_dir: Path, fields: dict[str, str], keep=None, maint_scripts=True) -> Path:
    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        tree = Path(tmp) / "tree"
        run("dpkg-deb", "-R", str(source_deb), str(tree))
        if keep is not None:
            prune_files(tree, keep)
        if not maint_scripts:
            for script in ("preinst", "postinst", "prerm", "postrm"):
                (tree / "DEBIAN" / script).unlink(missing_ok=True)
        control = read_control(tree)
        control.update(fields)
        for key in ("Source", "Built-Using", "Static-Built-Using", "Breaks", "Suggests", "Provides"):
            if key not in fields:
                control.pop(key, None)
        write_control(tree, control)
        name = f"{control['Package']}_{control['Version'].split(':')[-1]}_{control['Architecture']}.deb"
        target = out_dir / name
        run("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", str(tree), str(target), stdout=subprocess.DEVNULL)
        return target


def description(what: str, source: Path) -> str:
    return f"{what} (dockfleet test mirror)\n Debian's {source.name} repackaged under Docker's package name\n for offline tests. Not a Docker, Inc. build."


def build_suite(suite: str, archive: DebianArchive, root: Path) -> None:
    number = SUITES[suite]
    pool = root / f"dists/{suite}/pool/stable/{ARCH}"
    pool.mkdir(parents=True, exist_ok=True)

    def docker_version(upstream: str) -> str:
        return f"{upstream}-1~debian.{number}~{suite}"

    for upstream, (src_suite, pkg) in CONTAINERD.items():
        deb = archive.fetch(src_suite, pkg)
        depends = rewrite_depends(read_deb_field(deb, "Depends"), {}, set())
        repackage(
            deb,
            pool,
            {
                "Package": "containerd.io",
                "Version": f"{upstream}-1",
                "Maintainer": MAINTAINER,
                "Depends": depends,
                "Provides": "containerd",
                "Conflicts": "containerd, runc (<< 1.0)",
                "Replaces": "containerd",
                "Description": description("An open and reliable container runtime", deb),
            },
        )

    for upstream, spec in ENGINES.items():
        engine_deb = archive.fetch(*spec["engine"])
        found = upstream_of(read_deb_field(engine_deb, "Version"))
        if found != upstream:
            raise SystemExit(f"Debian {spec['engine'][0]} now has docker.io {found}, not {upstream}: update ENGINES")
        depends = rewrite_depends(
            read_deb_field(engine_deb, "Depends"),
            {"containerd": f"containerd.io (>= {spec['containerd_min']})"},
            {"lsb-base", "docker-cli"},
        )
        full = "5:" + docker_version(upstream)
        repackage(
            engine_deb,
            pool,
            {
                "Package": "docker-ce",
                "Version": full,
                "Maintainer": MAINTAINER,
                "Depends": depends + ", docker-ce-cli",
                "Recommends": "ca-certificates, docker-buildx-plugin, docker-compose-plugin",
                "Conflicts": "docker.io, docker-engine, docker-engine-cs",
                "Replaces": "docker-engine, docker-ce-cli (<< 5:21)",
                "Description": description("Docker: the open-source application container engine", engine_deb),
            },
            keep=lambda rel: not CLI_PATHS.match(rel),
        )
        cli_source = archive.fetch(*spec["cli"]) if spec["cli"] else engine_deb
        cli_fields = {
            "Package": "docker-ce-cli",
            "Version": full,
            "Maintainer": MAINTAINER,
            "Depends": "libc6 (>= 2.34)",
            "Recommends": "docker-buildx-plugin, docker-compose-plugin",
            "Conflicts": "docker.io, docker-cli, docker",
            "Replaces": "docker-ce (<< 5:21), docker-cli",
            "Description": description("Docker CLI: the open-source application container engine", cli_source),
        }
        if spec["cli"]:
            repackage(cli_source, pool, cli_fields)
        else:
            # Debian's 20.10 docker.io is all-in-one: its maintainer scripts manage the daemon, so the CLI part gets none.
            repackage(cli_source, pool, cli_fields, keep=lambda rel: bool(CLI_PATHS.match(rel)), maint_scripts=False)

    for name, (src_suite, pkg) in PLUGINS.items():
        deb = archive.fetch(src_suite, pkg)
        upstream = upstream_of(read_deb_field(deb, "Version"))
        repackage(
            deb,
            pool,
            {
                "Package": name,
                "Version": docker_version(upstream),
                "Maintainer": MAINTAINER,
                "Depends": "libc6 (>= 2.34)",
                "Recommends": "docker-ce-cli",
                "Conflicts": pkg,
                "Replaces": pkg,
                "Description": description(f"Docker CLI plugin {name}", deb),
            },
            keep=lambda rel: not rel.startswith("./usr/bin/"),
        )

    binary = root / f"dists/{suite}/stable/binary-{ARCH}"
    binary.mkdir(parents=True, exist_ok=True)
    packages = run(
        "apt-ftparchive", "packages", f"dists/{suite}/pool/stable/{ARCH}", cwd=root, capture_output=True
    ).stdout
    (binary / "Packages").write_bytes(packages)
    run("gzip", "-kf9", str(binary / "Packages"))
    release = run(
        "apt-ftparchive",
        "-oAPT::FTPArchive::Release::Origin=Docker",
        "-oAPT::FTPArchive::Release::Label=Docker CE (dockfleet test mirror)",
        f"-oAPT::FTPArchive::Release::Suite={suite}",
        f"-oAPT::FTPArchive::Release::Codename={suite}",
        "-oAPT::FTPArchive::Release::Components=stable",
        f"-oAPT::FTPArchive::Release::Architectures={ARCH}",
        "release",
        ".",
        cwd=root / f"dists/{suite}",
        capture_output=True,
    ).stdout
    (root / f"dists/{suite}/Release").write_bytes(release)


def read_deb_field(deb: Path, field: str) -> str:
    return run("dpkg-deb", "-f", str(deb), field, capture_output=True, text=True).stdout.strip()


def sign(root: Path, gnupg: Path) -> None:
    env = dict(os.environ, GNUPGHOME=str(gnupg))
    gnupg.mkdir(mode=0o700, parents=True, exist_ok=True)
    uid = "dockfleet test mirror (offline tests only) <test-mirror@dockfleet.invalid>"
    have_key = (
        subprocess.run(["gpg", "--batch", "--list-secret-keys", uid], env=env, capture_output=True).returncode == 0
    )
    if not have_key:
        log("generating the test mirror's signing key")
        run(
            "gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key", uid, "rsa3072", "sign", "never", env=env
        )
    armored = run("gpg", "--batch", "--armor", "--export", uid, env=env, capture_output=True).stdout
    (root / "gpg").write_bytes(armored)
    for suite in SUITES:
        release = root / f"dists/{suite}/Release"
        for args, out in ((["--clearsign"], "InRelease"), (["--detach-sign", "--armor"], "Release.gpg")):
            target = release.with_name(out)
            target.unlink(missing_ok=True)
            run("gpg", "--batch", "--yes", "--local-user", uid, *args, "-o", str(target), str(release), env=env)


def recipe_hash() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to publish the repository in")
    parser.add_argument("--work", type=Path, required=True, help="cache for downloads and keys")
    parser.add_argument("--debian-mirror", default="http://deb.debian.org/debian")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()

    stamp = args.out / ".recipe"
    if not args.force and stamp.exists() and stamp.read_text().strip() == recipe_hash():
        log(f"docker-ce test mirror is cached in {args.out}")
        return 0
    log("building the docker-ce test mirror from Debian's docker.io builds")
    root = args.out / "linux/debian"
    if root.exists():
        shutil.rmtree(root)
    archive = DebianArchive(args.work, args.debian_mirror)
    for suite in SUITES:
        build_suite(suite, archive, root)
    sign(root, args.work / "gnupg")
    stamp.write_text(recipe_hash() + "\n")
    log(f"docker-ce test mirror ready in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

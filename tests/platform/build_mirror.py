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

As in Docker's packages, containerd.io carries its own runc (/usr/bin/runc) and
provides, conflicts with and replaces ``containerd`` and ``runc``, and docker-ce
carries its own docker-init (/usr/bin/docker-init). These two binaries are
Debian's runc and tini-static of the release the repository suite is for, so
they run there (Docker, too, builds containerd.io per release). Removing the
distribution's runc, containerd and docker.io, as install guides and roles do,
therefore leaves the Docker packages installed. The other relationships follow
Docker's packaging of the same releases (docker/docker-ce-packaging,
docker/containerd-packaging) except where Debian's builds need otherwise: their
libraries, adduser and init-system-helpers for their maintainer scripts, and a
conflict with Debian's own plugin packages, which install the same files.

The repository is signed with a key generated here (never a real Docker key)
and is laid out like the real one::

    <out>/linux/debian/gpg                                   (armored public key)
    <out>/linux/debian/dists/<suite>/{Release,InRelease,Release.gpg}
    <out>/linux/debian/dists/<suite>/stable/binary-amd64/Packages{,.gz}
    <out>/linux/debian/dists/<suite>/pool/stable/amd64/*.deb

Production fleets point the same role at download.docker.com or a corporate
mirror of it; nothing in the collection knows about this test repository.

The build is cached: it runs again when this file (the whole recipe) changes or
--force is given.
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

# (Debian source suite, Debian package) for each engine version we publish. containerd_min
# is lower than Docker's own minimum for 26.1 (1.6.24) so that Debian's containerd 1.6.20 qualifies.
ENGINES = {
    "20.10.24": {
        "engine": ("bookworm", "docker.io"),
        "cli": None,
        "containerd_min": "1.4",
        # Docker's 20.10 CLI recommended the scan plugin (not offered here); 23.0 on, buildx and compose.
        "cli_recommends": "docker-scan-plugin",
    },
    "26.1.5": {
        "engine": ("trixie", "docker.io"),
        "cli": ("trixie", "docker-cli"),
        "containerd_min": "1.6",
        "cli_recommends": "docker-buildx-plugin, docker-compose-plugin",
    },
}
# containerd.io version: the Debian suite whose containerd it is made of (runc: see build_suite).
CONTAINERD = {"1.6.20": "bookworm", "1.7.24": "trixie"}
PLUGINS = {
    "docker-buildx-plugin": ("trixie", "docker-buildx"),
    "docker-compose-plugin": ("trixie", "docker-compose"),
}

# Docker's relationships for docker-ce and docker-ce-cli (docker/docker-ce-packaging, deb/common/control,
# 20.10 to 26.1): the engine and the CLI both conflict with every older name of Docker.
OLD_DOCKER_NAMES = (
    "docker (<< 1.5~), docker-engine, docker-engine-cs, docker.io, lxc-docker, lxc-docker-virtual-package"
)

RELATIONS_FROM_FIELDS = (
    "Pre-Depends",
    "Recommends",
    "Suggests",
    "Enhances",
    "Breaks",
    "Conflicts",
    "Provides",
    "Replaces",
)

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


def merge_depends(*fields: str) -> str:
    """Join Depends fields. A package asked for twice with ``>=`` keeps the higher minimum."""
    merged: dict[str, str] = {}
    for field in fields:
        for item in (d.strip() for d in field.split(",")):
            if not item:
                continue
            key = item
            simple = re.fullmatch(r"([a-z0-9.+-]+(?::[a-z0-9-]+)?)(?: \(>= ([^)]+)\))?", item)
            if simple:
                key = simple.group(1)
                known = re.fullmatch(r"[^ ]+(?: \(>= ([^)]+)\))?", merged.get(key, ""))
                if known and known.group(1) and (not simple.group(2) or version_gt(known.group(1), simple.group(2))):
                    continue
            merged[key] = item
    return ", ".join(merged.values())


def version_gt(a: str, b: str) -> bool:
    return subprocess.run(["dpkg", "--compare-versions", a, "gt", b], check=False).returncode == 0


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


def bundle_binary(tree: Path, dest: str, source_deb: Path, candidates: tuple[str, ...]) -> None:
    """Put the first of `candidates` found in `source_deb` into the package tree at `dest`
    (replacing a symlink there), and list it in DEBIAN/md5sums."""
    with tempfile.TemporaryDirectory(dir=tree.parent) as tmp:
        run("dpkg-deb", "-x", str(source_deb), tmp)
        found = [Path(tmp) / c.lstrip("/") for c in candidates]
        found = [p for p in found if p.is_file() and not p.is_symlink()]
        if not found:
            raise SystemExit(f"{source_deb.name} has none of {', '.join(candidates)}: cannot bundle {dest}")
        target = tree / dest.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        shutil.copy2(found[0], target)
        target.chmod(0o755)
    md5 = tree / "DEBIAN/md5sums"
    rel = dest.lstrip("/")
    lines = [ln for ln in md5.read_text().splitlines() if ln.split(None, 1)[1] != rel] if md5.exists() else []
    lines.append(f"{hashlib.md5(target.read_bytes()).hexdigest()}  {rel}")
    md5.write_text("".join(line + "\n" for line in sorted(lines, key=lambda ln: ln.split(None, 1)[1])))


def installed_size(tree: Path) -> str:
    """Installed-Size in KiB, counted the way dpkg-gencontrol counts it."""
    total = 0
    for path in tree.rglob("*"):
        if path.relative_to(tree).parts[0] == "DEBIAN":
            continue
        if path.is_file() and not path.is_symlink():
            total += (path.stat().st_size + 1023) // 1024
        else:
            total += 1
    return str(total)


def repackage(
    source_deb: Path, out_dir: Path, fields: dict[str, str], keep=None, maint_scripts=True, bundle=()
) -> Path:
    """Repackage `source_deb` with `fields` in its control file. `keep` filters its files; `bundle`
    is a list of (destination path, source .deb, candidate paths in it) to add binaries from other .debs."""
    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        tree = Path(tmp) / "tree"
        run("dpkg-deb", "-R", str(source_deb), str(tree))
        if keep is not None:
            prune_files(tree, keep)
        for dest, deb, candidates in bundle:
            bundle_binary(tree, dest, deb, candidates)
        if not maint_scripts:
            for script in ("preinst", "postinst", "prerm", "postrm"):
                (tree / "DEBIAN" / script).unlink(missing_ok=True)
        control = read_control(tree)
        control.update(fields)
        # Relationships other than Depends are Docker's, so only the ones given here stay.
        for key in ("Source", "Built-Using", "Static-Built-Using", *RELATIONS_FROM_FIELDS):
            if key not in fields:
                control.pop(key, None)
        control["Installed-Size"] = installed_size(tree)
        control["Description"] = control.pop("Description")
        write_control(tree, control)
        name = f"{control['Package']}_{control['Version'].split(':')[-1]}_{control['Architecture']}.deb"
        target = out_dir / name
        run("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", str(tree), str(target), stdout=subprocess.DEVNULL)
        return target


def description(what: str, *sources: Path) -> str:
    names = " and ".join(source.name for source in sources)
    return (
        f"{what} (dockfleet test mirror)\n Debian's {names}\n repackaged under Docker's package name"
        " for offline tests. Not a Docker, Inc. build."
    )


def build_suite(suite: str, archive: DebianArchive, root: Path) -> None:
    number = SUITES[suite]
    pool = root / f"dists/{suite}/pool/stable/{ARCH}"
    pool.mkdir(parents=True, exist_ok=True)

    def docker_version(upstream: str) -> str:
        return f"{upstream}-1~debian.{number}~{suite}"

    # Docker's containerd.io ships runc at /usr/bin/runc and docker-ce ships docker-init; both are taken
    # from this suite's Debian release, whose libc they are linked against.
    runc = archive.fetch(suite, "runc")
    tini = archive.fetch(suite, "tini")

    for upstream, src_suite in CONTAINERD.items():
        deb = archive.fetch(src_suite, "containerd")
        found = upstream_of(read_deb_field(deb, "Version"))
        if found != upstream:
            raise SystemExit(f"Debian {src_suite} now has containerd {found}, not {upstream}: update CONTAINERD")
        depends = merge_depends(
            rewrite_depends(read_deb_field(deb, "Depends"), {}, {"runc"}), read_deb_field(runc, "Depends")
        )
        repackage(
            deb,
            pool,
            {
                "Package": "containerd.io",
                "Version": f"{upstream}-1",
                "Maintainer": MAINTAINER,
                "Depends": depends,
                "Provides": "containerd, runc",
                "Conflicts": "containerd, runc",
                "Replaces": "containerd, runc",
                "Description": description("An open and reliable container runtime", deb, runc),
            },
            bundle=[("/usr/bin/runc", runc, ("/usr/bin/runc", "/usr/sbin/runc"))],
        )

    for upstream, spec in ENGINES.items():
        engine_deb = archive.fetch(*spec["engine"])
        found = upstream_of(read_deb_field(engine_deb, "Version"))
        if found != upstream:
            raise SystemExit(f"Debian {spec['engine'][0]} now has docker.io {found}, not {upstream}: update ENGINES")
        # Debian links docker-init to tini-static from the tini package; runc comes with containerd.io;
        # lsb-base and docker-cli are Debian's own split. adduser and the libraries stay: Debian's
        # maintainer scripts and binaries need them.
        depends = rewrite_depends(
            read_deb_field(engine_deb, "Depends"),
            {"containerd": f"containerd.io (>= {spec['containerd_min']})"},
            {"lsb-base", "docker-cli", "runc", "tini"},
        )
        full = "5:" + docker_version(upstream)
        repackage(
            engine_deb,
            pool,
            {
                "Package": "docker-ce",
                "Version": full,
                "Maintainer": MAINTAINER,
                "Pre-Depends": read_deb_field(engine_deb, "Pre-Depends"),
                "Depends": merge_depends(depends, "docker-ce-cli, iptables"),
                "Recommends": "apparmor, ca-certificates, docker-ce-rootless-extras, git, libltdl7, pigz, procps, "
                "xz-utils",
                "Suggests": "aufs-tools, cgroupfs-mount | cgroup-lite",
                "Conflicts": OLD_DOCKER_NAMES,
                "Replaces": "docker-engine",
                "Description": description("Docker: the open-source application container engine", engine_deb, tini),
            },
            keep=lambda rel: not CLI_PATHS.match(rel),
            bundle=[("/usr/bin/docker-init", tini, ("/usr/bin/tini-static",))],
        )
        cli_source = archive.fetch(*spec["cli"]) if spec["cli"] else engine_deb
        cli_fields = {
            "Package": "docker-ce-cli",
            "Version": full,
            "Maintainer": MAINTAINER,
            "Depends": "libc6 (>= 2.34)",
            "Recommends": spec["cli_recommends"],
            "Conflicts": OLD_DOCKER_NAMES,
            "Breaks": "docker-ce (<< 5:0)",
            "Replaces": "docker-ce (<< 5:0)",
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
                "Enhances": "docker-ce-cli",
                # Debian's own package installs the same plugin file; Docker's buildx plugin also replaces
                # docker-ce-cli (older CLIs carried buildx).
                "Conflicts": pkg,
                "Replaces": f"{pkg}, docker-ce-cli" if name == "docker-buildx-plugin" else pkg,
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
        subprocess.run(
            ["gpg", "--batch", "--list-secret-keys", uid], env=env, capture_output=True, check=False
        ).returncode
        == 0
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
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
    # A build that stops half way must not leave a stamp that says the old mirror is complete.
    stamp.unlink(missing_ok=True)
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

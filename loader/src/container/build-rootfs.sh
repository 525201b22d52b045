#!/usr/bin/env bash
# Usage: build-rootfs.sh JDK_HOME OUTPUT_DIR
#
# The runtime half of the loader's container image, which Jib builds FROM scratch (no registry is
# needed, so no base image is pulled): a jlinked Java runtime with only the modules the loader
# uses, plus the few shared libraries that runtime links against, copied from this machine as
# distroless images do (glibc and its dynamic loader). Jib adds it with extraDirectories.
set -euo pipefail
jdk="$1"
out="$2"

# What the loader's code uses (jdeps --print-module-deps on the shaded jar), less java.desktop:
# only Jackson's optional java.beans support and pgjdbc's geometric types reach it, neither used.
# java.naming: pgjdbc's hostname check (LdapName); java.security.jgss and java.management: pgjdbc.
modules=java.base,java.logging,java.management,java.naming,java.security.jgss,java.sql,jdk.unsupported

rm -rf "$out"
mkdir -p "$out/opt" "$out/tmp"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --compress=zip-6 --output "$out/opt/java"

# Every library the runtime's executables and native libraries need, and the dynamic loader, as
# regular files at the paths the loader looks in (symbolic links resolved).
libs=$(find "$out/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
    | xargs -0 ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 ~ /ld-linux/ {print $1}' \
    | sort -u)
# Name lookups: glibc loads its NSS modules (libnss_files for /etc/hosts, libnss_dns for DNS) at
# run time, so ldd never lists them. From glibc 2.34 both live inside libc and these files are
# empty stubs; before it, without them, no host name resolves. Copied from libc's directory, with
# what they link against (libresolv before 2.34).
libdir="$(dirname "$(printf '%s\n' $libs | grep '/libc\.so\.6$' | head -1)")"
nss=""
for module in files dns; do
    if [ -f "$libdir/libnss_$module.so.2" ]; then nss="$nss $libdir/libnss_$module.so.2"; fi
done
if [ -n "$nss" ]; then
    libs="$(printf '%s\n' $libs $nss $(ldd $nss 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}') | sort -u)"
fi
for lib in $libs; do
    case "$lib" in "$out"/*) continue ;; esac
    mkdir -p "$out$(dirname "$lib")"
    cp -L "$lib" "$out$lib"
done
# The ELF interpreter path every executable names.
mkdir -p "$out/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$out/lib64/ld-linux-x86-64.so.2"
# A passwd and group entry for the user the image runs as (distroless's nonroot), so that
# user.name and user.home resolve; /etc/hosts for localhost (Fargate mounts its own); and
# nsswitch.conf: without it glibc asks DNS first for every name, localhost included. No
# resolv.conf: the container runtime writes it (on Fargate, the VPC's resolver).
mkdir -p "$out/etc" "$out/home/nonroot"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$out/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$out/etc/group"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$out/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$out/etc/nsswitch.conf"
# A postgres destination verifies its server against the stack's PostgresCaBundlePath, by default
# /var/task/rds/global-bundle.pem (where Lambda unpacks the loader jar): the image holds it there
# when S3LOADER_RDS_CA_BUNDLE names AWS's RDS bundle (scripts/container --rds-ca-bundle FILE).
if [ -n "${S3LOADER_RDS_CA_BUNDLE:-}" ]; then
    grep -q -- '-----BEGIN CERTIFICATE-----' "$S3LOADER_RDS_CA_BUNDLE" \
        || { echo "S3LOADER_RDS_CA_BUNDLE: $S3LOADER_RDS_CA_BUNDLE holds no PEM certificate" >&2; exit 1; }
    mkdir -p "$out/var/task/rds"
    cp "$S3LOADER_RDS_CA_BUNDLE" "$out/var/task/rds/global-bundle.pem"
fi
echo "runtime for the image in $out: $(du -sh "$out" | cut -f1) (Java $("$out/opt/java/bin/java" -version 2>&1 | head -1))"

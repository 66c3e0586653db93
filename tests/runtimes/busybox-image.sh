#!/usr/bin/env bash
# Build a tiny busybox image without any registry (none is reachable here):
#   OUT_DIR/rootfs          rootfs directory (for `podman run --rootfs`)
#   OUT_DIR/busybox-oci.tar OCI image layout (for `ctr images import`), ref cninet.local/busybox:latest
# Usage: busybox-image.sh OUT_DIR
# Idempotent: the layer tar is reproducible (fixed mtime/owner/order), so digests stay stable across runs.
set -euo pipefail

OUT_DIR=${1:?usage: busybox-image.sh OUT_DIR}
BUSYBOX=${BUSYBOX:-/bin/busybox}
IMAGE_REF=${IMAGE_REF:-cninet.local/busybox:latest}

[[ -x $BUSYBOX ]] || { echo "busybox-image: $BUSYBOX missing (apt-get install busybox-static)" >&2; exit 1; }
# A dynamically linked busybox would need its libraries in the rootfs.
if ! file_out=$(LC_ALL=C readelf -d "$BUSYBOX" 2>&1) || grep -q NEEDED <<<"$file_out"; then
    echo "busybox-image: $BUSYBOX is not static (need busybox-static)" >&2; exit 1
fi

mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
ROOTFS=$OUT_DIR/rootfs
rm -rf "$ROOTFS" "$OUT_DIR/oci"
mkdir -p "$ROOTFS"/{bin,dev,etc,proc,sys,tmp,run,root,var}
chmod 1777 "$ROOTFS/tmp"
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
# Every applet as a relative symlink in /bin: PATH lookups for sh, ip, ping, sleep... then all resolve.
for applet in $("$ROOTFS/bin/busybox" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$ROOTFS/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\n' >"$ROOTFS/etc/group"

# OCI layout: one uncompressed layer, config, manifest, index.json.
OCI=$OUT_DIR/oci
BLOBS=$OCI/blobs/sha256
mkdir -p "$BLOBS"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$ROOTFS" -cf "$OCI/layer.tar" .
put_blob() { # file -> prints "digest size", moves the file to blobs/sha256/<digest>
    local d s
    d=$(sha256sum "$1" | cut -d' ' -f1); s=$(stat -c %s "$1")
    mv "$1" "$BLOBS/$d"; echo "$d $s"
}
read -r LAYER_DIGEST LAYER_SIZE < <(put_blob "$OCI/layer.tar")

python3 - "$OCI" "$LAYER_DIGEST" "$LAYER_SIZE" "$IMAGE_REF" <<'EOF'
import hashlib, json, os, sys
oci, layer_digest, layer_size, ref = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
blobs = os.path.join(oci, "blobs", "sha256")

def put(obj):
    data = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}

config = put({
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"], "WorkingDir": "/"},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_digest]},
})
config["mediaType"] = "application/vnd.oci.image.config.v1+json"
manifest = put({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": config,
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": "sha256:" + layer_digest, "size": layer_size}],
})
manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
# io.containerd.image.name makes `ctr images import` name it even without --base-name.
manifest["annotations"] = {"org.opencontainers.image.ref.name": ref, "io.containerd.image.name": ref}
manifest["platform"] = {"architecture": "amd64", "os": "linux"}
with open(os.path.join(oci, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
               "manifests": [manifest]}, f)
with open(os.path.join(oci, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
EOF

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$OCI" -cf "$OUT_DIR/busybox-oci.tar" oci-layout index.json blobs
rm -rf "$OCI"
echo "busybox-image: $ROOTFS and $OUT_DIR/busybox-oci.tar ($IMAGE_REF)" >&2

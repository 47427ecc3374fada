#!/usr/bin/env bash
# Builds .gpu-layer/ (git-ignored): Mesa's Vulkan device-select layer for the GPU machine, which has NVIDIA's
# driver but no Mesa. `sweep --gpus` pins each process to its GPU through this layer (src/sweep/gpus.ts).
#   - layer/: libVkLayer_MESA_device_select.so and its manifest, copied from this machine's mesa-vulkan-drivers
#     (the 25.x build the tests use; apt install -t bookworm-backports mesa-vulkan-drivers);
#   - debs/: the libraries the layer links (libxcb, libwayland-client, libdrm, …) as Debian packages, unpacked on
#     the GPU machine only where that machine lacks them (bench/gpu/issue14.sh does it, without writing to /usr).
#   usage: bash bench/gpu/device-select-layer.sh        (then carry .gpu-layer with the command)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
so=/usr/lib/x86_64-linux-gnu/libVkLayer_MESA_device_select.so
manifest=/usr/share/vulkan/implicit_layer.d/VkLayer_MESA_device_select.json
[ -f "$so" ] && [ -f "$manifest" ] || { echo "device-select-layer: no $so here: install mesa-vulkan-drivers" >&2; exit 1; }
rm -rf .gpu-layer && mkdir -p .gpu-layer/layer .gpu-layer/debs
cp "$so" "$manifest" .gpu-layer/layer/
dpkg-query -W -f='${Package} ${Version}\n' mesa-vulkan-drivers > .gpu-layer/layer/VERSION

# The packages that hold the layer's libraries (libc6 is on every machine).
packages=$(ldd "$so" | awk '/=> \// {print $3}' | while read -r lib; do
  dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true
done | cut -d: -f1 | sort -u | grep -vx libc6)
lists=/tmp/gpu-bundle-apt-lists
mkdir -p "$lists/partial"
o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$lists")
apt-get "${o[@]}" update -qq >/dev/null
# shellcheck disable=SC2086
(cd .gpu-layer/debs && apt-get "${o[@]}" download -qq $packages >/dev/null 2>&1)
echo "device-select-layer: .gpu-layer is $(du -sk .gpu-layer | cut -f1) KiB: $(cat .gpu-layer/layer/VERSION); libraries: $(echo $packages)"

#!/usr/bin/env bash
# Regenerates every app and tray icon from source.svg (needs ImageMagick with librsvg).
set -euo pipefail
cd "$(dirname "$0")"
for size in 32 128 256 512; do
  convert -background none -density 384 source.svg -resize "${size}x${size}" "PNG32:${size}x${size}.png"
done
mv 256x256.png 128x128@2x.png
mv 512x512.png icon.png
convert -background none -density 384 source.svg -define icon:auto-resize=256,128,64,48,32,16 icon.ico

#!/usr/bin/env bash
# Makes the demo's pictures and its short video (data/demo/media/) from
# nothing but code: scripts/demo-media/art.c draws them with cairo and
# pango (already build dependencies), ffmpeg encodes the video's frames.
# The results are committed; run this only to change them (see
# data/demo/README.md). Needs: scripts/deps.sh --media (ffmpeg).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --media
out=data/demo/media
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -O2 -Wall -Wextra -Wno-unused-parameter -Werror -o "$tmp/art" scripts/demo-media/art.c \
  $(pkg-config --cflags --libs pangocairo cairo) -lm
mkdir -p "$out" "$tmp/frames"
"$tmp/art" avatars "$out"
"$tmp/art" posters "$out"
# 10 s at 12 frames per second; H.264 baseline + faststart plays in every
# browser and starts before the whole file is there.
"$tmp/art" frames "$tmp/frames" 120
ffmpeg -loglevel error -y -framerate 12 -i "$tmp/frames/frame-%04d.png" \
  -c:v libx264 -profile:v baseline -pix_fmt yuv420p -crf 32 -preset veryslow \
  -movflags +faststart -an "$out/popsci-ai-scan.mp4"
# The qinghai profile's (data/demo/qinghai/): its studios' avatars, its
# 科普 posters and its video (光伏治沙), the same way.
"$tmp/art" qinghai-avatars "$out"
"$tmp/art" qinghai-posters "$out"
rm -f "$tmp"/frames/*
"$tmp/art" qinghai-frames "$tmp/frames" 120
ffmpeg -loglevel error -y -framerate 12 -i "$tmp/frames/frame-%04d.png" \
  -c:v libx264 -profile:v baseline -pix_fmt yuv420p -crf 32 -preset veryslow \
  -movflags +faststart -an "$out/qh-pv-desert.mp4"
ls -l "$out"

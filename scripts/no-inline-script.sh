#!/bin/sh
# Trunk's post-build hook (Trunk.toml): moves the loader Trunk writes inline into index.html out
# to dist/boot.js, so that the page runs under a Content-Security-Policy without
# 'unsafe-inline' (README, "Deploying"). Trunk has no setting for this in 0.21.
set -eu
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
html="$dir/index.html"
perl -0ne 'print $1 if m{<script type="?module"?>\s*(.*?)\s*</script>}s' "$html" > "$dir/boot.js"
if [ ! -s "$dir/boot.js" ]; then
  echo "no inline loader found in $html" >&2
  exit 1
fi
perl -0pi -e 's{<script type="?module"?>.*?</script>}{<script type="module" src="./boot.js"></script>}s' "$html"

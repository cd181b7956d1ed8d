#!/usr/bin/env bash
# Build the custom, minimal Plotly.js browser bundle served by the app.
#
#   bash assets/plotly/build.sh      (or: make plotly-bundle)
#
# Installs the pinned npm dependencies (package-lock.json) into
# assets/plotly/node_modules with `npm ci`, bundles index.js with esbuild and
# writes:
#   app/static/vendor/plotly/plotly-custom.min.js
#   app/static/vendor/plotly/LICENSE            (plotly.js MIT licence)
#   app/static/vendor/plotly/plotly.css         (the stylesheet Plotly would otherwise inject inline)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT_DIR="$ROOT/app/static/vendor/plotly"
OUT_JS="$OUT_DIR/plotly-custom.min.js"
PLOTLY_VERSION="4.1.1"   # must match the plotly.js embedded by the Python `plotly` package
TRACES="bar, scatterpolar, box, scatter, pie"

for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 || { echo "build.sh: '$tool' is required" >&2; exit 1; }
done

cd "$HERE"

echo "==> npm ci (assets/plotly/node_modules)"
# No install scripts are needed: esbuild ships its binary as an optional
# platform package (@esbuild/<os>-<arch>).
npm ci --no-audit --no-fund --ignore-scripts

installed="$(node -p "require('plotly.js/package.json').version")"
if [ "$installed" != "$PLOTLY_VERSION" ]; then
    echo "build.sh: expected plotly.js $PLOTLY_VERSION, found $installed" >&2
    exit 1
fi

mkdir -p "$OUT_DIR"
tmp="$(mktemp "$OUT_DIR/.plotly-custom.min.js.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

echo "==> esbuild index.js -> ${OUT_JS#"$ROOT"/}"
# --define:define.amd=false  keep UMD dependencies (d3 v3...) from calling an
#                            AMD loader (RequireJS) if one is on the page.
# --loader:.css=empty        drop the maplibre-gl stylesheet that the core
#                            registry requires for `map` subplots (not used).
# --target=es2016            same syntax level as the official plotly.js dist.
./node_modules/.bin/esbuild index.js \
    --bundle \
    --minify \
    --format=iife \
    --global-name=Plotly \
    --define:global=window \
    --define:define.amd=false \
    --loader:.css=empty \
    --target=es2016 \
    --log-level=warning \
    --banner:js="/*! plotly.js v$PLOTLY_VERSION custom bundle (traces: $TRACES; locale: fr) | MIT licence, see LICENSE | rebuild: make plotly-bundle */" \
    --outfile="$tmp"

# esbuild leaves a literal U+FFFD inside a regular expression (src/lib/slugify.js).
# Escape any non-ASCII character as \uXXXX so the file is pure ASCII and does
# not depend on the charset it is served or decoded with.
node - "$tmp" <<'JS'
const fs = require('fs');
const file = process.argv[2];
const src = fs.readFileSync(file, 'utf8');
fs.writeFileSync(file, src.replace(/[^\x00-\x7f]/g, function (c) {
    return '\\u' + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
}));
JS

# Sanity checks on the output.
grep -q 'newPlot' "$tmp" || { echo "build.sh: bundle does not contain newPlot" >&2; exit 1; }
if LC_ALL=C grep -q '[^[:print:][:space:]]' "$tmp"; then
    echo "build.sh: bundle is not pure ASCII" >&2; exit 1
fi
node -e "new Function(require('fs').readFileSync(process.argv[1], 'utf8'))" "$tmp"

chmod 644 "$tmp"
mv -f "$tmp" "$OUT_JS"
trap - EXIT
cp node_modules/plotly.js/LICENSE "$OUT_DIR/LICENSE"
cp node_modules/plotly.js/dist/plotly.css "$OUT_DIR/plotly.css"

size=$(wc -c < "$OUT_JS")
gz=$(gzip -9c "$OUT_JS" | wc -c)
echo "==> wrote ${OUT_JS#"$ROOT"/} ($size bytes, $gz bytes gzipped)"

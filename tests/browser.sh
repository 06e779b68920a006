#!/usr/bin/env bash
# The reports as a reader sees them: each kind of `fendan report` (a run, a comparison,
# a sweep, a run with fiscal figures and its capacity page) rendered by headless
# Chromium, and the run's workbook by LibreOffice.
#
# For each report: the expected charts are in the rendered DOM (one <svg> per chart
# id), the console shows nothing (the report has no script, so any console line is
# an error), the page requests no host that Chromium's own background services do
# not (and the HTML references nothing outside itself), the screenshot is not blank,
# and the printed PDF has A4 pages. The detectors are first shown to catch a page
# with a JavaScript error, a page that loads an image from the network and a blank page.
# The workbook's first sheet prints to A4 landscape pages that are not blank.
#
# Usage: tests/browser.sh [--keep DIR]   (DIR receives the PNG of each kind)
# Needs: chromium, fonts-noto-cjk, poppler-utils (pdfinfo), python3; libreoffice-calc
# for the workbook. Without chromium it says so and stops, unless CI is set (then it fails).
# Chromium is kept off the network: every host name resolves to nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

keep=""
if [ "${1:-}" = "--keep" ]; then keep=$2; fi
# The release binary with the default features (built here: a no-op when up to date),
# or the one FENDAN names.
bin=${FENDAN:-}
chromium=${CHROMIUM:-chromium}
check="python3 tests/browser_check.py"

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    if [ -n "${CI:-}" ]; then
      echo "browser tests: $1 is not installed, and CI must run these tests" >&2
      exit 1
    fi
    echo "browser tests skipped: $1 is not installed (.ci/run installs it)"
    exit 0
  fi
}
need "$chromium"
need pdfinfo
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=target/release/fendan
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
pass() { echo "  ok: $*"; }
bad() { echo "  FAILED: $*" >&2; failures=$((failures + 1)); }

chrome() {
  "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --host-resolver-rules="MAP * ~NOTFOUND" \
    --user-data-dir="$(mktemp -d -p "$work")" "$@"
}

# Render $1 (an HTML file) into $work/$2.{dom,log,netlog,png,pdf}.
render() {
  local html=$1 name=$2
  chrome --enable-logging=stderr --v=0 --log-net-log="$work/$name.netlog" \
    --dump-dom "file://$html" >"$work/$name.dom" 2>"$work/$name.log"
  chrome --screenshot="$work/$name.png" --window-size=1000,1600 "file://$html" \
    >/dev/null 2>&1
  chrome --no-pdf-header-footer --print-to-pdf="$work/$name.pdf" "file://$html" \
    >/dev/null 2>&1
}

console_quiet() { ! grep -q ':CONSOLE' "$work/$1.log"; }

# The hosts a page requested beyond those of a blank page (Chromium's own services).
extra_hosts() { comm -23 <($check hosts "$work/$1.netlog") <($check hosts "$work/blank.netlog"); }

not_blank() {
  local colours share
  read -r colours share < <($check png "$work/$1.png")
  python3 -c "import sys; sys.exit(0 if $colours >= 16 and $share >= 0.05 else 1)"
}

a4_pages() {
  local pages
  pages=$(pdfinfo "$work/$1.pdf" | awk '/^Pages:/ {print $2}')
  [ "${pages:-0}" -ge "${2:-1}" ] || return 1
  # Every page is A4 (595 x 842 points), upright or landscape.
  ! pdfinfo -f 1 -l "$pages" "$work/$1.pdf" | grep -E '^Page +[0-9]+ size:' | grep -vq '(A4)'
}

echo "== the detectors catch what they look for"
cat >"$work/jserror.html" <<'EOF'
<!DOCTYPE html><html><body><p>x</p><script>console.error("deliberate"); notDefined();</script></body></html>
EOF
cat >"$work/network.html" <<'EOF'
<!DOCTYPE html><html><body><img src="https://example.com/logo.png" alt=""></body></html>
EOF
cat >"$work/blank.html" <<'EOF'
<!DOCTYPE html><html><body></body></html>
EOF
for page in blank jserror network; do render "$work/$page.html" "$page"; done
if console_quiet jserror; then bad "a JavaScript error went unnoticed"; else pass "a JavaScript error is caught"; fi
if [ -z "$(extra_hosts network)" ]; then bad "a network image went unnoticed"; else pass "a network request is caught"; fi
if $check offline "$work/network.html" 2>/dev/null; then bad "an external src went unnoticed"; else pass "an external src is caught"; fi
if not_blank blank; then bad "a blank page passed as drawn"; else pass "a blank page is caught"; fi

echo "== Chinese glyphs are drawn in SVG text (not the boxes of a missing font)"
font=$(grep -o 'pub const FONT: &str = "[^"]*"' src/html/charts.rs | cut -d'"' -f2)
# Two lines of SVG text in the charts' font list: Chinese, and private-use characters
# that no font has (drawn as boxes). Different pixels mean the Chinese has glyphs.
glyph_pages() {
  local suffix=$1
  for page in cjk:邯郸市分担中央省市县 boxes:$'\ue000\ue001\ue002\ue003\ue004\ue005\ue006\ue007\ue008\ue009'; do
    local name=${page%%:*}$suffix text=${page#*:}
    printf '<!DOCTYPE html><html><body><svg width="600" height="120"><text x="10" y="80" font-family="%s" font-size="48">%s</text></svg></body></html>' \
      "$font" "$text" >"$work/$name.html"
    chrome --screenshot="$work/$name.png" --window-size=640,160 "file://$work/$name.html" >/dev/null 2>&1
  done
}
# The detector first, with a font configuration that holds no Chinese font.
latin=$(fc-list : file | grep -i -m1 'dejavu' | cut -d: -f1 | xargs -r dirname || true)
if [ -n "$latin" ]; then
  printf '<?xml version="1.0"?><fontconfig><dir>%s</dir><cachedir>%s/fc-cache</cachedir></fontconfig>\n' "$latin" "$work" >"$work/latin.conf"
  FONTCONFIG_FILE="$work/latin.conf" glyph_pages -latin
  if $check differ "$work/cjk-latin.png" "$work/boxes-latin.png" 2>/dev/null; then
    bad "the glyph check passed without a Chinese font"
  else
    pass "without a Chinese font, the glyph check fails"
  fi
fi
glyph_pages ""
if $check differ "$work/cjk.png" "$work/boxes.png"; then pass "Chinese glyphs are drawn"; else bad "Chinese text would show as boxes: install fonts-noto-cjk"; fi

echo "== the reports"
"$bin" simulate scenarios/baseline.yaml --out "$work/base" --quiet --xlsx "$work/base.xlsx"
"$bin" simulate scenarios/pre_reform_shares.yaml --out "$work/pre" --quiet
"$bin" sweep tests/data/sweep/sampled.yaml --out "$work/sweep" --quiet
"$bin" simulate scenarios/capacity_2019.yaml --out "$work/cap" --quiet
"$bin" report "$work/base" --out "$work/run.html"
"$bin" report "$work/pre" --compare "$work/base" --out "$work/compare.html"
"$bin" report "$work/sweep" --out "$work/sweep.html"
"$bin" report "$work/cap" --out "$work/capacity.html"

declare -A charts=(
  [run]="chart-levels chart-shares chart-per-head chart-county-burden chart-domains chart-equalization"
  [compare]="chart-diff-levels chart-diff-units"
  [capacity]="chart-levels chart-shares chart-per-head chart-county-burden chart-domains chart-equalization chart-capacity-burden chart-capacity-need"
  [sweep]="chart-tornado-central-2020 chart-tornado-province-2020 chart-tornado-city-2020 chart-tornado-county-2020 chart-tornado-total-2020 chart-tornado-cv-2020 chart-tornado-theil-2020 chart-band"
)
declare -A min_pages=([run]=6 [compare]=2 [sweep]=2 [capacity]=8)
for kind in run compare sweep capacity; do
  echo "-- $kind"
  render "$work/$kind.html" "$kind"
  # shellcheck disable=SC2086
  if n=$($check charts "$work/$kind.dom" ${charts[$kind]}); then
    expected=$(wc -w <<<"${charts[$kind]}")
    if [ "$n" -eq "$expected" ]; then pass "$n charts, each once, each labelled in Chinese"; else bad "$n <svg> elements, expected $expected"; fi
  else
    bad "charts missing"
  fi
  if console_quiet "$kind"; then pass "console quiet"; else bad "console: $(grep ':CONSOLE' "$work/$kind.log" | head -3)"; fi
  extra=$(extra_hosts "$kind")
  if [ -z "$extra" ]; then pass "no network request"; else bad "requested $extra"; fi
  if $check offline "$work/$kind.html"; then pass "references nothing outside itself"; else bad "not self-contained"; fi
  if not_blank "$kind"; then pass "screenshot drawn ($($check png "$work/$kind.png") colours, share inked)"; else bad "screenshot blank"; fi
  if [ "$kind" = capacity ]; then
    # The made-up figures are flagged on the page a reader sees.
    if grep -q 'ILLUSTRATIVE, NOT REAL DATA' "$work/$kind.dom"; then pass "illustrative figures flagged"; else bad "no illustrative notice"; fi
  fi
  if a4_pages "$kind" "${min_pages[$kind]}"; then
    pass "PDF: $(pdfinfo "$work/$kind.pdf" | awk '/^Pages:/ {print $2}') A4 pages"
  else
    bad "PDF pages not A4 or too few"
  fi
  if [ -n "$keep" ]; then cp "$work/$kind.png" "$keep/report-$kind.png"; fi
done

echo "== the workbook in a spreadsheet application"
if command -v soffice >/dev/null 2>&1; then
  (cd "$work" && soffice --headless --norestore "-env:UserInstallation=file://$work/lo" \
    --convert-to pdf base.xlsx >/dev/null 2>&1)
  if [ -s "$work/base.pdf" ]; then
    size=$(pdfinfo -f 1 -l 1 "$work/base.pdf" | awk '/^Page +1 size:/ {print $4, $6}')
    if [ "$size" = "841.89 595.304" ] || [ "$size" = "841.89 595.28" ]; then
      pass "报告 prints on A4 landscape ($size pt)"
    else
      bad "报告 page size $size pt, expected A4 landscape"
    fi
    pdftoppm -r 60 -png -f 1 -l 2 "$work/base.pdf" "$work/sheet"
    for p in "$work"/sheet-*.png; do
      name=$(basename "$p" .png)
      if not_blank "$name"; then pass "$name drawn"; else bad "$name blank"; fi
    done
    if [ -n "$keep" ]; then cp "$work"/sheet-*.png "$keep/"; fi
  else
    bad "LibreOffice wrote no PDF"
  fi
elif [ -n "${CI:-}" ]; then
  bad "soffice is not installed"
else
  echo "  skipped: LibreOffice is not installed (.ci/run installs it)"
fi

if [ "$failures" -gt 0 ]; then
  echo "browser tests: $failures failed" >&2
  exit 1
fi
echo "browser tests passed"

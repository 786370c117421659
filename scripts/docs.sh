#!/usr/bin/env bash
# Build the bilingual docs: English into _build/html/en, Simplified Chinese into
# _build/html/zh_CN, and _build/html/index.html, which sends readers to one of them.
#
# Usage: scripts/docs.sh [--update-po]
#   --update-po   first update docs/locale/zh_CN/LC_MESSAGES/*.po from the English pages
#                 (sphinx-intl update); translators run this after the English text changed.
#
# Expects an environment with the doc tools installed (docs/requirements.txt, also in the
# dev extra) and aioweb importable. Fails on any Sphinx warning, on an error in a code cell,
# and on a page that is not fully translated.
set -euo pipefail
cd "$(dirname "$0")/.."

update_po=0
for arg in "$@"; do
    case "$arg" in
        --update-po) update_po=1 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "scripts/docs.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

OUT=_build/html
LANGS=(en zh_CN)
# The code cells import the checkout being documented, even if another aioweb is installed.
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
# Jupyter's runtime files (kernel connection files) go to a private, throw-away directory.
JUPYTER_RUNTIME_DIR="$(mktemp -d)"
export JUPYTER_RUNTIME_DIR
trap 'rm -rf "$JUPYTER_RUNTIME_DIR"' EXIT

step() { printf '\n==> %s\n' "$*"; }
start=$SECONDS

# Every build starts from a fresh environment (-E): Sphinx does not notice when src/ changes,
# so a cached one would keep old docstrings and old code-cell outputs.
step "extract messages (gettext)"
rm -rf _build/gettext
# Code cells are not extracted for translation, so this build does not run them.
sphinx-build -q -E -W --keep-going -b gettext -D nb_execution_mode=off \
    -d _build/doctrees/gettext docs _build/gettext

if [ "$update_po" = 1 ]; then
    step "update docs/locale/zh_CN catalogues (sphinx-intl)"
    sphinx-intl update -p _build/gettext -l zh_CN -d docs/locale -w 0 --no-obsolete
fi

step "translations complete"
python tools/check_translations.py --pot-dir _build/gettext --locale-dir docs/locale \
    --lang zh_CN --allow-partial 'api*'

rm -rf "$OUT"  # no page left over from an earlier build
for lang in "${LANGS[@]}"; do
    step "HTML ($lang)"
    # Separate doctrees per language: the two builds never share a pickled environment.
    sphinx-build -q -E -W --keep-going -b html -D language="$lang" \
        -d "_build/doctrees/$lang" docs "$OUT/$lang"
done

step "root page and language links"
cat > "$OUT/index.html" <<'HTML'
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>aioweb documentation</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>
  // Readers whose browser prefers Chinese get the Chinese docs; everyone else English.
  var langs = navigator.languages || [navigator.language || ""];
  var zh = langs.some(function (l) { return /^zh\b/i.test(l); });
  window.location.replace(zh ? "zh_CN/index.html" : "en/index.html");
</script>
<noscript><meta http-equiv="refresh" content="0; url=en/index.html"></noscript>
</head>
<body>
<p><a href="en/index.html">aioweb documentation (English)</a></p>
<p lang="zh-CN"><a href="zh_CN/index.html">aioweb 文档（简体中文）</a></p>
</body>
</html>
HTML
python tools/check_lang_links.py "$OUT" "${LANGS[@]}" --cjk zh_CN

printf '\ndocs built in %ss: open %s/index.html\n' "$((SECONDS - start))" "$OUT"

#!/bin/bash
# Darknet image lists for HASYv2 (Thoma 2017; Zenodo 259444).
#
# usage: scripts/prepare_hasyv2.sh HASY_DIR OUT_DIR
#
# HASY_DIR is the unpacked release: hasy-data-labels.csv (header
# path,symbol_id,latex,user_id) and hasy-data/v2-NNNNN.png (32x32).  The 369
# classes are the symbol_ids, as labels sNNNN zero-padded to one width (s0031,
# s0310: no label is a substring of another).  Split: fold 1 of the release,
# classification-task/fold-1/{train,test}.csv (or 10-fold-cross-validation/fold-1/,
# the name in the release's README), image paths relative to each CSV; without
# fold files, per class in CSV order every 10th image goes to test.
# OUT_DIR receives
#   train/<label>/<file>, test/<label>/<file>   symbolic links to the images
#   train.list, test.list   absolute paths of those links
#   labels.txt              the labels, one a line, sorted
#   hasyv2.data             classes, train, valid, labels, backup=backup/hasyv2, top=5
# Nothing is written outside OUT_DIR.
# Exit status: 0 on success, 2 on a usage error or bad input (the message names
# the file and line).
set -euo pipefail
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -eq 2 ] || { echo "usage: $0 HASY_DIR OUT_DIR (see --help)" >&2; exit 2; }
exec /usr/bin/python3 "$(dirname "$0")/prepare_images.py" hasyv2 "$1" "$2"

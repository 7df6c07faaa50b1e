#!/bin/bash
# Darknet image lists for a one-folder-per-class image tree (the Fruits 360 layout).
#
# usage: scripts/prepare_imagefolder.sh SRC_DIR OUT_DIR
#
# SRC_DIR holds Training/<class>/<image> and Test/<class>/<image> (.jpg, .jpeg or
# .png); the classes are Training's folder names, sorted, spaces and all
# ("Apple Braeburn").  OUT_DIR receives
#   train.list, test.list   absolute paths of the images where they are (no copies)
#   labels.txt              the class names, one a line
#   NAME.data               NAME = OUT_DIR's base name; classes, train, valid,
#                           labels, backup=backup/NAME, top=5
# Each image's class is a whole directory name of its path, so the loader tells
# "Grape White" from "Grape White 2".  Nothing is written outside OUT_DIR.
# Exit status: 0 on success, 2 on a usage error or bad input (the message names
# the file).
set -euo pipefail
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -eq 2 ] || { echo "usage: $0 SRC_DIR OUT_DIR (see --help)" >&2; exit 2; }
exec /usr/bin/python3 "$(dirname "$0")/prepare_images.py" imagefolder "$1" "$2"

#!/bin/bash
# Darknet image lists for CIFAR-10 from its binary version
# (https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz).
#
# usage: scripts/prepare_cifar10.sh CIFAR_DIR OUT_DIR
#
# CIFAR_DIR holds data_batch_1.bin ... data_batch_5.bin, test_batch.bin (records
# of 1 label byte and 3072 bytes: the R, G and B planes of a 32x32 image,
# row-major) and batches.meta.txt (the class names, one a line, in label order).
# OUT_DIR receives
#   train/<class>/NNNNN.png, test/<class>/NNNNN.png   8-bit RGB PNGs (NNNNN: the
#                           record's number in its split, batch after batch)
#   train.list, test.list   absolute paths of the PNGs, in record order
#   labels.txt              the class names in label order
#   cifar10.data            classes, train, valid, labels, backup=backup/cifar10, top=5
# 60,000 PNGs, about 240 MB.  Nothing is written outside OUT_DIR.
# Exit status: 0 on success, 2 on a usage error or bad input (the message names
# the file).
set -euo pipefail
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -eq 2 ] || { echo "usage: $0 CIFAR_DIR OUT_DIR (see --help)" >&2; exit 2; }
exec /usr/bin/python3 "$(dirname "$0")/prepare_images.py" cifar10 "$1" "$2"

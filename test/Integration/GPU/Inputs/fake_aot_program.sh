#!/bin/sh
# A stand-in for an AOT program (aot_io_selftest.py): writes out_<name>.bin
# from the inputs in DIR, with one byte of out_y changed and out_t cut short.
cd "$1" || exit 1
for n in x y f h; do cp "$n.bin" "out_$n.bin"; done
printf '\177' | dd of=out_y.bin bs=1 seek=3 conv=notrunc 2>/dev/null
head -c 20 t.bin > out_t.bin
echo "fake program ran"

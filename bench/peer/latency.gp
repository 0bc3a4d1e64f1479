# SPDX-License-Identifier: MIT
# Latency against store size, log-log, mnemo and @modelcontextprotocol/server-memory: p50 (solid)
# and p99 (dashed) of one operation. Run by bench/peer/report.mjs with -e setting: mnemo, peer
# (data files: items, then p50 p99 per operation), column (the operation's p50 column; p99 is
# the next), operation, subtitle and output (the PNG).
set terminal pngcairo size 900,600 font "DejaVu Sans,11"
set output output
set title sprintf("%s: latency per call vs items stored (one call at a time, over stdio)\n{/*0.8 %s}", operation, subtitle)
set logscale xy 10
set xlabel "items stored"
set ylabel "latency per call (ms)"
set format x "10^{%L}"
set format y "10^{%L}"
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key top left box opaque
set xrange [500:2000000]
set datafile missing "NaN"
plot mnemo using 1:column with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "mnemo p50", \
     mnemo using 1:(column(column + 1)) with linespoints lw 1 dt 2 pt 6 lc rgb "#1f77b4" title "mnemo p99", \
     peer using 1:column with linespoints lw 2 pt 5 lc rgb "#d62728" title "server-memory p50", \
     peer using 1:(column(column + 1)) with linespoints lw 1 dt 2 pt 4 lc rgb "#d62728" title "server-memory p99"

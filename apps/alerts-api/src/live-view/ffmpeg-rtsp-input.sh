#!/bin/sh
# The ffmpeg node-rtsp-stream's Mpeg1Muxer spawns for the live view. The muxer writes `-i URL` first,
# where no input option can go; this puts the camera's input options before it:
# - RTSP over TCP, as every other reader of a camera here. ffmpeg's default sets the stream up over
#   UDP, which NAT and firewalls between a village camera and the centre drop: with UDP dropped,
#   ffmpeg 5.1 gave no picture in 60 s (it cannot probe the stream, and waits), against 1.25 s to the
#   first frame over TCP. UDP on a lossy link also smears the picture.
# - only TCP and TLS may be opened (the same whitelist as ingest's readers).
# - no probing of the stream's frame rate (the output has its own): the picture comes 0.8 s sooner.
# Asserted by ffmpeg-args.spec.ts and, on the running process, by live-view.int.spec.ts.
exec ffmpeg -rtsp_transport tcp -protocol_whitelist tcp,tls -fpsprobesize 0 "$@"

#!/usr/bin/python3
"""One fake RTSP camera: serves an H.264 or H.265 mp4 (or MPEG-TS) without re-encoding via gst-rtsp-server.

Usage: rtsp_camera.py [--max-sessions N] [--udp-only] FILE MOUNT PORT [USER PASSWORD]   (PORT 0 = any free port)
--max-sessions N serves at most N RTSP sessions at once, like a camera's stream limit: the next SETUP
is answered 503 Service Unavailable until a reader sends TEARDOWN (or its session times out, 60 s).
--udp-only sends RTP over UDP only, like some cameras and NVRs: a SETUP asking for TCP is answered
461 Unsupported transport.
Prints one JSON line {"event": "listening", "port": N, "mount": M} on stdout once the socket listens.
Each reader gets its own pipeline from t=0 of the file (set_shared(False)), so truth times line up
with the reader's connect time. Exits 0 on SIGTERM/SIGINT; is SIGKILLed when its parent dies (PDEATHSIG).
"""
import ctypes
import json
import os
import signal
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstPbutils', '1.0')
gi.require_version('GstRtsp', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstPbutils, GstRtsp, GstRtspServer  # noqa: E402

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid):
    # SIGKILL also reaches a SIGSTOPped (stalled) camera, which a SIGTERM would not until SIGCONT.
    try:
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass
    if os.getppid() != parent_pid:
        sys.exit(0)


def video_codec(path):
    """'h264' or 'h265' for the file's first video stream, else None."""
    info = GstPbutils.Discoverer.new(10 * Gst.SECOND).discover_uri(Gst.filename_to_uri(os.path.abspath(path)))
    streams = info.get_video_streams()
    name = streams[0].get_caps().get_structure(0).get_name() if streams else ''
    return {'video/x-h264': 'h264', 'video/x-h265': 'h265'}.get(name)


USAGE = 'usage: rtsp_camera.py [--max-sessions N] [--udp-only] FILE MOUNT PORT [USER PASSWORD]\n'


def main(argv):
    max_sessions, udp_only = 0, False
    while len(argv) > 1 and argv[1].startswith('--'):
        if argv[1] == '--max-sessions' and len(argv) > 2 and argv[2].isdigit():
            max_sessions = int(argv[2])
            argv = argv[:1] + argv[3:]
        elif argv[1] == '--udp-only':
            udp_only = True
            argv = argv[:1] + argv[2:]
        else:
            sys.stderr.write(USAGE)
            return 2
    if len(argv) not in (4, 6):
        sys.stderr.write(USAGE)
        return 2
    path, mount, port = argv[1], argv[2], int(argv[3])
    credentials = (argv[4], argv[5]) if len(argv) == 6 else None
    if not os.path.isfile(path):
        sys.stderr.write('no such file: %s\n' % path)
        return 2
    die_with_parent(int(os.environ.get('XL_SIM_PARENT_PID', os.getppid())))

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address('127.0.0.1')
    server.set_service(str(port))
    if max_sessions:
        server.get_session_pool().set_max_sessions(max_sessions)

    codec = video_codec(path)
    if codec is None:
        sys.stderr.write('no H.264 or H.265 video in %s\n' % path)
        return 2
    factory = GstRtspServer.RTSPMediaFactory()
    location = path.replace('\\', '\\\\').replace('"', '\\"')
    # MPEG-TS for streams that change mid-way (a picture size change cannot live in one mp4 track).
    demuxer = 'tsdemux' if path.lower().endswith('.ts') else 'qtdemux'
    factory.set_launch(
        '( filesrc location="%s" ! %s ! %sparse config-interval=-1 '
        '! rtp%spay name=pay0 pt=96 config-interval=-1 )' % (location, demuxer, codec, codec))
    factory.set_shared(False)
    if udp_only:
        factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP)

    if credentials:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, 'viewer')
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(credentials[0], credentials[1]), token)
        server.set_auth(auth)
        factory.add_role_from_structure(Gst.Structure.new_from_string(
            'viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true'))

    server.get_mount_points().add_factory(mount, factory)
    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        sys.stderr.write('could not listen on 127.0.0.1:%d\n' % port)
        return 1

    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, loop.quit)

    sys.stdout.write(json.dumps({'event': 'listening', 'port': server.get_bound_port(), 'mount': mount}) + '\n')
    sys.stdout.flush()
    loop.run()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

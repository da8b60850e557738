/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test points: places in a multi-step operation where a test can hold a
 * process still, or kill it, so races and crashes are shown
 * deterministically instead of by timing.
 *
 *   CUBO_TEST_PAUSE_AT=POINT CUBO_TEST_PAUSE_DIR=DIR cubo-mgr ...
 *
 * At POINT the process creates DIR/POINT.paused (holding its pid), waits
 * until DIR/POINT.go exists (at most two minutes), removes both and goes
 * on.
 *
 *   CUBO_TEST_CRASH_AT=[KIND:]POINT[#N] [CUBO_TEST_CRASH_DIR=DIR] cubo-mgr ...
 *
 * The process that reaches POINT kills itself with SIGKILL. KIND limits
 * it to one kind of process: mgr (a cubo-mgr command, and the children it
 * forks for a build step), monitor (a container's monitor, and the child
 * attaching its networks) or runc (cubo-runc, which the variable reaches
 * through the monitor's environment). #N: only the Nth time the point is
 * reached, counted in DIR/POINT.count by every process sharing DIR. With
 * DIR, the dying process first appends "KIND PID" to DIR/POINT.crashed, so
 * a test knows that the crash happened, and where.
 *
 * Without either variable a test point costs two getenv calls; it changes
 * nothing else. The points (the code names them where they sit):
 *
 * create/run, start (cubo-mgr/cmd_run.c, container/ctr_store.c, monitor.c)
 *   create-after-resolve  the image is found and its layers extracted; the
 *                         container is not recorded yet
 *   create-after-volumes  the temp directory .tmp-ctr-ID exists, named
 *                         volumes are made
 *   create-after-bundle   config.json is written in the temp directory
 *   create-before-commit  the record (state.json) is written there
 *   create-after-name     names/NAME links to the ID; the directory is not
 *                         in place yet
 *   create-after-commit   the container exists, created
 *   start-after-fork      the monitor is forked; the command waits for it
 *   monitor-after-claim   the record names the monitor
 *   monitor-after-netns   net.json and the network namespace exist
 *   monitor-after-rootfs  the rootfs is mounted (in the monitor's mounts)
 *   monitor-after-create  the runtime created the container
 *   monitor-after-net-attach  CNI ADD is done
 *   monitor-after-start   the runtime started it; the record says created
 *   monitor-after-running the record says running; the command is not told
 * stop, and the end of a container (container/monitor.c, ctr_view.c)
 *   stop-after-signal     stop sent the stop signal, waits
 *   monitor-exit-before-delete  the container exited; nothing released
 *   monitor-exit-after-delete   the runtime deleted it
 *   monitor-exit-after-net-release  its namespace, addresses and ports'
 *                               rules are released, the veths' host ends
 *                               not; the record still says running
 *   monitor-exit-after-report   the exit is on record and reported; --rm:
 *                               the record and name are gone, the
 *                               directory held, the rootfs mounted; the
 *                               veths' host ends left
 *   monitor-exit-after-net-down its networks are all released
 *   monitor-before-restart      its restart policy brings it up again: the
 *                               backoff is over, the record says restarting
 * rm, and --rm (cmd_ctr.c, container/ctr_store.c, monitor.c)
 *   rm-after-stop         rm -f stopped it; the record is there
 *   monitor-rm-after-unmount  --rm: the exit is reported, the record and
 *                         name are gone, the rootfs is unmounted; the
 *                         directory is held, not removed
 *   rm-after-record       state.json is gone; name and directory are not
 *   rm-after-name         the name is free; the directory is not gone
 * cp (container/ctr_root.c)
 *   cp-after-mount        a stopped container's overlay is mounted in cp's
 *                         namespace, its lock held; nothing copied yet
 * pull (image/pull.c, image/store.c)
 *   pull-blob-fetched     a layer's blob is in the store, its extraction
 *                         not committed
 *   layer-before-rename   a layer (pulled, imported or built) is extracted
 *                         and marked unsynced in layers/.tmp-*, not renamed
 *   pull-before-index     everything is stored; the name is not set
 *   pull-after-index      the name is set in index.json
 *   layer-sync-before-unmark  the background sync after a pull, load,
 *                         import or build: syncfs is done, the layers'
 *                         unsynced marks not removed
 * build (builder/builder.c)
 *   build-after-run       a RUN step's container ended
 *   build-before-layer-commit  the step's layer blob is written
 *   build-before-image-commit  config and manifest are stored, not named
 * commit, rename (cmd_commit.c, container/ctr_store.c)
 *   commit-paused         a running container is paused (--pause) and its
 *                         record says so; its layer not written yet
 *   rename-after-name     the new name links to the container; its record
 *                         has the old one
 * volumes (container/volume.c)
 *   volume-create-after-mkdir    volumes/.tmp-* is made, not held yet
 *   volume-create-before-rename  volumes/.tmp-* is whole, not renamed
 *   volume-rm-after-rename       the volume is renamed to volumes/.rm-*
 * networks (net/ctr_net.c, cmd_network.c)
 *   net-connect-before-add       net.json lists the new network; no ADD yet
 *   net-connect-before-hosts     ADD is done; /etc/hosts not rewritten
 *   net-connect-before-record    connected; the record does not say so
 *   net-disconnect-after-del     DEL is done; net.json still lists it
 *   net-disconnect-before-record released; the record still lists it
 *   net-rm-before-def            the bridge and rules are gone, the
 *                                definition not
 * cubo-runc create (cubo-runc/create.c)
 *   runc-after-state-dir  the state directory exists (locked), no cgroup
 *   runc-after-cgroup     the cgroups exist, no process
 *   runc-after-clone      the init is cloned into them, waits for its go
 *   runc-before-state     set up and limited; state.json not written
 * cubo-runc start, kill, delete (cubo-runc/container.c, lifecycle.c)
 *   runc-start-before-go  start found the container created; the init
 *                         still waits
 *   runc-start-after-go   the init is released; exec.fifo not removed
 *   runc-kill-before-signal  kill found the init; no signal sent
 *   runc-kill-after-signal   the signal is sent
 *   runc-delete-after-kill   delete --force killed a live init; not
 *                            waited for, nothing removed
 *   runc-delete-after-cgroup the cgroups are gone; the state directory
 *                            is not
 */
#ifndef CUBO_SHARED_TESTPOINT_H
#define CUBO_SHARED_TESTPOINT_H

void cubo_test_point(const char *point);

#endif

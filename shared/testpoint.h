/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test points: places in a multi-step operation where a test can hold a
 * process still, so races are shown deterministically instead of by timing.
 *
 *   CUBO_TEST_PAUSE_AT=POINT CUBO_TEST_PAUSE_DIR=DIR cubo-mgr ...
 *
 * At POINT the process creates DIR/POINT.paused (holding its pid), waits
 * until DIR/POINT.go exists (at most two minutes), removes both and goes
 * on. Without CUBO_TEST_PAUSE_AT a test point costs one getenv; it changes
 * nothing else. The points (the code names them where they sit):
 *   create-after-resolve  create/run: the image is found and its layers
 *                         extracted; the container is not recorded yet
 */
#ifndef CUBO_SHARED_TESTPOINT_H
#define CUBO_SHARED_TESTPOINT_H

void cubo_test_point(const char *point);

#endif

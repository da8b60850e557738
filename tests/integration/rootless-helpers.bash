# shellcheck shell=bash
# A throwaway user for the rootless tests (rootless.bats: the runtime,
# mgr-rootless.bats: the manager), load after helpers: subordinate ranges of
# its own, a home and a runtime dir under $TEST_TMP; removed with everything
# it ran however the test ended.

# rl_user_make PREFIX: the user. Sets RL_USER, RL_UID, RL_GID, RL_SUB (the
# first of its 65536 subordinate uids and gids), RL_HOME, XDG (its runtime
# dir), and RL_ASAN/RL_SAN_PREFIX when the programs are sanitized.
rl_user_make() {
	command -v useradd >/dev/null && command -v setpriv >/dev/null ||
		skip "needs useradd and setpriv (passwd, util-linux)"
	# unique per test and short enough for useradd (32 characters)
	RL_USER=$1$$t${BATS_TEST_NUMBER:-0}
	RL_HOME=$TEST_TMP/home
	# no ranges from login.defs: the test gives its own, below
	useradd -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -M -d "$RL_HOME" -s /bin/sh "$RL_USER"
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	# 65536 ids of its own, apart from every other test user's (uids differ)
	RL_SUB=$((1000000000 + (RL_UID % 40000) * 65536))
	usermod -v "$RL_SUB-$((RL_SUB + 65535))" -w "$RL_SUB-$((RL_SUB + 65535))" "$RL_USER"
	mkdir -m 700 "$RL_HOME" "$TEST_TMP/xdg"
	chown "$RL_UID:$RL_GID" "$RL_HOME" "$TEST_TMP/xdg"
	XDG=$TEST_TMP/xdg
	# a sanitized program reports where the user may write; rl_user_remove hands the reports on
	RL_ASAN=
	RL_SAN_PREFIX=
	if [[ ${ASAN_OPTIONS:-} == *log_path=* ]]; then
		RL_SAN_PREFIX=$(sed -n 's/.*log_path=\([^:]*\).*/\1/p' <<<"$ASAN_OPTIONS")
		mkdir -m 700 "$RL_HOME/.san"
		chown "$RL_UID" "$RL_HOME/.san"
		RL_ASAN=${ASAN_OPTIONS/log_path=$RL_SAN_PREFIX/log_path=$RL_HOME/.san/asan}
	fi
}

# as_user CMD...: CMD as the test's user, with its groups, a clean
# environment and a runtime dir, as a login would give.
as_user() {
	timeout --kill-after=5 "$RT_TIMEOUT" setpriv --reuid "$RL_UID" --regid "$RL_GID" \
		--init-groups --reset-env env HOME="$RL_HOME" USER="$RL_USER" \
		XDG_RUNTIME_DIR="$XDG" PATH=/usr/local/bin:/usr/bin:/bin \
		${RL_ASAN:+ASAN_OPTIONS="$RL_ASAN"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		"$@" 3>&-
}

# Processes running as the user or one of its subordinate ids (a zombie is
# gone: the init of the host reaps it).
user_pids() {
	local p u
	for p in /proc/[0-9]*; do
		[ "$(awk '/^State:/ {print $2; exit}' "$p/status" 2>/dev/null)" != Z ] || continue
		u=$(awk '/^Uid:/ {print $2; exit}' "$p/status" 2>/dev/null) || continue
		[ -n "$u" ] || continue
		if [ "$u" = "$RL_UID" ] || { [ "$u" -ge "$RL_SUB" ] && [ "$u" -le $((RL_SUB + 65535)) ]; }; then
			echo "${p#/proc/}"
		fi
	done
}

# The host holds no process, mount or file of the user outside its home and
# runtime dir (the mounts: those made since setup_common, beneath $TEST_TMP or
# naming $CID).
assert_user_gone() {
	local left mounts
	left=$(user_pids)
	[ -z "$left" ] || {
		echo "processes of $RL_USER left: $left" >&2
		return 1
	}
	# ours only: other tests mount elsewhere meanwhile
	mounts=$(comm -13 <(echo "$mountinfo_before") <(awk '{print $5}' /proc/self/mountinfo | sort) |
		grep -e "^$TEST_TMP" -e "$CID" || true)
	[ -z "$mounts" ] || {
		echo "mounts left behind: $mounts" >&2
		return 1
	}
	left=$(find /tmp /var/tmp /dev/shm /run -xdev \( -uid "$RL_UID" -o -gid "$RL_GID" \) \
		-not -path "$RL_HOME*" -not -path "$XDG*" 2>/dev/null | head -5)
	[ -z "$left" ] || {
		echo "files of $RL_USER left: $left" >&2
		return 1
	}
	[ -z "$(ls -A "$XDG/cubo-runc" 2>/dev/null)" ] || {
		echo "state left: $(ls -A "$XDG/cubo-runc")" >&2
		return 1
	}
}

# The user goes: its processes and its subordinate ids' (by pid), the user,
# its /etc/subuid and /etc/subgid lines, and the group RL_GROUP if set.
rl_user_remove() {
	local p
	if [ -n "${RL_USER:-}" ] && id "$RL_USER" >/dev/null 2>&1; then
		for p in $(user_pids); do
			kill -9 "$p" 2>/dev/null || true
		done
		userdel "$RL_USER" 2>/dev/null || true
	fi
	# userdel removes the subordinate ranges; a user half made leaves lines
	if [ -n "${RL_USER:-}" ]; then
		sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid 2>/dev/null || true
	fi
	[ -z "${RL_GROUP:-}" ] || groupdel "$RL_GROUP" 2>/dev/null || true
	if [ -n "${RL_SAN_PREFIX:-}" ]; then
		for p in "$RL_HOME"/.san/*; do
			if [ -s "$p" ]; then cp "$p" "$RL_SAN_PREFIX.rootless.${p##*/}"; fi
		done
	fi
}

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# An outside judge of `cubo compose config`: every compose file of a checkout of
# docker's awesome-compose samples (github.com/docker/awesome-compose; nothing of it is
# copied here) is resolved by cubo, written back and read again, and, when Debian's
# docker-compose (1.29) is installed, compared with what `docker-compose config` makes
# of the same file: the services, their images, builds, published ports, mounts,
# environment, depends_on and networks, and the top-level volumes and networks.
#
#   tests/conformance/compose-samples.sh AWESOME_COMPOSE_DIR [CUBO]
#
# Prints one Markdown table row per sample (docs/compose.md keeps the table), then
# "compose samples: N of M parse, N round-trip, N agree with docker-compose".
# A report, not a gate: not part of `make check`.
set -u

dir=${1:?usage: $0 AWESOME_COMPOSE_DIR [CUBO]}
cubo=${2:-$(cd "$(dirname "$0")/../.." && pwd)/cubo-mgr/cubo-mgr}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_dc=false
command -v docker-compose >/dev/null 2>&1 && have_dc=true

# The parts both tools must agree on, as one canonical JSON line per file; reads the
# cubo model (long syntax) or docker-compose 1.29's (short volume syntax).
cat >"$tmp/canon.py" <<'EOF'
import json, sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
def port(p):
    if isinstance(p, dict):
        return "%s:%s/%s" % (p.get("published", ""), p["target"], p.get("protocol", "tcp"))
    return str(p)
def vol(v):
    if isinstance(v, dict):
        return "%s:%s:%s" % (v.get("source", ""), v["target"], "ro" if v.get("read_only") else "rw")
    parts = v.split(":")
    if len(parts) == 1:
        return ":%s:rw" % parts[0]
    return "%s:%s:%s" % (parts[0], parts[1], "ro" if len(parts) > 2 and "ro" in parts[2].split(",") else "rw")
out = {"services": {}, "volumes": sorted((m.get("volumes") or {}).keys())}
for name, s in (m.get("services") or {}).items():
    b = s.get("build")
    out["services"][name] = {
        "image": s.get("image"),
        "build": b.get("context") if isinstance(b, dict) else b,
        "target": b.get("target") if isinstance(b, dict) else None,
        "ports": sorted(port(p) for p in s.get("ports") or []),
        "volumes": sorted(vol(v) for v in s.get("volumes") or []),
        "environment": {k: (None if v is None else str(v)) for k, v in (s.get("environment") or {}).items()},
        "depends_on": {k: (v or {}).get("condition", "service_started") for k, v in
                       (s.get("depends_on") or {}).items()} if isinstance(s.get("depends_on"), dict)
                      else {k: "service_started" for k in s.get("depends_on") or []},
        "networks": sorted(k for k in (s.get("networks") or {}) if k != "default")
                    if isinstance(s.get("networks"), dict) else sorted(s.get("networks") or []),
        "restart": s.get("restart"),
    }
print(json.dumps(out, sort_keys=True))
EOF

total=0 parsed=0 round=0 agree=0 compared=0
echo "| sample | parses | reads back | same as docker-compose 1.29 | note |"
echo "|---|---|---|---|---|"
for f in $(cd "$dir" && find . -name compose.yaml -o -name compose.yml -o -name docker-compose.yml \
	-o -name docker-compose.yaml | sort); do
	total=$((total + 1))
	sample=$(dirname "$f" | sed 's|^\./||')
	d="$dir/$(dirname "$f")"
	b=$(basename "$f")
	p="✗" r="✗" s="–" note=""
	if (cd "$d" && "$cubo" compose -f "$b" config) >"$tmp/cubo.yaml" 2>"$tmp/err"; then
		p="✓"
		parsed=$((parsed + 1))
		if (cd "$d" && "$cubo" compose -f - config) <"$tmp/cubo.yaml" >"$tmp/again.yaml" 2>/dev/null &&
			cmp -s "$tmp/cubo.yaml" "$tmp/again.yaml"; then
			r="✓"
			round=$((round + 1))
		fi
	else
		note=$(tail -n 1 "$tmp/err" | sed "s|$dir/||g; s/|/\\\\|/g")
	fi
	if $have_dc && [ "$p" = "✓" ]; then
		if (cd "$d" && docker-compose -f "$b" config) >"$tmp/dc.yaml" 2>"$tmp/dcerr"; then
			compared=$((compared + 1))
			python3 "$tmp/canon.py" "$tmp/cubo.yaml" >"$tmp/a.json"
			python3 "$tmp/canon.py" "$tmp/dc.yaml" >"$tmp/b.json"
			if cmp -s "$tmp/a.json" "$tmp/b.json"; then
				s="✓"
				agree=$((agree + 1))
			else
				s="✗"
				note="differs: $(python3 -c 'import json,sys
a=json.load(open(sys.argv[1]));b=json.load(open(sys.argv[2]))
d=[n+"."+k for n in sorted(set(a["services"])|set(b["services"]))
   for k in sorted(set((a["services"].get(n) or {}))|set((b["services"].get(n) or {})))
   if (a["services"].get(n) or {}).get(k)!=(b["services"].get(n) or {}).get(k)]
print(", ".join(d[:4]) or "volumes")' "$tmp/a.json" "$tmp/b.json")"
			fi
		else
			s="n/a"
			note="docker-compose: $(grep -v '^$' "$tmp/dcerr" | sed -n 2p | cut -c1-100)"
		fi
	fi
	echo "| $sample | $p | $r | $s | $note |"
done
echo
echo "compose samples: $parsed of $total parse, $round read back the same, $agree of $compared agree with docker-compose"

#!/usr/bin/env bash
# The four-municipality demo (`make demo`, README command 1).
#
# Makes a test PKI and node folders for Arnhem, Zwolle, Assen and Utrecht under one
# folder, starts four hub-node processes on loopback, opens a few dozen cases through the
# case workers' interface (hubctl) and plays a scenario, checking every narrated step
# against the nodes' databases (sqlite3). It fails loudly when they disagree. The nodes
# keep running; `make demo-stop` stops them by their PIDs.
#
# Ports: each node binds port 0 and the OS chooses; the port is read from the node's
# `ready … port=N` log line. Once all four are up, each node.yaml gets its own port
# (so a restart keeps it), its public endpoint and the other three as peers, and the
# node reloads it on SIGHUP. No port is guessed, so nothing can take it in between.
#
# Each run starts afresh: the previous run's nodes are stopped by their pid files, the
# folder is recreated, with a new PKI (it takes a second or two).
#
# Environment:
#   DEMO_DIR      the folder (default: demo/ in the repository; git-ignored)
#   DEMO_BIN_DIR  use hub-node and hubctl from this folder: skips installing packages and
#                 the release build (the integration test uses the debug build)
#   DEMO_TIMEOUT  seconds to wait for a node or a message (default 60)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
timeout=${DEMO_TIMEOUT:-60}

# The nodes and hubctl read HUB_* variables; a profile sourced earlier must not leak in.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^HUB_' || true)

fail() {
    echo >&2
    echo "DEMO FAILED: $*" >&2
    if [ -n "${demo_dir:-}" ] && [ -d "$demo_dir/nodes" ]; then
        echo "Node logs: $demo_dir/nodes/*/node.log; stop the nodes with: $stop_command" >&2
    fi
    exit 1
}

# MARK: - Binaries

if [ -n "${DEMO_BIN_DIR:-}" ]; then
    bin_dir=$(cd "$DEMO_BIN_DIR" && pwd)
else
    "$root/scripts/ensure-deps.sh" --no-python
    echo "Building hub-node and hubctl (release) ..."
    swift=${SWIFT:-swift}
    (cd "$root" && "$swift" build -c release --product hub-node && "$swift" build -c release --product hubctl)
    bin_dir=$(cd "$root" && "$swift" build -c release --show-bin-path)
fi
hub_node=$bin_dir/hub-node
hubctl=$bin_dir/hubctl
if [ ! -x "$hub_node" ] || [ ! -x "$hubctl" ]; then fail "no hub-node and hubctl in $bin_dir"; fi
command -v sqlite3 >/dev/null || fail "the sqlite3 command is missing (apt-get install sqlite3)"

# MARK: - The demo folder

demo_dir=${DEMO_DIR:-$root/demo}
stop_command="make demo-stop"
[ -z "${DEMO_DIR:-}" ] || stop_command="DEMO_DIR=$DEMO_DIR scripts/demo-stop.sh"
if [ -d "$demo_dir" ]; then
    demo_dir=$(cd "$demo_dir" && pwd)
    if [ -d "$demo_dir/run" ]; then
        echo "Stopping the previous demo's nodes ..."
        DEMO_DIR=$demo_dir "$root/scripts/demo-stop.sh" | sed 's/^/  /'
    fi
    if [ ! -e "$demo_dir/.hub-demo" ] && [ -n "$(ls -A "$demo_dir")" ]; then
        fail "$demo_dir is not empty and not a demo folder; choose another DEMO_DIR"
    fi
    rm -rf "$demo_dir"
fi
mkdir -p "$demo_dir"
demo_dir=$(cd "$demo_dir" && pwd)
echo "This folder holds a hub demo (scripts/demo.sh); it is recreated on every run." >"$demo_dir/.hub-demo"
mkdir -p "$demo_dir/pki" "$demo_dir/people" "$demo_dir/nodes" "$demo_dir/run" "$demo_dir/env"

slugs=(arnhem zwolle assen utrecht)
declare -A name code oin port metrics_port
name=([arnhem]="Gemeente Arnhem" [zwolle]="Gemeente Zwolle" [assen]="Gemeente Assen" [utrecht]="Gemeente Utrecht")
code=([arnhem]=GM0202 [zwolle]=GM0193 [assen]=GM0106 [utrecht]=GM0344)
# Test OINs: 9999, zeros, and the CBS number (as in the tests' TestFederation.demo).
oin=([arnhem]=99990000000000000202 [zwolle]=99990000000000000193 [assen]=99990000000000000106
    [utrecht]=99990000000000000344)
fed_ca=$demo_dir/pki/federation-ca

city() { echo "${name[$1]#Gemeente }"; }

# MARK: - Narration and checks

heading() { printf '\n== %s\n' "$*"; }
say() { printf '%s\n' "$*"; }
# db SLUG TEXT: a fact read back from SLUG's database.
db() { printf '  [%s database] %s\n' "$(city "$1")" "$2"; }

# sql SLUG QUERY: the node's SQLite database, read while the node runs (WAL).
sql() {
    sqlite3 -bail -cmd ".timeout 10000" "$demo_dir/nodes/$1/hub.sqlite" "$2"
}

# await_sql SLUG QUERY EXPECTED WHAT: waits until QUERY gives EXPECTED, else fails.
await_sql() {
    local deadline=$((SECONDS + timeout)) got=""
    while :; do
        got=$(sql "$1" "$2" 2>/dev/null) || got="(query failed)"
        [ "$got" = "$3" ] && return 0
        [ "$SECONDS" -lt "$deadline" ] || break
        sleep 0.2
    done
    fail "$(city "$1"): $4: expected '$3', the database holds '$got'"
}

# expect EXPECTED ACTUAL WHAT
expect() {
    [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# as SLUG ROLE ARGS...: runs hubctl as SLUG's operator, caseworker or researcher.
as() {
    local slug=$1 role=$2
    shift 2
    HUB_NODE="https://localhost:${port[$slug]}" HUB_NODE_OIN="${oin[$slug]}" \
        HUB_CERT="$demo_dir/people/$slug/$role.pem" HUB_KEY="$demo_dir/people/$slug/$role.key" \
        HUB_CA="$fed_ca/ca.pem" "$hubctl" "$@"
}

# shown SLUG ROLE ARGS...: prints the command as a person would type it, runs it and
# prints its output indented (and keeps it in shown_out); fails when it fails.
shown() {
    local slug=$1 role=$2 arg line=""
    shift 2
    for arg in "$@"; do
        if [[ $arg == *" "* ]]; then line+=" \"$arg\""; else line+=" $arg"; fi
    done
    printf '  (%s, %s) $ hubctl%s\n' "$(city "$slug")" "$role" "$line"
    shown_out=$(as "$slug" "$role" "$@") || fail "hubctl$line as $(city "$slug")'s $role failed"
    printf '%s\n' "$shown_out" | sed 's/^/      /'
}

# json_string KEY JSON / json_int KEY JSON: a member of hubctl's one-line --json answer.
json_string() {
    local s
    s=$(grep -o "\"$1\":\"[^\"]*\"" <<<"$2" || true)
    s=${s%%$'\n'*}
    s=${s#*\":\"}
    printf '%s' "${s%\"}"
}
json_int() {
    local s
    s=$(grep -o "\"$1\":[0-9]*" <<<"$2" || true)
    s=${s%%$'\n'*}
    printf '%s' "${s#*\":}"
}

day() { date -d "$1" +%F; }

# MARK: - Certificates and node folders

heading "Certificates and node folders (under $demo_dir)"
"$hubctl" pki init-ca --kind federation --name "Hub Demo Federation CA" --out "$fed_ca" >/dev/null
say "  A federation CA for the four nodes: pki/federation-ca/ca.pem"

# yaml_set FILE SECTION KEY VALUE: sets an uncommented `  KEY:` line of a section.
yaml_set() {
    awk -v s="$2" -v k="$3" -v v="$4" '
        /^[a-z_]+:/ { section = $1; sub(/:.*/, "", section) }
        section == s && index($0, "  " k ":") == 1 { print "  " k ": " v; next }
        { print }' "$1" >"$1.new"
    mv "$1.new" "$1"
}

for slug in "${slugs[@]}"; do
    city_name=$(city "$slug")
    "$hubctl" pki init-ca --kind local --name "${name[$slug]} Local CA" --out "$demo_dir/pki/$slug-ca" >/dev/null
    "$hubctl" init --dir "$demo_dir/nodes/$slug" --oin "${oin[$slug]}" --name "${name[$slug]}" \
        --code "${code[$slug]}" --endpoint https://localhost:443 --listen 127.0.0.1 --port 0 --ip 127.0.0.1 \
        --federation-ca "$fed_ca" --local-ca "$demo_dir/pki/$slug-ca" >/dev/null
    config=$demo_dir/nodes/$slug/node.yaml
    # Four nodes on one machine: the metrics listeners take ports the OS chooses too, and
    # a peer that was down is retried within 30 s rather than 15 min.
    yaml_set "$config" metrics port 0
    yaml_set "$config" delivery backoff_max_seconds 30
    mkdir -p "$demo_dir/people/$slug"
    "$hubctl" pki issue --ca "$demo_dir/pki/$slug-ca" --role operator --cn "Operator $city_name (demo)" \
        --oin "${oin[$slug]}" --out "$demo_dir/people/$slug/operator" >/dev/null
    "$hubctl" pki issue --ca "$demo_dir/pki/$slug-ca" --role caseworker --cn "Case worker $city_name (demo)" \
        --oin "${oin[$slug]}" --out "$demo_dir/people/$slug/caseworker" >/dev/null
    "$hubctl" pki issue --ca "$demo_dir/pki/$slug-ca" --role researcher --cn "Researcher $city_name (demo)" \
        --oin "${oin[$slug]}" --out "$demo_dir/people/$slug/researcher" >/dev/null
    "$hub_node" check-config --config "$config" >/dev/null ||
        fail "$city_name: hub-node check-config refused nodes/$slug/node.yaml"
    say "  ${name[$slug]} (${code[$slug]}, OIN ${oin[$slug]}): local CA pki/$slug-ca, node folder nodes/$slug"
    say "      (hubctl init: node.yaml, node key and certificate, pseudonym key, encryption key),"
    say "      operator, case worker and researcher certificates in people/$slug"
done

# MARK: - Start the nodes

# start_node SLUG: starts the node in the background, its output in its log, and records its
# PID. It inherits no descriptor but those three: whoever runs this script and waits for
# its own pipes or sockets to close (Foundation's Process, `make demo | tee`) must not
# wait for the nodes too.
start_node() {
    local dir=$demo_dir/nodes/$1 fd
    (
        for fd in /dev/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec "$hub_node" --config "$dir/node.yaml"
    ) </dev/null >>"$dir/node.log" 2>&1 &
    echo "$!" >"$demo_dir/run/$1.pid"
}

heading "Starting the four nodes on loopback"
for slug in "${slugs[@]}"; do start_node "$slug"; done
for slug in "${slugs[@]}"; do
    dir=$demo_dir/nodes/$slug
    pid=$(<"$demo_dir/run/$slug.pid")
    deadline=$((SECONDS + timeout))
    bound=""
    while [ -z "$bound" ]; do
        # "…: ready … port=N" is the federation listener, "…: metrics ready … port=N" the metrics one.
        bound=$(sed -n 's/.*: ready .*port=\([0-9][0-9]*\).*/\1/p' "$dir/node.log" | head -n 1)
        metrics_bound=$(sed -n 's/.*: metrics ready .*port=\([0-9][0-9]*\).*/\1/p' "$dir/node.log" | head -n 1)
        if [ -n "$bound" ] && [ -n "$metrics_bound" ]; then break; fi
        bound=""
        kill -0 "$pid" 2>/dev/null || fail "$(city "$slug")'s node exited at start: $(tail -n 5 "$dir/node.log")"
        [ "$SECONDS" -lt "$deadline" ] || fail "$(city "$slug")'s node was not ready within $timeout s"
        sleep 0.1
    done
    port[$slug]=$bound
    metrics_port[$slug]=$metrics_bound
done
for slug in "${slugs[@]}"; do
    config=$demo_dir/nodes/$slug/node.yaml
    peers="peers:"
    for other in "${slugs[@]}"; do
        [ "$other" = "$slug" ] && continue
        peers+="\\n  - name: ${name[$other]}\\n    oin: \"${oin[$other]}\"\\n    endpoint: https://localhost:${port[$other]}"
    done
    yaml_set "$config" listen port "${port[$slug]}"
    yaml_set "$config" metrics port "${metrics_port[$slug]}"
    yaml_set "$config" listen public_endpoint "https://localhost:${port[$slug]}"
    awk -v peers="$peers" '$0 == "peers: []" { print peers; next } { print }' "$config" >"$config.new"
    mv "$config.new" "$config"
    log=$demo_dir/nodes/$slug/node.log
    before=$(grep -c "reloaded certificates" "$log" || true)
    kill -HUP "$(<"$demo_dir/run/$slug.pid")"
    deadline=$((SECONDS + timeout))
    while [ "$(grep -c "reloaded certificates" "$log" || true)" -le "$before" ]; do
        grep -q "reload failed" "$log" && fail "$(city "$slug") could not reload its peers: $(grep "reload failed" "$log")"
        [ "$SECONDS" -lt "$deadline" ] || fail "$(city "$slug") did not reload within $timeout s"
        sleep 0.1
    done
    say "  ${name[$slug]}: PID $(<"$demo_dir/run/$slug.pid"), https://localhost:${port[$slug]} (port chosen by the OS), knows the other three as peers"
done

# Profiles to source: HUB_* settings for hubctl, and hubctl on PATH.
for slug in "${slugs[@]}"; do
    for role in caseworker operator researcher; do
        cat >"$demo_dir/env/$slug-$role.env" <<EOF
# hubctl as $(city "$slug")'s $role in the demo: source this file (. $demo_dir/env/$slug-$role.env)
export PATH="$bin_dir:\$PATH"
export HUB_NODE=https://localhost:${port[$slug]}
export HUB_NODE_OIN=${oin[$slug]}
export HUB_CERT=$demo_dir/people/$slug/$role.pem
export HUB_KEY=$demo_dir/people/$slug/$role.key
export HUB_CA=$fed_ca/ca.pem
EOF
    done
done

# MARK: - Cases

# Fictitious people: BSNs in the 9999xxxxx range made to pass the 11-proof, invented names.
bsn_seq=100
next_bsn() {
    local body sum i
    while :; do
        bsn_seq=$((bsn_seq + 1))
        body=$(printf '9999%04d' "$bsn_seq")
        sum=0
        for i in 0 1 2 3 4 5 6 7; do sum=$((sum + (9 - i) * ${body:i:1})); done
        if [ $((sum % 11)) -lt 10 ]; then
            bsn="$body$((sum % 11))"
            return
        fi
    done
}
declare -A scenario_names=([move]=Voorbeeld [consult]=Proefmans [misrouted]=Denkbeeld)
families=(Testhuizen Nepstra Fictiefsma Demodijk Oefenaar Verzinsel Bedachtsma
    Schijnveld Zomaarwijk Nergensveld Proefkamp Testerink Verzonnen Droomsma Luchtkasteel Papierstra Schetsma
    Kladblok Modelsma Exemplaar Steekproef Nooitgedacht Demobrink Nepveld Oefenkamp Proefstra Denkveld
    Voorbeeldsma Fictiefveld Testkamp Droomveld Schijnsma Bedenksma Verzinsma Nepkamp Oefenveld Modelveld)
parent_names=(Anna Bram Sanne Daan Fleur Joost Iris Sem Noor Ruben Lotte Thijs Eva Milan Roos Jesse Maud Lars
    Femke Pim Yara Mohamed Fatima Kevin Esra Hamza Linda Mark Ilse Youssef Marloes Dennis Chantal Rik Sophie Tim)
child_names=(Tess Finn Julia Luuk Zoë Mees Lieke Gijs Noa Sven Sara Bas Lynn Jens Emma Stijn Mila Ties Nina Adam
    Saar Cas Liv Boaz Fenna Olivier Isa Jurre Evi Sam)
family_seq=0
parent_seq=0
child_seq=0

# case_json OPENED_ON PARENTS CHILD_BANDS ENTRY DOMAINS SOURCE SAFETY [FAMILY]: sets case_body
# to a new family's case, family to its name and bsns to its people's BSNs.
case_json() {
    local opened_on=$1 parents=$2 bands=$3 entry=$4 domains=$5 source=$6 safety=$7 persons="" p band d
    local other=${families[$(((family_seq + 17) % ${#families[@]}))]}
    family=${8:-${families[$((family_seq % ${#families[@]}))]}}
    family_seq=$((family_seq + 1))
    bsns=()
    for ((p = 0; p < parents; p++)); do
        next_bsn
        bsns+=("$bsn")
        local surname=$family
        [ "$p" -eq 1 ] && surname=$other
        persons+="${persons:+,}{\"role\":\"parent\",\"bsn\":\"$bsn\",\"given_names\":\"${parent_names[$((parent_seq % ${#parent_names[@]}))]}\",\"family_name\":\"$surname\"}"
        parent_seq=$((parent_seq + 1))
    done
    if [ "$bands" != "-" ]; then
        for band in ${bands//,/ }; do
            next_bsn
            bsns+=("$bsn")
            persons+=",{\"role\":\"child\",\"bsn\":\"$bsn\",\"given_names\":\"${child_names[$((child_seq % ${#child_names[@]}))]}\",\"family_name\":\"$family\",\"age_band\":\"$band\"}"
            child_seq=$((child_seq + 1))
        done
    fi
    local help="" flags
    for d in ${domains//,/ }; do help+="${help:+,}\"$d\""; done
    read -r -a flags <<<"$safety"
    local -a bool=(false true)
    printf -v case_body '{"opened_on":"%s","persons":[%s],"entry_phase":"%s","help_domains":[%s],%s%s}' \
        "$opened_on" "$persons" "$entry" "$help" "\"referral_source\":\"$source\"," \
        "\"safety\":{\"veilig_thuis\":${bool[${flags[0]}]},\"child_protection_board\":${bool[${flags[1]}]},\"court\":${bool[${flags[2]}]}}"
}

# One line a case: municipality | scenario tag | opened days ago | entry phase | help domains |
# referral source | safety (Veilig Thuis, child protection board, court) | parents |
# children's age bands | outcome@closed days ago, or - while open.
cases="
arnhem|-|410|relationship|relational,financial|self|0 0 0|2|4-11|de_escalated@300
arnhem|-|365|separation_intent|children,legal|gp|0 0 0|2|0-3,4-11|stable@200
arnhem|-|300|post_separation|children,legal,financial|court|0 1 1|2|12-17|escalated@120
arnhem|-|210|separation_intent|legal,financial|municipality|0 0 0|1|-|dropped_out@150
arnhem|-|150|post_separation|children|youth_doctor|1 0 0|2|4-11,4-11|-
arnhem|-|90|relationship|relational|gp|0 0 0|2|-|-
arnhem|-|45|separation_intent|children,relational|certified_institution|0 0 0|2|0-3|-
arnhem|misrouted|20|relationship|relational,children|self|0 0 0|2|12-17|-
arnhem|-|8|post_separation|legal,financial,other|medical_specialist|0 0 0|1|12-17|-
zwolle|-|520|separation_intent|children,legal,financial|gp|0 0 0|2|4-11|de_escalated@400
zwolle|-|480|relationship|relational|self|0 0 0|2|-|de_escalated@430
zwolle|-|390|post_separation|children,legal|court|0 0 1|2|12-17,4-11|stable@250
zwolle|-|330|separation_intent|children,relational|youth_doctor|0 0 0|2|0-3|de_escalated@200
zwolle|-|260|post_separation|children,legal|certified_institution|1 1 0|2|4-11|referred_on@180
zwolle|-|180|separation_intent|financial,legal|municipality|0 0 0|1|-|stable@60
zwolle|-|100|relationship|relational,children|gp|0 0 0|2|4-11|-
zwolle|move|60|separation_intent|children,legal,financial|gp|0 0 0|2|4-11,12-17|-
zwolle|-|12|post_separation|children,other|self|0 0 0|2|0-3|-
assen|-|200|separation_intent|children,legal|gp|0 0 0|2|4-11|stable@90
assen|-|160|relationship|relational|self|0 0 0|2|-|dropped_out@130
assen|-|120|post_separation|children,financial|municipality|0 0 0|1|12-17|-
assen|-|95|separation_intent|children,relational|youth_doctor|0 0 0|2|0-3,4-11|-
assen|-|70|post_separation|legal|court|0 0 1|2|12-17|-
assen|-|50|relationship|relational,financial|gp|0 0 0|2|-|de_escalated@10
assen|-|30|separation_intent|children|certified_institution|1 0 0|2|4-11|-
assen|-|15|post_separation|children,legal|gp|0 0 0|2|4-11|-
assen|-|5|relationship|relational|self|0 0 0|2|-|-
utrecht|-|300|separation_intent|children,legal,financial|gp|0 0 0|2|4-11,12-17|de_escalated@150
utrecht|-|250|post_separation|children,legal|court|0 1 1|2|12-17|escalated@100
utrecht|-|190|relationship|relational|self|0 0 0|2|-|stable@120
utrecht|-|140|separation_intent|financial|municipality|0 0 0|1|-|-
utrecht|-|110|post_separation|children,relational|medical_specialist|0 0 0|2|4-11|-
utrecht|-|75|separation_intent|children,legal|youth_doctor|0 0 0|2|0-3|-
utrecht|consult|40|post_separation|children,relational|youth_doctor|0 0 1|2|0-3,4-11|-
utrecht|-|25|relationship|relational,children|gp|0 0 0|2|4-11|-
utrecht|-|10|separation_intent|children,legal,financial|certified_institution|1 0 0|2|12-17|-
"

heading "Case workers open cases"
say "Each desk registers the families it helps: the parents and children (BSN and name, on"
say "standard input, never as arguments), how they came in, what help they need, safety flags."
declare -A opened closed persons_of scenario_case scenario_family scenario_bsns
for slug in "${slugs[@]}"; do
    opened[$slug]=0
    closed[$slug]=0
    persons_of[$slug]=0
done
while IFS='|' read -r slug tag ago entry domains source safety parents bands outcome; do
    [ -n "$slug" ] || continue
    case_json "$(day "-$ago days")" "$parents" "$bands" "$entry" "$domains" "$source" "$safety" \
        "${scenario_names[$tag]:-}"
    answer=$(as "$slug" caseworker case open --json <<<"$case_body") ||
        fail "$(city "$slug"): hubctl case open refused a case"
    id=$(json_string id "$answer")
    [ -n "$id" ] || fail "$(city "$slug"): hubctl case open answered without an id: $answer"
    opened[$slug]=$((opened[$slug] + 1))
    persons_of[$slug]=$((persons_of[$slug] + ${#bsns[@]}))
    if [ "$outcome" != "-" ]; then
        as "$slug" caseworker case close "$id" --outcome "${outcome%@*}" \
            --closed-on "$(day "-${outcome#*@} days")" </dev/null >/dev/null ||
            fail "$(city "$slug"): hubctl case close refused"
        closed[$slug]=$((closed[$slug] + 1))
    fi
    if [ "$tag" != "-" ]; then
        scenario_case[$tag]=$id
        scenario_family[$tag]=$family
        scenario_bsns[$tag]="${bsns[*]}"
    fi
done <<<"$cases"
for slug in "${slugs[@]}"; do
    expected="${opened[$slug]}|$((opened[$slug] - closed[$slug]))|${closed[$slug]}|${persons_of[$slug]}"
    await_sql "$slug" "SELECT COUNT(*), SUM(status = 'open'), SUM(status = 'closed'),
        (SELECT COUNT(*) FROM case_persons) FROM cases" "$expected" "the cases opened"
    db "$slug" "${opened[$slug]} cases ($((opened[$slug] - closed[$slug])) open, ${closed[$slug]} closed with an outcome), ${persons_of[$slug]} persons"
done
identities=$(sql zwolle "SELECT COUNT(*) FROM case_persons WHERE length(pseudonym) = 26 AND identity IS NOT NULL")
expect "${persons_of[zwolle]}" "$identities" "Zwolle's persons with a pseudonym and an encrypted identity"
db zwolle "each person is stored as a pseudonym (26 characters) and an encrypted identity"
say ""
shown zwolle caseworker case list

# MARK: - Scenario 1: a family moves from Zwolle to Arnhem

move_case=${scenario_case[move]}
move_family=${scenario_family[move]}
read -r -a move_bsns <<<"${scenario_bsns[move]}"
heading "1. The $move_family family moves from Zwolle to Arnhem"
say "Zwolle's case worker offers their case to Arnhem as a transfer: responsibility passes to"
say "Arnhem on the day the children are registered there. The family's identity travels sealed,"
say "so that only Arnhem's node can open it."
effective=$(day "+14 days")
shown zwolle caseworker referral offer --case "$move_case" --to "Gemeente Arnhem" --kind transfer \
    --effective-date "$effective" --respond-by "$(day "+7 days")" --consent-basis consent \
    --consent-date "$(day "-2 days")"
transfer_id=$(sql zwolle "SELECT referral_id FROM referrals WHERE case_id = '$move_case' AND kind = 'transfer'")
[ -n "$transfer_id" ] || fail "Zwolle: no outgoing transfer recorded for case $move_case"
zwolle_oin=${oin[zwolle]}
await_sql zwolle "SELECT direction || ' ' || kind || ' to ' || peer_oin || ', ' || state FROM referrals
    WHERE referral_id = '$transfer_id'" "outgoing transfer to ${oin[arnhem]}, offered" "the transfer offer"
db zwolle "referral $transfer_id: outgoing transfer to Gemeente Arnhem, state offered"
await_sql arnhem "SELECT direction || ', ' || state || ', sealed ' || has_sealed FROM referrals
    WHERE sender_oin = '$zwolle_oin' AND referral_id = '$transfer_id'" "incoming, offered, sealed 1" \
    "the offer reaching Arnhem"
db arnhem "the offer arrived: incoming transfer from Gemeente Zwolle, state offered, identity sealed"
say "Arnhem's case worker finds it in the inbox and reads the family's identity for the intake"
say "(the read, and why, goes into Arnhem's audit log):"
inbox=$(as arnhem caseworker referral inbox) || fail "hubctl referral inbox failed at Arnhem"
[[ $inbox == *"$transfer_id"* ]] || fail "Arnhem's inbox does not list referral $transfer_id"
shown arnhem caseworker referral inbox
shown arnhem caseworker referral show "$zwolle_oin" "$transfer_id" --identity --purpose "intake for the warm handover"
await_sql arnhem "SELECT COUNT(*) FROM audit_log WHERE entry_json LIKE '%intake for the warm handover%'" 1 \
    "the audited identity read"
db arnhem "the audit log records who read the identity, and why"
say "Arnhem accepts: it opens its own case for the family."
shown arnhem caseworker referral accept "$zwolle_oin" "$transfer_id"
arnhem_case=$(sql arnhem "SELECT case_id FROM referrals WHERE sender_oin = '$zwolle_oin' AND referral_id = '$transfer_id'")
[ -n "$arnhem_case" ] || fail "Arnhem accepted the transfer but recorded no case for it"
await_sql arnhem "SELECT status || ', from ' || origin_sender_oin || ', responsible from ' || responsible_from
    FROM cases WHERE id = '$arnhem_case'" "open, from $zwolle_oin, responsible from $effective" \
    "Arnhem's case for the family"
await_sql arnhem "SELECT COUNT(*) FROM case_persons WHERE case_id = '$arnhem_case'" "${#move_bsns[@]}" \
    "the family's persons at Arnhem"
shared=$(sql arnhem "SELECT pseudonym FROM case_persons WHERE case_id = '$arnhem_case'" |
    grep -c -F -x -f <(sql zwolle "SELECT pseudonym FROM case_persons WHERE case_id = '$move_case'") || true)
expect 0 "$shared" "pseudonyms Arnhem and Zwolle have in common"
db arnhem "case $arnhem_case: open, transferred from Gemeente Zwolle, Arnhem responsible from $effective"
db arnhem "its ${#move_bsns[@]} persons carry Arnhem's own pseudonyms (none equal to Zwolle's)"
await_sql zwolle "SELECT state FROM referrals WHERE referral_id = '$transfer_id'" accepted "the accept reaching Zwolle"
db zwolle "referral $transfer_id: accepted by Arnhem; Zwolle's case is still open until the handover"
say "After the warm handover Arnhem marks the referral complete; Zwolle closes its side."
shown arnhem caseworker referral complete "$zwolle_oin" "$transfer_id"
await_sql zwolle "SELECT state FROM referrals WHERE referral_id = '$transfer_id'" completed "the completion reaching Zwolle"
await_sql zwolle "SELECT status || ' ' || outcome FROM cases WHERE id = '$move_case'" "closed transferred" \
    "Zwolle's case after the completion"
db zwolle "case $move_case: closed on $(sql zwolle "SELECT closed_on FROM cases WHERE id = '$move_case'"), outcome transferred"
db arnhem "case $arnhem_case: $(sql arnhem "SELECT status FROM cases WHERE id = '$arnhem_case'"), the family's case is now Arnhem's"
for slug in zwolle arnhem; do
    for file in "$demo_dir/nodes/$slug"/hub.sqlite*; do
        for secret in "${move_bsns[@]}" "$move_family"; do
            if grep -q -F "$secret" "$file"; then fail "$(city "$slug"): a BSN or name of the family is readable in $file"; fi
        done
    done
done
db zwolle "no BSN or family name of the $move_family family is readable in the database files"
db arnhem "no BSN or family name of the $move_family family is readable in the database files"

# MARK: - Scenario 2: Utrecht asks Assen to support a parent who lives there

consult_case=${scenario_case[consult]}
heading "2. Utrecht asks Assen to support a parent who lives there"
say "The ${scenario_family[consult]} children live with their mother in Utrecht; their father lives in"
say "Assen. Utrecht keeps the case and asks Assen's team to support the father (a consult)."
shown utrecht caseworker referral offer --case "$consult_case" --to "Gemeente Assen" --kind consult \
    --effective-date "$(day "+3 days")" --respond-by "$(day "+10 days")" --consent-basis consent \
    --consent-date "$(day "-1 days")"
consult_id=$(sql utrecht "SELECT referral_id FROM referrals WHERE case_id = '$consult_case' AND kind = 'consult'")
[ -n "$consult_id" ] || fail "Utrecht: no outgoing consult recorded for case $consult_case"
utrecht_oin=${oin[utrecht]}
await_sql assen "SELECT kind || ', ' || state FROM referrals WHERE sender_oin = '$utrecht_oin'
    AND referral_id = '$consult_id'" "consult, offered" "the consult reaching Assen"
db assen "the consult arrived from Gemeente Utrecht, state offered"
shown assen caseworker referral accept "$utrecht_oin" "$consult_id"
await_sql assen "SELECT state || ', case ' || COALESCE(case_id, 'none') FROM referrals
    WHERE sender_oin = '$utrecht_oin' AND referral_id = '$consult_id'" "accepted, case none" "Assen's consult"
db assen "consult $consult_id accepted; no case opened at Assen (a consult leaves the case with Utrecht)"
await_sql utrecht "SELECT state FROM referrals WHERE referral_id = '$consult_id'" accepted "the accept reaching Utrecht"
await_sql utrecht "SELECT status FROM cases WHERE id = '$consult_case'" open "Utrecht's case after the consult"
db utrecht "consult $consult_id accepted by Assen; case $consult_case stays open with Utrecht"

# MARK: - Scenario 3: Assen rejects an offer it is not responsible for

misrouted_case=${scenario_case[misrouted]}
heading "3. Assen rejects an offer it is not responsible for"
say "Arnhem believes the ${scenario_family[misrouted]} family moved to Assen and offers a transfer. The"
say "family registered in neighbouring Tynaarlo, so Assen is not responsible and says so."
shown arnhem caseworker referral offer --case "$misrouted_case" --to "Gemeente Assen" --kind transfer \
    --effective-date "$(day "+7 days")" --respond-by "$(day "+5 days")" --consent-basis consent \
    --consent-date "$(day "-1 days")"
misrouted_id=$(sql arnhem "SELECT referral_id FROM referrals WHERE case_id = '$misrouted_case' AND direction = 'outgoing'")
[ -n "$misrouted_id" ] || fail "Arnhem: no outgoing transfer recorded for case $misrouted_case"
arnhem_oin=${oin[arnhem]}
await_sql assen "SELECT state FROM referrals WHERE sender_oin = '$arnhem_oin' AND referral_id = '$misrouted_id'" \
    offered "the offer reaching Assen"
db assen "the transfer offer from Gemeente Arnhem arrived, state offered"
shown assen caseworker referral reject "$arnhem_oin" "$misrouted_id" --reason not_responsible
await_sql assen "SELECT state || ' ' || reason FROM referrals WHERE sender_oin = '$arnhem_oin'
    AND referral_id = '$misrouted_id'" "rejected not_responsible" "Assen's rejection"
await_sql assen "SELECT COUNT(*) FROM cases WHERE origin_referral_id = '$misrouted_id'" 0 "no case at Assen"
db assen "referral $misrouted_id rejected (not_responsible); no case opened"
await_sql arnhem "SELECT state || ' ' || reason FROM referrals WHERE referral_id = '$misrouted_id'" \
    "rejected not_responsible" "the rejection reaching Arnhem"
await_sql arnhem "SELECT status FROM cases WHERE id = '$misrouted_case'" open "Arnhem's case after the rejection"
db arnhem "referral $misrouted_id rejected by Assen: not_responsible; case $misrouted_case stays open with Arnhem"

# MARK: - Scenario 4: the operators

heading "4. The operators check their queues and audit logs"
say "Every message has been delivered and acknowledged with a signed receipt: the queues are"
say "empty and nothing is parked. Each audit log is a hash chain with signed checkpoints."
for slug in "${slugs[@]}"; do
    await_sql "$slug" "SELECT COUNT(*) FROM outbox WHERE state != 'delivered'" 0 "an empty outbox"
done
shown zwolle operator status
shown zwolle operator peers
shown arnhem operator outbox list
for slug in "${slugs[@]}"; do
    status=$(as "$slug" operator status --json) || fail "hubctl status failed at $(city "$slug")"
    expect 0 "$(json_int queue_depth "$status")" "$(city "$slug")'s queue depth (hubctl status)"
    expect 0 "$(json_int parked "$status")" "$(city "$slug")'s parked messages (hubctl status)"
    delivered=$(sql "$slug" "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'")
    received=$(sql "$slug" "SELECT COUNT(*) FROM inbox")
    db "$slug" "outbox: $delivered delivered, 0 queued, 0 parked; inbox: $received received"
done
say ""
say "Prometheus scrapes each node's metrics listener (localhost only): the same numbers, as metrics."
metric_sum() { # metric_sum SLUG NAME FILTER: the sum of a metric's samples whose labels contain FILTER
    curl -fsS "http://127.0.0.1:${metrics_port[$1]}/metrics" |
        awk -v name="$2" -v filter="$3" '$1 ~ ("^" name "({|$)") && index($1, filter) { s += $2 } END { printf "%d", s }'
}
for slug in "${slugs[@]}"; do
    health=$(curl -fsS "http://127.0.0.1:${metrics_port[$slug]}/healthz") || fail "$(city "$slug"): /healthz did not answer 200"
    delivered=$(sql "$slug" "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'")
    deadline=$((SECONDS + timeout))
    until [ "$(metric_sum "$slug" hub_messages_sent_total 'status="accepted"')" = "$delivered" ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail "$(city "$slug"): hub_messages_sent_total{status=\"accepted\"} is not $delivered"
        sleep 0.2
    done
    expect 0 "$(metric_sum "$slug" hub_outbox_queued '')" "$(city "$slug")'s hub_outbox_queued"
    expect 0 "$(metric_sum "$slug" hub_outbox_parked '')" "$(city "$slug")'s hub_outbox_parked"
    received=$(metric_sum "$slug" hub_messages_received_total 'status="accepted"')
    printf '  [%s metrics] /healthz %s; %s sent and %s received messages accepted, queues 0 (as in its database)\n' \
        "$(city "$slug")" "$health" "$delivered" "$received"
done
for slug in "${slugs[@]}"; do
    shown "$slug" operator audit verify
    checked=$(sed -n 's/^audit log intact: \([0-9][0-9]*\) entries.*/\1/p' <<<"$shown_out")
    [ -n "$checked" ] || fail "hubctl audit verify: $(city "$slug")'s audit log is not intact"
    rows=$(sql "$slug" "SELECT COUNT(*) FROM audit_log")
    # The verification is itself recorded, as the newest entry.
    expect "$((checked + 1))" "$rows" "$(city "$slug")'s audit_log rows after hubctl audit verify"
    db "$slug" "audit_log: $rows entries, the $checked verified and the verification itself"
done

# MARK: - What the databases hold now

heading "What the four databases hold now"
for slug in "${slugs[@]}"; do
    db "$slug" "$(sql "$slug" "SELECT COUNT(*) || ' cases (' || SUM(status = 'open') || ' open, ' ||
        SUM(status = 'closed') || ' closed); referrals: ' ||
        (SELECT COUNT(*) FROM referrals WHERE direction = 'outgoing') || ' sent, ' ||
        (SELECT COUNT(*) FROM referrals WHERE direction = 'incoming') || ' received' FROM cases")"
done

cat <<EOF

The demo ran to the end; every step above was checked against the databases.

The four nodes keep running (PIDs in $demo_dir/run/, logs in $demo_dir/nodes/*/node.log).
Try hubctl yourself: each file in $demo_dir/env/ sets HUB_NODE, HUB_CERT, HUB_KEY, HUB_CA
and HUB_NODE_OIN for one person and puts hubctl on PATH.

  . $demo_dir/env/arnhem-caseworker.env
  hubctl case list
  hubctl case show $arnhem_case
  hubctl referral inbox
  hubctl referral list --direction outgoing

  . $demo_dir/env/zwolle-operator.env
  hubctl status
  hubctl peers
  hubctl outbox list --state delivered
  hubctl audit verify
  hubctl audit reads
  hubctl keys list                 # the encryption keys; hubctl keys rotate-enc makes a new one
  hubctl purge --dry-run           # what retention would remove today (nothing: the cases are recent)
  curl -s http://127.0.0.1:${metrics_port[zwolle]}/metrics | grep '^hub_outbox'

  . $demo_dir/env/arnhem-operator.env
  hubctl audit reads --by "Case worker Arnhem (demo)"
  echo ${move_bsns[0]} | hubctl subject find      # a fictitious BSN of the $move_family family

Stop the nodes with: $stop_command
EOF

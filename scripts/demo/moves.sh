# shellcheck shell=bash
# ./senemo demo, part 5: the vehicles move. A move changes the NVG's egress
# address (the address leaves one access network's interface, the next
# network's address appears on another, the default route follows), exactly
# what a real handover does to the NVG; what happens next is the system's
# business (the NVG's netlink watcher, its REGISTER and URI-list request,
# Proxy 2's re-anchoring). The demo only records when it moved; the
# captures and the media verifiers say what followed.
#
# In the baseline (--baseline) nothing in the vehicle reacts: every MN of a
# moved vehicle re-registers and re-INVITEs its calls itself (bl_handoff).
#
# Schedule for M moves: moves 1..M-1 alternate vehicle 1, vehicle 2; the
# last move moves both vehicles at the same moment (while they talk to each
# other). Each vehicle goes to the next access network in turn.

# demo_moves M SECONDS_BETWEEN : writes $H_DIR/moves.tsv
#   index  vehicles(1,2|1|2)  t_epoch  from(v:a,..)  to(v:a,..)
demo_moves() {
    local m="$1" gap="$2" i vs v
    : > "$H_DIR/moves.tsv"
    for i in $(seq 1 "$m"); do
        if [ "$i" = "$m" ]; then vs="1 2"; else vs=$(( (i - 1) % 2 + 1 )); fi
        local from="" to="" pids=()
        for v in $vs; do
            local cur next; cur="$(eval echo "\$ATT_$v")"; next=$(( cur % NACC + 1 ))
            from+="$v:$cur,"; to+="$v:$next,"; eval "PREV_$v=$cur"
            eval "NEXT_$v=$next"
        done
        local t; t="$(date +%s.%N)"
        # both vehicles at the same moment: the two moves run in parallel
        for v in $vs; do
            demo_move "$v" "$(eval echo "\$NEXT_$v")" & pids+=($!)
        done
        local p; for p in "${pids[@]}"; do wait "$p" || h_fail "move $i failed (see demo.log)"; done
        for v in $vs; do eval "ATT_$v=\$NEXT_$v"; done
        printf '%s\t%s\t%s\t%s\t%s\n' "$i" "${vs// /,}" "$t" "${from%,}" "${to%,}" >> "$H_DIR/moves.tsv"
        # the baseline: every MN of a moved vehicle re-registers and
        # re-INVITEs its calls itself (each vehicle on its own)
        # (when both vehicles move, every MN re-INVITEs once the MNs of both
        # have re-registered: the baseline's best case; without that, a
        # re-INVITE reaching the peer's old binding waits for Timer B, 32 s)
        local bl=()
        if [ "$DEMO_MODE" = baseline ]; then
            (
                for v in $vs; do
                    bl_reregister "$v" "$(egr_ip "$v" "$(eval echo "\$ATT_$v")")" "$MNS" "$i" \
                        "$(egr_ip "$v" "$(eval echo "\$PREV_$v")")" &
                done
                wait
                for v in $vs; do bl_notify "$v" "$(egr_ip "$v" "$(eval echo "\$ATT_$v")")" "$i" & done
                wait
            ) 2>> "$H_DIR/demo.log" &
            bl+=($!)
        fi
        phase "move $i/$m: vehicle(s) ${vs// /+}: access ${from%,} -> ${to%,} (vehicle:access)"
        sleep "$gap"
        for p in "${bl[@]}"; do wait "$p"; done
    done
}

# shellcheck shell=bash
# ./senemo demo, part 6: the report. The bash side writes what it knows about
# the run (parameters, capabilities, times, file names) to run.json;
# report.py measures everything else from the captures, SIPp's records and
# the verifiers' summaries, and writes report.json, report.md and the data
# for the plots, which gnuplot draws.

demo_report() {
    mkdir -p "$OUT" || h_fail "cannot create $OUT"
    rm -f "$OUT/report.json" "$OUT/report.md" "$OUT"/demo-*.png
    # a report without --baseline has no baseline: an old one must not stay
    [ "$DEMO_MODE" = nvg ] && [ -z "${BL_REPORT:-}" ] && rm -rf "$OUT/baseline"
    local notes_json="" n
    for n in "${NOTES[@]}"; do notes_json+="$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$n"),"; done
    local prof_json=""
    for a in $(seq 1 "$NACC"); do
        read -r up down rtt <<<"$(h_link_profile "${LINK_PROFILE[$a]}")"
        prof_json+="{\"access\":$a,\"profile\":\"${LINK_PROFILE[$a]}\",\"up_kbit\":$up,\"down_kbit\":$down,\"rtt_ms\":$rtt},"
    done
    cat > "$H_DIR/run.json" <<JSON
{"mns_per_vehicle":$MNS,"vehicles":2,"calls_requested":$CALLS,"mn_mn_calls_each_way":$XMM,
 "moves_requested":$MOVES,"move_gap_s":$MOVE_GAP,"auth":"$AUTH","baseline_requested":$BASELINE,
 "mode":"$DEMO_MODE","baseline_report":"${BL_REPORT:-}",
 "access":[${prof_json%,}],
 "capabilities":{"p2_media":$CAP_MEDIA,"p2_handoff_list":$CAP_P2_HANDOFF,"nvg_handoff":$CAP_NVG_HANDOFF,"nvg_hotp":$CAP_NVG_HOTP},
 "nvg_registered":[${NVG_REG[1]},${NVG_REG[2]}],
 "media_on":$MEDIA_ON,"media_s":$MEDIA_S,"media_t0":${MEDIA_T0:-0},
 "reg_t0":$REG_T0,"reg_t1":$REG_T1,"reg_ok":$REG_OK,"reg_fail":$REG_FAIL,
 "calls_total":$CALLS_TOTAL,"calls_up":$CALLS_UP,"calls_t0":$CALLS_T0,"calls_t1":$CALLS_T1,
 "provisioned":$PROVISIONED,"firewall":$FIREWALL,"firewall_drops":${FW_DROPS:-0},
 "tls":${DEMO_TLS:-0},"tls_port":$P1_TLS_PORT,"tls_keylog":"${DEMO_TLS_KEYLOG:-}",
 "addr":{"p1":"$P1_IP","p2":"$P2_IP","alg_ext":"$ALG_EXT_IP","cn":"$CN_IP","mn1":"$(mn_ip 1)","mn2":"$(mn_ip 2)"},
 "dir":"$H_DIR","out":"$OUT","started":$DEMO_T0,"notes":[${notes_json%,}]}
JSON
    phase "report: analysing the captures"
    python3 "$H_ROOT/scripts/demo/report.py" "$H_DIR/run.json" > "$H_DIR/report.out" 2> "$H_DIR/report.err"
    local rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
        h_fail "report.py failed: $(tail -5 "$H_DIR/report.err")"
    fi
    if [ -f "$H_DIR/plot.gp" ] && [ "$DEMO_MODE" = nvg ]; then
        gnuplot "$H_DIR/plot.gp" 2> "$H_DIR/gnuplot.log" || note "gnuplot failed: $(head -3 "$H_DIR/gnuplot.log")"
    fi
    # the egress SIP captures and the SIPp summaries stay with the report
    mkdir -p "$OUT/captures"
    cp "$H_DIR"/egress*.pcapng "$H_DIR/moves.tsv" "$H_DIR/calls.tsv" "$OUT/captures/" 2>/dev/null
    # (TLS: the run's test session keys, to read the captures: tshark -o tls.keylog_file:...)
    [ -n "${DEMO_TLS_KEYLOG:-}" ] && cp "$DEMO_TLS_KEYLOG" "$OUT/captures/" 2>/dev/null
    cat "$H_DIR/report.out"
    echo "written: $OUT/report.md $OUT/report.json $(ls "$OUT"/demo-*.png 2>/dev/null | tr '\n' ' ')"
    return "$rc"
}

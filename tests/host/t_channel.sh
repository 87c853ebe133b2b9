# tether --channel DEV over a pty pair, garbage before and between frames.

channel_pty () {
  python3 "$HT_DIR/tproto.py" channel "$HT_TMP/ht-tether" "$PWD" >py.out 2>&1 \
    || fail "$(grep FAILED py.out | head -3 | tr '\n' ';') $(tail -n 2 py.out)"
}

t channel_pty channel_pty 60

#!/bin/sh
# Writes the genesis (ports 9701-9708, advertised on $POOL_IP) unless the container already has one,
# copies it to /genesis for the host, and runs the four nodes until the container is stopped.
set -eu

genesis="$INDY_POOL_DIR/data/conformance/pool_transactions_genesis"
if [ ! -f "$genesis" ]; then
    mkdir -p "$INDY_POOL_DIR"
    python3 /opt/didcomm-conformance/genesis.py "${POOL_IP:-127.0.0.1}" 9701,9702,9703,9704,9705,9706,9707,9708 \
        > "$INDY_POOL_DIR/genesis.log" 2>&1
fi
cp "$genesis" /genesis/pool_transactions_genesis

pids=""
for n in 1 2 3 4; do
    python3 /usr/local/bin/start_indy_node "Node$n" 0.0.0.0 $((9699 + 2 * n)) 0.0.0.0 $((9700 + 2 * n)) &
    pids="$pids $!"
done
trap 'kill -TERM $pids' TERM INT
echo "pool starting; genesis: /genesis/pool_transactions_genesis"
wait

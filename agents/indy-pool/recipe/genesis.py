"""Writes the genesis transactions and node keys of a pool on one host.

Usage: genesis.py <ip> <node port>,<client port>[,<node port>,<client port>...]  (one pair per node)

The seeds are those of plenum's test network (Trustee1, Steward1..N, Node1..N: the name left-padded
with '0' to 32 bytes), so the trustee's DID is V4SGRU86Z58d6TV7PBUe6f in every pool. The last line
printed is the path of the pool genesis file.
"""
import os
import sys

from indy_common.config_helper import ConfigHelper, NodeConfigHelper
from indy_common.config_util import getConfig
from indy_common.txn_util import getTxnOrderedFields
from plenum.common.test_network_setup import TestNetworkSetup

ip = sys.argv[1]
ports = [int(p) for p in sys.argv[2].split(',')]
count = len(ports) // 2

config = getConfig()
stewards, nodes = TestNetworkSetup.gen_defs([ip] * count, count, 0)
nodes = [n._replace(port=ports[2 * i], client_port=ports[2 * i + 1]) for i, n in enumerate(nodes)]
trustee = TestNetworkSetup.gen_trustee_def(1)
TestNetworkSetup.bootstrapTestNodesCore(
    config, config.NETWORK_NAME, False, getTxnOrderedFields(), trustee, stewards, nodes, [],
    set(range(1, count + 1)), 'indy.env', ConfigHelper, NodeConfigHelper)

helper = ConfigHelper(config)
for directory in (helper.log_dir, helper.node_info_dir, helper.backup_dir, helper.plugins_dir):
    os.makedirs(directory, exist_ok=True)
print(os.path.join(helper.genesis_dir, config.poolTransactionsFile + config.genesis_file_suffix))

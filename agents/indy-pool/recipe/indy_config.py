# /etc/indy/indy_config.py of the pool's root. Each pool run starts its nodes with INDY_POOL_DIR set to a
# directory of its own, so runs never share ledger data, keys or logs.
import logging
import os

_pool_dir = os.environ.get('INDY_POOL_DIR', '/var/lib/indy')

NETWORK_NAME = 'conformance'
LEDGER_DIR = _pool_dir + '/data'
KEYS_DIR = _pool_dir + '/data'
GENESIS_DIR = _pool_dir + '/data'
LOG_DIR = _pool_dir + '/log'
BACKUP_DIR = _pool_dir + '/backup'
PLUGINS_DIR = _pool_dir + '/plugins'
NODE_INFO_DIR = _pool_dir + '/info'

logLevel = logging.INFO

# How long the primary gathers requests before ordering a batch (plenum's default is 3 s); each pool run
# sets it.
Max3PCBatchWait = float(os.environ.get('INDY_MAX_3PC_BATCH_WAIT', '3'))

# RocksDB preallocates each write-ahead log at 1.1 x the memtable size (64 MiB by default): about 3 GiB of
# disk for a fresh 4-node pool. 4 MiB memtables bring that to about 200 MiB; a test ledger stays small.
from plenum.config import rocksdb_default_config as _rocksdb_default_config  # noqa: E402

_small_memtables = dict(_rocksdb_default_config, write_buffer_size=4 * 1024 * 1024)
db_merkle_leaves_config = db_merkle_nodes_config = db_state_config = db_transactions_config = _small_memtables
db_seq_no_db_config = db_node_status_db_config = db_state_signature_config = _small_memtables
db_state_ts_db_config = db_attr_db_config = db_idr_cache_db_config = _small_memtables

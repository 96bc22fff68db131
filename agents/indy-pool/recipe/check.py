"""Fails unless the root runs the node as pinned; prints the versions installed."""
import importlib.metadata

import msgpack
import ujson
import zmq

import indy_node.server.node  # noqa: F401  (every module a running node imports)
from ursa.bls import Generator

Generator.new()  # loads indy-bls's native library through the ursa compatibility package
assert ujson.__version__ == '1.33', 'ujson ' + ujson.__version__
assert msgpack.version < (1, 0), 'msgpack %s' % (msgpack.version,)
assert zmq.pyzmq_version_info() < (25,), 'pyzmq ' + zmq.pyzmq_version()
assert zmq.has('curve'), 'libzmq without CURVE'
print(' '.join('%s %s' % (name, importlib.metadata.version(name)) for name in ('indy-node', 'indy-plenum', 'indy-bls')),
      'pyzmq', zmq.pyzmq_version(), 'ujson', ujson.__version__)

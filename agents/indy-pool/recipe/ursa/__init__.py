# plenum 1.13 imports BLS from python-ursa, which needs a libursa.so that no registry ships.
# indy-bls carries the same BN254 code with the same classes; this package maps ursa's names onto it.

from indy_bls import IndyBlsError as IndyCryptoError  # noqa: F401

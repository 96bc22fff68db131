from indy_bls.bls import (  # noqa: F401
    Bls,
    BlsEntity,
    Generator,
    MultiSignature,
    ProofOfPossession,
    Signature,
    SignKey,
    VerKey,
)

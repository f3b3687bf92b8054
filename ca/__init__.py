"""ecert PKI: keys, X.509 profiles, CRL, OCSP, RFC 3161 time stamps, JWS, PAdES.

This package imports nothing else of ecert and is the only one that touches
``cryptography.hazmat``, pyHanko's signers/validation and asn1crypto. Every
function takes its trust anchors and its time (``now``/``at``, aware UTC) as
arguments; nothing here reads the clock or settings.
"""

from ca.der import install as _install_der_fix

_install_der_fix()  # asn1crypto's false "indefinite length" re-encodings (ca/der.py)

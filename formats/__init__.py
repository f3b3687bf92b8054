"""The wire formats the platform shares between issuing and verifying.

Identifiers and their check characters, USCC and ID-number checks, the signed record and QR
specifications, status codes and the verdicts they give, key ids, masking rules and China-time
helpers live here once; `issuer/` and `verifier/` import them and keep no copy of their own.

Plain Python with no dependency on any other package of ours (the bottom layer): anything a
wire format needs from cryptography is asked of `ca/` by the caller.
"""

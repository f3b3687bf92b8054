"""ecert verification: one result type, composable checks, and the verification paths.

- ``verifier.results``: ``Verdict``, ``Check``, ``VerificationResult``, ``derive_verdict``
- ``verifier.verify``: ``verify_identifier``, ``verify_qr`` (offline), ``verify_qr_online``
- ``verifier.pdf``: ``verify_pdf``
- ``verifier.lists``: trust and status lists (build / load)
- ``verifier.lookup``: lookups by using departments (purpose, grants, audit)
- ``verifier.holder``: holders' own certificates, who looked, presentation tokens
- ``verifier.objections``: Art. 17 objections with Chinese working-day deadlines

Never imports ``issuer``; crypto goes through ``ca``'s recipes only.
"""

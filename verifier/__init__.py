"""ecert verification: one result type, composable checks, and the verification paths.

- ``verifier.results``: ``Verdict``, ``Check``, ``VerificationResult``, ``derive_verdict``
- ``verifier.evidence``: what a path gathers (``Evidence``); ``verifier.gather``: from the store
- ``verifier.policy``: the check objects and ``AllOf`` policies every path runs
- ``verifier.verify``: ``verify_identifier``, ``verify_stored_version`` (re-exports the QR paths)
- ``verifier.qr``: ``verify_qr`` (offline), ``verify_qr_online``, ``parse_qr``
- ``verifier.pdf``: ``verify_pdf`` (``PdfEvidence`` and the PDF checks)
- ``verifier.presentation``: presentation tokens (亮证), made and verified
- ``verifier.lists``: trust and status lists (build / load)
- ``verifier.lookup``: lookups by using departments (purpose, grants, audit)
- ``verifier.holder``: holders' own certificates, who looked, presentation tokens
- ``verifier.objections``: Art. 17 objections with Chinese working-day deadlines

Never imports ``issuer``; crypto goes through ``ca``'s recipes only.
"""

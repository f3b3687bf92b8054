"""The platform's certificate authority: root, department enrolment, key rotation, succession,
TSA and OCSP keys (`authority.pki.PlatformPki`). The issuer sees it only through the
`issuer.views.DepartmentKeys` protocol."""

module ecert.test/rfc9162check

go 1.19

require github.com/transparency-dev/merkle v0.0.2

require github.com/google/go-cmp v0.5.9 // indirect
